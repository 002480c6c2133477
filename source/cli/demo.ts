import {join} from 'node:path';
import type {CardEndpoint} from '../apdu/transports/transport.js';
import {VirtualEidCard} from '../card/virtual/eid/eid-card.js';
import {oldSithsEidCard} from '../card/virtual/eid/profiles.js';
import type {CardHolder} from '../card/virtual/old-credential.js';
import {oldSithsCard} from '../card/virtual/profiles.js';
import type {SimulatedCard} from '../card/virtual/simulate.js';
import {DEFAULT_PIN, DEFAULT_PUK} from '../card/virtual/state.js';
import {seededRandom, type TimingModel} from '../card/virtual/timing.js';
import {VirtualPivCard} from '../card/virtual/virtual-card.js';
import {deriveManagementKey} from '../pki/management-key.js';
import type {CertificateAuthorityCredential} from '../pki/issue.js';
import {loadServiceSettings, type ServiceSettings, virtualCardAttestationRoot} from '../service/config.js';
import {createDemoSetup, DEMO_PERSONS} from '../service/demo-setup.js';
import {startService, type RunningService} from '../service/start.js';
import {ServiceClient} from '../service-client/client.js';
import type {TraceSink} from '../apdu/trace.js';
import {InProcessReaders} from '../upgrade/adapters/in-process-readers.js';
import {openCard} from '../upgrade/adapters/open-card.js';
import type {EngineDeps} from '../upgrade/ports.js';

/** The demo's reader, as vpcd names its first one. */
const DEMO_READER = 'Virtual PCD 00 00';

/** What the demo runs on, ready for an engine. */
export interface Demo {
  readonly deps: Pick<EngineDeps, 'readers' | 'service' | 'trustAnchors' | 'intermediates'>;
  readonly serviceUrl: string;
  /** Stops the service. */
  close(): Promise<void>;
}

/**
 * `npm start`: the reference service on loopback with a fresh demo CA (serve --init into `directory`, store in
 * memory), and an in-process virtual card holding an old credential of the first demo person (the two-PIN SITHS
 * card, or a PIV card), with on-card timings of a real card (JCOP4: RSA key generation takes seconds). Its codes
 * are demoCodes(card) (demo-card.ts). Nothing is left behind after close().
 * `sleep` is the engine clock's, for the client's retries. Throws what the demo setup and the service's start
 * throw (ServiceSetupError, PkiError, VirtualCardError 'profile-invalid'), after stopping what it started.
 */
export async function startDemo(
  sleep: (ms: number) => Promise<void>,
  options: {
    /** The virtual card in the reader. */
    readonly card: SimulatedCard;
    /** An empty directory for the demo's files (CA keys, configuration), which the caller removes. */
    readonly directory: string;
    /** Save the virtual card's state here after every change (for inspecting the card after a run). */
    readonly cardStateFile?: string;
    /** The card's timing model; default a real card's (JCOP4). */
    readonly timing?: TimingModel;
    /** Seeds the card's timing draws (seededRandom); default Math.random. */
    readonly timingSeed?: number;
    /** Receives the redacted APDUs (--trace). */
    readonly trace?: TraceSink;
  },
): Promise<Demo> {
  let service: RunningService | undefined;
  try {
    const setup = await createDemoSetup(join(options.directory, 'service'));
    const settings = await loadServiceSettings(setup.configPath);
    // The first demo person's card (its number fits a CHUID's FASC-N: 14 digits).
    const person = DEMO_PERSONS[0]!;
    const cardNumber = person.cards[0]!.number;
    service = await startService({config: settings, store: ':memory:', listen: {host: '127.0.0.1', port: 0}});
    const authority = (id: string) => {
      const found = settings.authorities.find((candidate) => candidate.id === id);
      if (found === undefined) throw new Error(`the demo setup has no authority ${id}`);
      return found;
    };
    const issuer = authority('old');
    const holder = {
      givenName: person.givenName,
      surname: person.surname,
      hsaId: person.hsaId,
      cardNumber,
      organisation: person.organisation,
    };
    const card = await demoCard(options, settings, holder, {
      certificate: issuer.certificate,
      privateKey: issuer.privateKey!,
    });
    const readers = new InProcessReaders(
      (transport) => openCard(transport, {trace: options.trace}),
      [DEMO_READER],
    );
    readers.insert(DEMO_READER, card);
    const running = service;
    return {
      deps: {
        readers,
        service: new ServiceClient({url: running.url, certificateAuthority: running.caCertificate, sleep}),
        trustAnchors: [authority('root').certificate],
        intermediates: [authority('hsa-id').certificate, authority('personnummer').certificate],
      },
      serviceUrl: running.url,
      close: () => running.close(),
    };
  } catch (error) {
    await service?.close();
    throw error;
  }
}

/** The demo's virtual card, holding `holder`'s old credential from `issuer`. */
async function demoCard(
  options: {
    readonly card: SimulatedCard;
    readonly cardStateFile?: string;
    readonly timing?: TimingModel;
    readonly timingSeed?: number;
  },
  settings: ServiceSettings,
  holder: CardHolder,
  issuer: CertificateAuthorityCredential,
): Promise<CardEndpoint> {
  const {cardStateFile: stateFile, timing, timingSeed} = options;
  const random = timingSeed === undefined ? undefined : seededRandom(timingSeed);
  if (options.card === 'siths-eid') {
    return new VirtualEidCard({state: await oldSithsEidCard({holder, issuer}), stateFile, timing, random});
  }
  const state = await oldSithsCard({
    holder,
    pin: DEFAULT_PIN,
    puk: DEFAULT_PUK,
    managementKey: deriveManagementKey(settings.managementKeys.masterSecret, holder.cardNumber),
    issuer,
    // The demo service checks the card's key attestations against this root.
    attestationRoot: virtualCardAttestationRoot(settings),
  });
  return new VirtualPivCard({state, stateFile, timing, random});
}
