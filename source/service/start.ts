import type {AddressInfo} from 'node:net';
import type {Writable} from 'node:stream';
import {buildApp} from './app.js';
import {Authorities} from './authorities.js';
import type {ServiceSettings} from './config.js';
import type {ServiceContext} from './context.js';
import {currentCrl} from './crl-publisher.js';
import {Directory} from './directory.js';
import {openStore} from './store/open-store.js';

export interface StartServiceOptions {
  readonly config: ServiceSettings;
  /** The store: a SQLite path, ':memory:' or a postgresql:// URL; default config.store. */
  readonly store?: string;
  /** Where to listen; default config.listen. Tests use {host: '127.0.0.1', port: 0}. */
  readonly listen?: {readonly host: string; readonly port: number};
  /** The service's time (expiry of challenges, sessions and certificates; validity of what it issues). */
  readonly clock?: {now(): Date};
  /** Where the request log goes, as JSON lines (buildApp); none by default. `serve` logs to stdout. */
  readonly log?: Writable;
}

export interface RunningService {
  /** https://host:port, without a trailing slash. */
  readonly url: string;
  /** The CA clients pin for this service's TLS certificate, DER. */
  readonly caCertificate: Uint8Array;
  /** Stops listening, waits for open requests, closes the store. */
  close(): Promise<void>;
}

/**
 * Starts the reference upgrade service in this process: opens the store (migrations), serves HTTPS with the
 * configured server certificate, and publishes a CRL for each signing CA that has none yet.
 * Throws ServiceSetupError ('store-failed', 'authority-invalid') and the listen errors of node (EADDRINUSE).
 */
export async function startService(options: StartServiceOptions): Promise<RunningService> {
  const {config} = options;
  const store = await openStore(options.store ?? config.store, {
    ...(config.storePassword !== undefined && {password: config.storePassword}),
  });
  let app: Awaited<ReturnType<typeof buildApp>> | undefined;
  try {
    let publicUrl = config.publicUrl ?? '';
    const context: ServiceContext = {
      settings: config,
      store,
      now: options.clock ? () => options.clock!.now() : () => new Date(),
      directory: new Directory(config.persons),
      authorities: new Authorities(config),
      publicUrl: () => publicUrl,
    };
    app = await buildApp(
      context,
      {
        key: config.tls.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
        cert: config.tls.certificateChain,
      },
      options.log,
    );
    const listen = options.listen ?? config.listen;
    await app.listen({host: listen.host, port: listen.port});
    const url = `https://${urlHost(listen.host)}:${(app.server.address() as AddressInfo).port}`;
    publicUrl ||= url;
    for (const authority of context.authorities.signing()) await currentCrl(context, authority.id);
    const listening = app;
    let closing: Promise<void> | undefined;
    return {
      url,
      caCertificate: config.tls.caCertificate,
      close: () => (closing ??= listening.close().then(() => store.close())),
    };
  } catch (error) {
    await app?.close();
    await store.close();
    throw error;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}
