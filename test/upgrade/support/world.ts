import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Transport} from '../../../source/apdu/transports/transport.js';
import {oldSithsCard} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {deriveManagementKey} from '../../../source/pki/management-key.js';
import type {KeyAlgorithm} from '../../../source/protocol/common.js';
import {
  loadServiceSettings,
  type DirectoryPerson,
  type ServiceSettings,
} from '../../../source/service/config.js';
import {createDemoSetup} from '../../../source/service/demo-setup.js';
import {startService, type RunningService} from '../../../source/service/start.js';
import {ServiceClient} from '../../../source/service-client/client.js';
import {InProcessReaders} from '../../../source/upgrade/adapters/in-process-readers.js';
import {openCard} from '../../../source/upgrade/adapters/open-card.js';
import {UpgradeEngine} from '../../../source/upgrade/engine.js';
import type {Clock, EngineDeps, LogEntry, ServicePort} from '../../../source/upgrade/ports.js';

/** The holder of the test card (the directory gets a card number the virtual card's CHUID can carry: 14 digits). */
export const HOLDER = {
  givenName: 'Anna',
  surname: 'Andersson',
  hsaId: 'SE2321000016-1001',
  personnummer: '191212121212',
  cardNumber: '97522700000001',
} as const;
export const PIN = '246810';
export const READER = 'Virtual PCD 00 00';

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }),
};

/** Everything an engine test needs, real parts only: a reference service over HTTPS, a virtual old-siths card. */
export interface World {
  readonly dir: string;
  readonly settings: ServiceSettings;
  service: RunningService;
  readonly card: VirtualPivCard;
  readonly readers: InProcessReaders;
  /** The card's management key (as the service derives it), for tests that change the card behind its back. */
  readonly managementKey: Uint8Array;
  /** Every support-log line any engine of this world wrote. */
  readonly log: LogEntry[];
  readonly trust: {readonly anchors: Uint8Array[]; readonly intermediates: Uint8Array[]};
  /** A new engine wired to the world (its own service client, so a restarted service is reached). */
  engine(overrides?: Partial<EngineDeps>): UpgradeEngine;
  /** A service port to the running service, for checks. */
  client(): ServicePort;
  /** Stops the service (the network is cut). */
  stopService(): Promise<void>;
  /** Starts the service again on the same store and port. */
  startService(): Promise<void>;
  close(): Promise<void>;
}

export async function createWorld(
  options: {
    keyAlgorithm?: KeyAlgorithm;
    /** Wraps each transport the engine opens (to watch exclusive holds). */
    wrapTransport?: (transport: Transport) => Transport;
    /** More people in the directory (beside HOLDER), e.g. for a card set up by another tool. */
    extraPersons?: readonly DirectoryPerson[];
    /** Fixed management keys by card number (cards IT set up), beside the derived ones. */
    fixedManagementKeys?: ReadonlyMap<string, Uint8Array>;
  } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'upgrade-world-'));
  const setup = await createDemoSetup(join(dir, 'service'), {
    keyAlgorithm: options.keyAlgorithm ?? 'ecc-p256',
  });
  const loaded = await loadServiceSettings(setup.configPath);
  const settings: ServiceSettings = {
    ...loaded,
    persons: [
      {
        hsaId: HOLDER.hsaId,
        personnummer: HOLDER.personnummer,
        givenName: HOLDER.givenName,
        surname: HOLDER.surname,
        organisation: 'Region Demo',
        cards: [{number: HOLDER.cardNumber, status: 'received'}],
      },
      ...(options.extraPersons ?? []),
    ],
    managementKeys: {
      ...loaded.managementKeys,
      fixed: new Map([...loaded.managementKeys.fixed, ...(options.fixedManagementKeys ?? [])]),
    },
  };
  const store = join(dir, 'service.sqlite');
  let service = await startService({config: settings, store, listen: {host: '127.0.0.1', port: 0}});
  const port = Number(new URL(service.url).port);
  const authority = (id: string) => settings.authorities.find((a) => a.id === id)!;
  const old = authority('old');
  const managementKey = deriveManagementKey(settings.managementKeys.masterSecret, HOLDER.cardNumber);
  const state = await oldSithsCard({
    holder: {...HOLDER, organisation: 'Region Demo'},
    pin: PIN,
    managementKey,
    issuer: {certificate: old.certificate, privateKey: old.privateKey!},
  });
  const card = new VirtualPivCard({state, stateFile: join(dir, 'card.json'), timing: INSTANT_TIMING});
  const wrap = options.wrapTransport ?? ((transport: Transport) => transport);
  const readers = new InProcessReaders((transport) => openCard(wrap(transport)), [READER]);
  readers.insert(READER, card);
  const log: LogEntry[] = [];
  const trust = {
    anchors: [authority('root').certificate],
    intermediates: [authority('hsa-id').certificate, authority('personnummer').certificate],
  };
  const client = () =>
    new ServiceClient({
      url: service.url,
      certificateAuthority: service.caCertificate,
      sleep: (ms) => realClock.sleep(ms),
      retry: {attempts: 2, baseDelayMs: 20, maxDelayMs: 40},
      timeoutMs: 5000,
    });
  let isRunning = true;
  return {
    dir,
    settings,
    get service() {
      return service;
    },
    card,
    readers,
    managementKey,
    log,
    trust,
    engine: (overrides = {}) =>
      new UpgradeEngine({
        readers,
        service: client(),
        clock: realClock,
        random: {bytes: (length) => new Uint8Array(randomBytes(length))},
        log: {write: (entry) => log.push(entry)},
        trustAnchors: trust.anchors,
        intermediates: trust.intermediates,
        language: 'sv',
        ...overrides,
      }),
    client,
    async stopService() {
      if (!isRunning) return;
      isRunning = false;
      await service.close();
    },
    async startService() {
      if (isRunning) return;
      service = await startService({config: settings, store, listen: {host: '127.0.0.1', port}});
      isRunning = true;
    },
    async close() {
      if (isRunning) await service.close();
      isRunning = false;
      rmSync(dir, {recursive: true, force: true});
    },
  } as World;
}
