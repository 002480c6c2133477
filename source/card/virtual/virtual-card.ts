import {createPublicKey} from 'node:crypto';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import {
  type Algorithm,
  INS_GET_METADATA,
  INS_GET_SERIAL,
  INS_GET_VERSION,
  type KeyOrigin,
  type PinPolicy,
  type Slot,
  type TouchPolicy,
} from '../piv/constants.js';
import type {FirmwareVersion} from '../piv/session.js';
import {Applet} from './applet.js';
import {CardIo, type CardClock} from './card-io.js';
import {FaultInjector} from './faults.js';
import {loadCardState, loadOrCreateState, saveCardState} from './state-file.js';
import type {CardState} from './state.js';
import type {TimingModel} from './timing.js';

/**
 * A virtual PIV card (a YubiKey 5 as OpenSC, yubico-piv-tool and ykman see it) behind the {@link CardEndpoint}
 * seam: the in-process transport and the vpcd bridge drive it with raw APDUs. A T=1 card: its I/O side (framing,
 * chaining, timing, faults) is card-io.ts, its applications are in applet.ts; this file holds its state and saves it.
 */

/** A YubiKey 5's ATR: T=1, historical bytes with card capabilities (extended Lc/Le) and "YubiKey". */
export const YUBIKEY_5_ATR = Uint8Array.of(
  ...[0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15],
  ...[0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79],
  0x40,
);

/**
 * Instructions that may answer 6Cxx (see CardIoOptions.repeatableInstructions). Not GET DATA: OpenSC reads the first
 * 8 bytes of an object (Le 08) to learn its length and fails on 6Cxx, so GET DATA answers those bytes and 61xx, as a
 * YubiKey does.
 */
const REPEATABLE_INSTRUCTIONS: ReadonlySet<number> = new Set([
  INS_GET_VERSION,
  INS_GET_SERIAL,
  INS_GET_METADATA,
]);

export type {CardClock} from './card-io.js';

export interface VirtualPivCardOptions {
  /** The card's persistent state (from a profile or loadCardState); the card owns it from now on. */
  readonly state: CardState;
  /**
   * Where to save the state; none keeps it in memory only. The card saves after every change of persistent state,
   * before it answers (as a card writes its EEPROM before the status word): a tear or a killed process then leaves
   * exactly the state of the last command that took effect, which the tearing tests rely on. A save is a few KB and
   * an fsync, small against a real card's 40 ms per command.
   */
  readonly stateFile?: string;
  /** Default DEFAULT_TIMING (a JCOP4 card); INSTANT_TIMING for unit tests. */
  readonly timing?: TimingModel;
  /** Default: performance.now and setTimeout. */
  readonly clock?: CardClock;
  /** Uniform in [0, 1), for timing draws (not cryptography); default Math.random. Use seededRandom to repeat runs. */
  readonly random?: () => number;
  /** Faults to inject; default a FaultInjector with nothing armed (reachable as `card.faults`). */
  readonly faults?: FaultInjector;
  /** Default {@link YUBIKEY_5_ATR}. */
  readonly atr?: Uint8Array;
}

/** What the card holds, without any secret: for tests and the demo's status output. */
export interface VirtualCardView {
  readonly firmware: FirmwareVersion;
  readonly serial: number;
  readonly pin: {readonly totalRetries: number; readonly remainingRetries: number};
  readonly puk: {readonly totalRetries: number; readonly remainingRetries: number};
  readonly managementKeyAlgorithm: Algorithm;
  readonly keys: ReadonlyMap<
    Slot,
    {
      readonly algorithm: Algorithm;
      readonly pinPolicy: PinPolicy;
      readonly touchPolicy: TouchPolicy;
      readonly origin: KeyOrigin;
      /** SubjectPublicKeyInfo DER. */
      readonly publicKey: Uint8Array;
    }
  >;
  /** Data objects by id (copies), including PIN-protected ones. */
  readonly objects: ReadonlyMap<number, Uint8Array>;
}

/**
 * The virtual card. Starts powered off: `reset()` powers it on (as a reader does on insertion). Commands run one
 * at a time, in order. Rejections of `process`: CardTornError after an injected tear (until `reset()`),
 * VirtualCardError 'card-powered-off' before the first or after `powerOff()`, 'state-file-failed' when the state
 * cannot be saved. Every other outcome is a status word.
 */
export class VirtualPivCard implements CardEndpoint {
  readonly faults: FaultInjector;
  readonly #state: CardState;
  readonly #stateFile: string | undefined;
  readonly #io: CardIo;

  constructor(options: VirtualPivCardOptions) {
    this.#state = options.state;
    this.#stateFile = options.stateFile;
    this.faults = options.faults ?? new FaultInjector();
    this.#io = new CardIo({
      application: new Applet(this.#state, () => this.save(), this.faults),
      atr: options.atr ?? YUBIKEY_5_ATR,
      protocol: 'T=1',
      repeatableInstructions: REPEATABLE_INSTRUCTIONS,
      faults: this.faults,
      timing: options.timing,
      clock: options.clock,
      random: options.random,
    });
  }

  /** A card from its state file. Throws VirtualCardError 'state-file-invalid'. */
  static load(
    stateFile: string,
    options: Omit<VirtualPivCardOptions, 'state' | 'stateFile'> = {},
  ): VirtualPivCard {
    return new VirtualPivCard({...options, state: loadCardState(stateFile), stateFile});
  }

  /**
   * The card in `stateFile` when the file exists, else a new card from `create` (a profile), saved there at once.
   * Throws VirtualCardError 'state-file-invalid' or 'state-file-failed'.
   */
  static async loadOrCreate(
    stateFile: string,
    create: () => Promise<CardState>,
    options: Omit<VirtualPivCardOptions, 'state' | 'stateFile'> = {},
  ): Promise<VirtualPivCard> {
    const state = await loadOrCreateState(stateFile, loadCardState, saveCardState, create);
    return new VirtualPivCard({...options, state, stateFile});
  }

  /** Powers the card on (or puts a torn card back in the reader): nothing selected, nothing verified. */
  reset(): Uint8Array {
    return this.#io.reset();
  }

  /** Powers the card off: the volatile state is lost. */
  powerOff(): void {
    this.#io.powerOff();
  }

  /** Processes one command APDU; resolves to response data + SW1 SW2 (see CardIo for rejections). */
  process(apdu: Uint8Array): Promise<Uint8Array> {
    return this.#io.process(apdu);
  }

  /** Saves the state to the state file now (the card also does after every change). No-op without a file. */
  save(): void {
    if (this.#stateFile !== undefined) saveCardState(this.#stateFile, this.#state);
  }

  /** What the card holds, without secrets. */
  inspect(): VirtualCardView {
    const {firmware, serial, pin, puk, managementKey, keys, objects} = this.#state;
    return {
      firmware,
      serial,
      pin: {totalRetries: pin.totalRetries, remainingRetries: pin.remainingRetries},
      puk: {totalRetries: puk.totalRetries, remainingRetries: puk.remainingRetries},
      managementKeyAlgorithm: managementKey.algorithm,
      keys: new Map(
        [...keys].map(([slot, {algorithm, pinPolicy, touchPolicy, origin, privateKey}]) => [
          slot,
          {
            algorithm,
            pinPolicy,
            touchPolicy,
            origin,
            publicKey: new Uint8Array(createPublicKey(privateKey).export({type: 'spki', format: 'der'})),
          },
        ]),
      ),
      objects: new Map([...objects].map(([id, value]) => [id, Uint8Array.from(value)])),
    };
  }
}
