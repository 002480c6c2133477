import {randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import type {Transport} from '../../../source/apdu/transports/transport.js';
import {VirtualEidCard} from '../../../source/card/virtual/eid/eid-card.js';
import {
  DEFAULT_EID_PINS,
  type EidCardPins,
  oldSithsEidCard,
} from '../../../source/card/virtual/eid/profiles.js';
import {oldSithsCard} from '../../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {deriveManagementKey} from '../../../source/pki/management-key.js';
import type {KeyAlgorithm} from '../../../source/protocol/common.js';
import {
  loadServiceSettings,
  virtualCardAttestationRoot,
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

/** What every world has, whichever card is in its reader. */
interface WorldBase {
  readonly dir: string;
  readonly settings: ServiceSettings;
  service: RunningService;
  readonly readers: InProcessReaders;
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

/** Everything an engine test needs, real parts only: a reference service over HTTPS, a virtual old-siths PIV card. */
export interface World extends WorldBase {
  readonly card: VirtualPivCard;
  /** The card's management key (as the service derives it), for tests that change the card behind its back. */
  readonly managementKey: Uint8Array;
}

/** The same with the two-PIN SITHS card (Setec EID, PKCS#15) holding HOLDER's old credential. */
export interface EidWorld extends WorldBase {
  readonly card: VirtualEidCard;
  /** The card's Legitimering and Underskrift PINs and its PUK. */
  readonly pins: EidCardPins;
}

export interface WorldOptions {
  /** The key algorithm of the PIV plan's items (the SITHS EID plan is RSA-2048 only); default ecc-p256. */
  keyAlgorithm?: KeyAlgorithm;
  /** Wraps each transport the engine opens (to watch exclusive holds). */
  wrapTransport?: (transport: Transport) => Transport;
  /** More people in the directory (beside HOLDER), e.g. for a card set up by another tool. */
  extraPersons?: readonly DirectoryPerson[];
  /** Fixed management keys by card number (cards IT set up), beside the derived ones. */
  fixedManagementKeys?: ReadonlyMap<string, Uint8Array>;
  /**
   * Whether the PIV card's F9 attestation certificate is under the service's configured maker root (default);
   * false makes it sign itself, as a card of a maker the service does not know.
   */
  isAttestationTrusted?: boolean;
  /** More card makers' attestation roots (DER) the service trusts, for cards made outside the world. */
  extraAttestationRoots?: readonly Uint8Array[];
}

/**
 * A world with HOLDER's old card in READER: a PIV card (default) or, with `card: 'siths-eid'`, the two-PIN SITHS
 * card, its old credential from the service's 'old' authority, its state in the world's directory.
 */
export async function createWorld(options: WorldOptions & {card: 'siths-eid'}): Promise<EidWorld>;
export async function createWorld(options?: WorldOptions & {card?: 'piv'}): Promise<World>;
export async function createWorld(
  options: WorldOptions & {card?: 'piv' | 'siths-eid'} = {},
): Promise<World | EidWorld> {
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
    attestation: {
      ...loaded.attestation,
      roots: [
        ...loaded.attestation.roots,
        ...(options.extraAttestationRoots ?? []).map((certificate) => ({certificate})),
      ],
    },
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
  const holder = {...HOLDER, organisation: 'Region Demo'};
  const issuer = {certificate: old.certificate, privateKey: old.privateKey!};
  const stateFile = join(dir, 'card.json');
  const managementKey = deriveManagementKey(settings.managementKeys.masterSecret, HOLDER.cardNumber);
  const card =
    options.card === 'siths-eid'
      ? new VirtualEidCard({
          state: await oldSithsEidCard({holder, issuer, pins: DEFAULT_EID_PINS}),
          stateFile,
          timing: INSTANT_TIMING,
        })
      : new VirtualPivCard({
          state: await oldSithsCard({
            holder,
            pin: PIN,
            managementKey,
            issuer,
            attestationRoot:
              options.isAttestationTrusted === false ? undefined : virtualCardAttestationRoot(settings),
          }),
          stateFile,
          timing: INSTANT_TIMING,
        });
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
  const base: WorldBase = {
    dir,
    settings,
    get service() {
      return service;
    },
    readers,
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
  };
  // Onto base, not a spread of it: a spread would read the service getter once.
  return card instanceof VirtualEidCard
    ? Object.assign(base, {card, pins: DEFAULT_EID_PINS})
    : Object.assign(base, {card, managementKey});
}
