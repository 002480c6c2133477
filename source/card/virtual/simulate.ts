import {X509Certificate} from 'node:crypto';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {createCertificateAuthority, type CertificateAuthorityCredential} from '../../pki/issue.js';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import {VirtualEidCard} from './eid/eid-card.js';
import {blankEidCard, oldSithsEidCard} from './eid/profiles.js';
import {EID_STATE_FORMAT} from './eid/state-file.js';
import {VirtualCardError} from './errors.js';
import {blankCard, oldSithsCard, type CardHolder} from './profiles.js';
import {PIV_STATE_FORMAT, stateFileFormat} from './state-file.js';
import {DEFAULT_MANAGEMENT_KEY, DEFAULT_PIN, type CardState} from './state.js';
import {DEFAULT_TIMING, INSTANT_TIMING} from './timing.js';
import {VirtualPivCard} from './virtual-card.js';
import {connectVpcd, type VpcdState} from './vpcd.js';

/**
 * `siths-upgrade simulate`: a virtual card behind a vpcd reader (vsmartcard), so that every PC/SC program on the
 * machine (this tool, OpenSC, yubico-piv-tool, a browser) sees it as a card in a reader.
 */

/** Which card: a PIV card (virtual-card.ts) or the SITHS card staff hold, Setec EID with PKCS#15 (eid/). */
export type SimulatedCard = 'piv' | 'siths-eid';

/**
 * What a new card holds: no credential (a factory-fresh YubiKey, an EID card with its PINs and no keys), or a staff
 * card with an old credential (profiles.ts, eid/profiles.ts).
 */
export type SimulatedProfile = 'blank' | 'old-siths';

/** `realistic`: the card takes as long as a JCOP4 card in a USB reader (timing.ts); `instant`: no added time. */
export type SimulatedTiming = 'realistic' | 'instant';

/**
 * Inputs of a new `old-siths` card; each absent one takes its demo value. To upgrade the card against a reference
 * service, give the service's old CA as `issuer` (so the service accepts the card's login) and the management key
 * the service holds for the card (derived from its master secret and the card number, or registered as a fixed
 * key).
 */
export interface SimulatedOldSithsInputs {
  /** Default {@link SIMULATED_HOLDER}. */
  readonly holder?: CardHolder;
  /** The PIV card's PIN; default {@link SIMULATED_PIN}. (The EID card has its fixture PINs, DEFAULT_EID_PINS.) */
  readonly pin?: string;
  /** The PIV card's, AES-192; default the factory key 0102..08 three times. */
  readonly managementKey?: Uint8Array;
  /**
   * The CA that issues the card's certificates. Default: a demo "old" CA made for this card, whose certificate is
   * saved at {@link simulatedOldCaPath} and whose private key is dropped once the certificates are issued (private
   * keys are written nowhere but in the card's own state file).
   */
  readonly issuer?: CertificateAuthorityCredential;
  /**
   * The card maker's attestation root that signs the PIV card's F9 attestation certificate (the reference
   * service's, so it accepts the card's key attestations); default none: the F9 certificate is self-signed.
   */
  readonly attestationRoot?: CertificateAuthorityCredential;
}

export interface SimulateOptions {
  /** Where the vpcd driver inside pcscd listens (vsmartcard's default port is 0x8C7B = 35963). */
  readonly vpcd: {readonly host: string; readonly port: number};
  /** The card's state file: loaded when it exists, else created from `card` and `profile`. It holds PINs and keys. */
  readonly statePath: string;
  /** The card of a new state file, default `piv`; an existing one keeps the card it holds. */
  readonly card?: SimulatedCard;
  /** The profile of a new card; ignored when the state file exists. */
  readonly profile: SimulatedProfile;
  readonly timing: SimulatedTiming;
  /** Inputs of a new `old-siths` card. */
  readonly oldSiths?: SimulatedOldSithsInputs;
}

/** Somewhere to write lines of text (process.stdout, or a test's buffer). */
export interface TextSink {
  write(text: string): unknown;
}

export interface SimulateIo {
  /**
   * Stops the simulation: the card leaves the reader, its state is saved, and {@link runSimulate} resolves. Without
   * a signal, SIGINT and SIGTERM of this process stop it (and their listeners are removed afterwards).
   */
  readonly signal?: AbortSignal;
  /** One line when the card is created or loaded, and one per connection change. Never PINs, keys or APDUs. */
  readonly stdout: TextSink;
  /** Warnings (inputs that are ignored). */
  readonly stderr?: TextSink;
}

/** The holder of a simulated `old-siths` card: the first of the reference service's demo staff. */
export const SIMULATED_HOLDER: CardHolder = {
  givenName: 'Anna',
  surname: 'Andersson',
  hsaId: 'SE2321000016-1001',
  cardNumber: '97522700000001',
  organisation: 'Region Demo',
};

/** The PIN of a simulated `old-siths` card (a `blank` card has the factory PIN, the same digits). */
export const SIMULATED_PIN = DEFAULT_PIN;

const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** Where the certificate (PEM) of a generated demo old CA is saved: beside the state file. */
export function simulatedOldCaPath(statePath: string): string {
  return `${statePath}.old-ca.pem`;
}

/** A virtual card as the simulator runs it. */
interface SimulatedCardEndpoint extends CardEndpoint {
  save(): void;
}

const CARD_OF_FORMAT: ReadonlyMap<string, SimulatedCard> = new Map([
  [PIV_STATE_FORMAT, 'piv'],
  [EID_STATE_FORMAT, 'siths-eid'],
]);

/**
 * Runs the virtual card in a vpcd reader until `io.signal` aborts (or SIGINT / SIGTERM without a signal). Loads
 * the card from `options.statePath`, or creates it there from the profile (for `old-siths` without an issuer, with
 * a demo old CA: see {@link SimulatedOldSithsInputs.issuer}). Connects to the vpcd reader and, whenever the reader
 * goes away (pcscd stopped or restarted), connects again until it is back. The card saves its state after every
 * change, and once more on the way out. Logs one line per connection change on `io.stdout`.
 *
 * Rejects with VirtualCardError 'state-file-invalid' (the state file does not load), 'state-file-failed' (it, or
 * the demo old CA certificate, cannot be written, at creation or while running: the card then leaves the reader
 * and the simulation stops),
 * 'profile-invalid' (malformed old-siths inputs), and PkiError when the old-siths certificates cannot be issued.
 */
export async function runSimulate(options: SimulateOptions, io: SimulateIo): Promise<void> {
  const stop = io.signal ? {signal: io.signal, dispose: () => undefined} : processSignals();
  try {
    const {card, name, isNew} = await openCard(options, io);
    io.stdout.write(`${name} ${isNew ? `created (${options.profile})` : 'loaded'}: ${options.statePath}\n`);
    if (!stop.signal.aborted) await serve(card, options, io.stdout, stop.signal);
    card.save();
    io.stdout.write(`State saved: ${options.statePath}\n`);
  } finally {
    stop.dispose();
  }
}

async function openCard(
  options: SimulateOptions,
  io: SimulateIo,
): Promise<{card: SimulatedCardEndpoint; name: string; isNew: boolean}> {
  const {statePath} = options;
  const existing = existsSync(statePath) ? stateFileFormat(readFileSync(statePath, 'utf8')) : undefined;
  const requested = options.card ?? 'piv';
  const kind = (existing === undefined ? undefined : CARD_OF_FORMAT.get(existing)) ?? requested;
  let isNew = false;
  const timing = options.timing === 'instant' ? INSTANT_TIMING : DEFAULT_TIMING;
  let card: SimulatedCardEndpoint;
  let name: string;
  if (kind === 'piv') {
    const piv = await VirtualPivCard.loadOrCreate(
      statePath,
      async () => {
        isNew = true;
        return options.profile === 'blank' ? blankCard() : oldSithsState(options, io.stdout);
      },
      {timing},
    );
    card = piv;
    name = `Virtual PIV card ${piv.inspect().serial}`;
  } else {
    card = await VirtualEidCard.loadOrCreate(
      statePath,
      async () => {
        isNew = true;
        return options.profile === 'blank'
          ? blankEidCard({cardNumber: (options.oldSiths?.holder ?? SIMULATED_HOLDER).cardNumber})
          : oldSithsEidCard(await oldSithsInputs(options, io.stdout));
      },
      {timing},
    );
    name = 'Virtual SITHS card (Setec EID, two PINs)';
  }
  if (!isNew && options.oldSiths !== undefined)
    io.stderr?.write(`The old-siths inputs are ignored: the card already exists in ${statePath}\n`);
  if (!isNew && kind !== requested)
    io.stderr?.write(`--card ${requested} is ignored: ${statePath} holds a ${kind} card\n`);
  return {card, name, isNew};
}

async function oldSithsState(options: SimulateOptions, stdout: TextSink): Promise<CardState> {
  const inputs = await oldSithsInputs(options, stdout);
  return oldSithsCard({
    ...inputs,
    pin: options.oldSiths?.pin ?? SIMULATED_PIN,
    managementKey: options.oldSiths?.managementKey ?? DEFAULT_MANAGEMENT_KEY,
    attestationRoot: options.oldSiths?.attestationRoot,
  });
}

/** The holder and issuer of a new old-siths card (a demo old CA when none is given), named on `stdout`. */
async function oldSithsInputs(
  options: SimulateOptions,
  stdout: TextSink,
): Promise<{holder: CardHolder; issuer: CertificateAuthorityCredential}> {
  const holder = options.oldSiths?.holder ?? SIMULATED_HOLDER;
  const issuer = options.oldSiths?.issuer ?? (await demoOldCa(options.statePath, stdout));
  stdout.write(
    `Card holder ${holder.givenName} ${holder.surname}, ${holder.hsaId}, card number ${holder.cardNumber}; ` +
      `issuer ${new X509Certificate(issuer.certificate).subject.replaceAll('\n', ', ')}\n`,
  );
  return {holder, issuer};
}

/** A demo old CA valid from two years ago for five years; its certificate saved beside the state file. */
async function demoOldCa(statePath: string, stdout: TextSink): Promise<CertificateAuthorityCredential> {
  const now = Date.now();
  const issuer = await createCertificateAuthority({
    name: [
      {type: 'countryName', value: 'SE'},
      {type: 'organizationName', value: 'SITHS Demo'},
      {type: 'commonName', value: 'SITHS Demo Type 3 CA v1 (simulated old CA)'},
    ],
    keyAlgorithm: 'rsa-2048',
    notBefore: new Date(now - 2 * YEAR_MS),
    notAfter: new Date(now + 5 * YEAR_MS),
  });
  const path = simulatedOldCaPath(statePath);
  try {
    writeFileSync(path, new X509Certificate(issuer.certificate).toString());
  } catch (error) {
    throw new VirtualCardError('state-file-failed', `cannot write the old CA certificate ${path}`, {
      cause: error,
    });
  }
  stdout.write(`Old CA certificate saved: ${path}\n`);
  return issuer;
}

/** Keeps the card in the reader until `signal` aborts; rejects when the card fails (the bridge then ejects it). */
async function serve(
  card: SimulatedCardEndpoint,
  options: SimulateOptions,
  stdout: TextSink,
  signal: AbortSignal,
): Promise<void> {
  const {host, port} = options.vpcd;
  const reader = `the vpcd reader at ${host}:${port}`;
  let failure: unknown;
  // The card's own failures (its state file cannot be written) end the simulation; the bridge swallows them.
  const endpoint: CardEndpoint = {
    reset: () => card.reset(),
    powerOff: () => card.powerOff(),
    process: (apdu) =>
      card.process(apdu).catch((error: unknown) => {
        failure ??= error;
        throw error;
      }),
  };
  let onFailure = (): void => undefined;
  const failed = new Promise<void>((resolve) => (onFailure = resolve));
  const lines: Record<VpcdState, string> = {
    connecting: `Waiting for ${reader} (pcscd with vsmartcard-vpcd)`,
    inserted: `Card inserted in ${reader}`,
    ejected: 'Card taken out of the reader after a failure',
    closed: `Card removed from ${reader}`,
  };
  stdout.write(`${lines.connecting}\n`);
  const bridge = connectVpcd({
    card: endpoint,
    host,
    port,
    onStateChange: (state) => {
      stdout.write(`${lines[state]}\n`);
      if (state === 'ejected') onFailure();
    },
  });
  let onAbort = (): void => undefined;
  const aborted = new Promise<void>((resolve) => (onAbort = resolve));
  signal.addEventListener('abort', onAbort, {once: true});
  try {
    await Promise.race([aborted, failed]);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await bridge.close();
  }
  if (failure !== undefined) throw failure;
}

/** An abort signal raised by SIGINT or SIGTERM, for callers that give none. */
function processSignals(): {signal: AbortSignal; dispose: () => void} {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
