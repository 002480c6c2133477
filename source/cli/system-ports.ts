import {randomBytes, X509Certificate} from 'node:crypto';
import {mkdirSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {ServiceClient} from '../service-client/client.js';
import {verifyIssuingAuthorities} from '../service-client/issuing-authorities.js';
import {engineErrorOf, UpgradeError} from '../upgrade/errors.js';
import type {TraceSink} from '../apdu/trace.js';
import {PcscCardReaders} from '../upgrade/adapters/pcsc-readers.js';
import type {Clock, EngineDeps, Log, Random} from '../upgrade/ports.js';
import {stateFilePath} from './settings-file.js';
import {SupportLog} from './support-log-file.js';
import {CliError} from './errors.js';

/** The engine's ports backed by this machine: the clock, randomness, the support log, PC/SC and the service. */

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, {once: true});
    }),
};

export const systemRandom: Random = {bytes: (length) => new Uint8Array(randomBytes(length))};

/** The support log file: $XDG_STATE_HOME/siths-upgrade/support-log.jsonl (default ~/.local/state/...). */
export function supportLogPath(env: {readonly XDG_STATE_HOME?: string}): string {
  return stateFilePath(env, 'support-log.jsonl');
}

/**
 * Opens the support log (JSON lines, secrets redacted by SupportLog). A home that cannot be written (a locked-down
 * thin client) must not stop an upgrade: the log is then dropped and `path` is undefined.
 */
export function openSupportLog(path: string): {
  readonly log: Log;
  readonly path?: string;
  /** For --trace: the redacted APDUs, into the same log. */
  readonly apduTrace: TraceSink;
  close(): void;
} {
  try {
    mkdirSync(join(path, '..'), {recursive: true, mode: 0o700});
    const log = new SupportLog(path, systemClock);
    return {log, path, apduTrace: log.apduTrace, close: () => log.close()};
  } catch {
    return {log: {write: () => undefined}, apduTrace: () => undefined, close: () => undefined};
  }
}

/** Every certificate of a PEM file (a bundle may hold several), DER. Throws CliError 'setting-invalid'. */
export function readCertificates(path: string): Uint8Array[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError('setting-invalid', `service-ca ${path}`, {cause: error});
  }
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const certificates = blocks.flatMap((block) => {
    try {
      return [new Uint8Array(new X509Certificate(block).raw)];
    } catch {
      return [];
    }
  });
  if (certificates.length === 0) throw new CliError('setting-invalid', `service-ca ${path}`);
  return certificates;
}

/**
 * A real card and service: the PC/SC readers and the configured upgrade service, pinned to the CA file, whose
 * certificates are also the trust anchors the new certificates must chain to (invariant 5).
 * Throws CliError 'setting-invalid' for an unreadable CA file.
 */
export function realPorts(options: {
  readonly serviceUrl: string;
  readonly serviceCaPath: string;
  readonly trace?: TraceSink;
}): Pick<EngineDeps, 'readers' | 'service' | 'trustAnchors'> & {close(): Promise<void>} {
  const anchors = readCertificates(options.serviceCaPath);
  const readers = new PcscCardReaders({trace: options.trace});
  const pem = anchors.map((der) => new X509Certificate(der).toString()).join('\n');
  return {
    readers,
    service: new ServiceClient({
      url: options.serviceUrl,
      certificateAuthority: pem,
      sleep: (ms) => systemClock.sleep(ms),
    }),
    trustAnchors: anchors,
    close: () => readers.close(),
  };
}

/**
 * The service's issuing CAs (GET /v1/authorities, over TLS pinned to `anchors`), each chain verified up to one of
 * `anchors` now: what status and test judge the card's certificates with when the CA file holds only the root.
 * Throws UpgradeError 'service-chain-untrusted' (a chain that does not verify: never used), 'service-unreachable',
 * 'service-tls', 'service-refused', 'service-error'.
 */
export async function fetchIssuingAuthorities(
  serviceUrl: string,
  anchors: readonly Uint8Array[],
): Promise<Uint8Array[]> {
  const client = new ServiceClient({
    url: serviceUrl,
    certificateAuthority: anchors.map((der) => new X509Certificate(der).toString()).join('\n'),
    sleep: (ms) => systemClock.sleep(ms),
  });
  try {
    return verifyIssuingAuthorities(await client.issuingAuthorities(), anchors, new Date(systemClock.now()));
  } catch (error) {
    throw new UpgradeError(engineErrorOf(error), 'the issuing CAs of the service', {cause: error});
  }
}
