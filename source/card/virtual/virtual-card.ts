import {createPublicKey} from 'node:crypto';
import {decodeCommandApdu, encodeResponseApdu, EXTENDED_MAX_LE, SHORT_MAX_LE} from '../../apdu/command.js';
import {exactLengthStatusWord, moreDataStatusWord, StatusWord} from '../../apdu/status-word.js';
import {concatBytes} from '../../apdu/tlv.js';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import {
  type Algorithm,
  INS_GET_METADATA,
  INS_GET_RESPONSE,
  INS_GET_SERIAL,
  INS_GET_VERSION,
  type KeyOrigin,
  type PinPolicy,
  type Slot,
  type TouchPolicy,
} from '../piv/constants.js';
import type {FirmwareVersion} from '../piv/session.js';
import {Applet} from './applet.js';
import type {AppletReply} from './command-context.js';
import {CardStatusError, CardTornError, VirtualCardError} from './errors.js';
import {FaultInjector} from './faults.js';
import {loadCardState, saveCardState} from './state-file.js';
import type {CardState} from './state.js';
import {commandDurationMs, DEFAULT_TIMING, type TimingModel} from './timing.js';

/**
 * A virtual PIV card (a YubiKey 5 as OpenSC, yubico-piv-tool and ykman see it) behind the {@link CardEndpoint}
 * seam: the in-process transport and the vpcd bridge drive it with raw APDUs. This file is the card's I/O side:
 * power, APDU framing (ISO/IEC 7816-4 clause 5.1, short and extended), class byte, command chaining (CLA 10) and
 * response chaining (61xx / GET RESPONSE, 6Cxx), timing, fault injection and saving the state; the applications
 * are in applet.ts.
 */

/** A YubiKey 5's ATR: T=1, historical bytes with card capabilities (extended Lc/Le) and "YubiKey". */
export const YUBIKEY_5_ATR = Uint8Array.of(
  ...[0x3b, 0xfd, 0x13, 0x00, 0x00, 0x81, 0x31, 0xfe, 0x15],
  ...[0x80, 0x73, 0xc0, 0x21, 0xc0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4b, 0x65, 0x79],
  0x40,
);

/** CLA bits (ISO/IEC 7816-4 clause 5.1.1): b5 command chaining; b3-b4 secure messaging; b1-b2 logical channel. */
const CLA_CHAINING = 0x10;
const CLA_SECURE_MESSAGING = 0x0c;
const CLA_LOGICAL_CHANNEL = 0x03;
/** P1 P2 of GET RESPONSE (ISO/IEC 7816-4 clause 7.6.1). */
const P1P2_GET_RESPONSE = 0x00;
/** Most command data the card accepts in one APDU or one chain (the extended Lc limit). */
const MAX_COMMAND_DATA = 0xffff;
/**
 * Commands without side effects that may answer 6Cxx to a short Le smaller than the answer, so that the host
 * sends them again; everything else answers 61xx, as sending it again would repeat its effect. Not GET DATA:
 * OpenSC reads the first 8 bytes of an object (Le 08) to learn its length and fails on 6Cxx, so GET DATA answers
 * those bytes and 61xx, as a YubiKey does.
 */
const REPEATABLE_INSTRUCTIONS: ReadonlySet<number> = new Set([
  INS_GET_VERSION,
  INS_GET_SERIAL,
  INS_GET_METADATA,
]);

/** Time as the card sees it: `now` in ms for its own processing time, `sleep` to wait out the timing model. */
export interface CardClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

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

const realClock: CardClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

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
  readonly #timing: TimingModel;
  readonly #clock: CardClock;
  readonly #random: () => number;
  readonly #atr: Uint8Array;
  readonly #applet: Applet;
  #power: 'off' | 'on' | 'torn' = 'off';
  #queue: Promise<unknown> = Promise.resolve();
  #chain:
    | {readonly ins: number; readonly p1: number; readonly p2: number; readonly parts: Uint8Array[]}
    | undefined;
  #pendingResponse: Uint8Array | undefined;

  constructor(options: VirtualPivCardOptions) {
    this.#state = options.state;
    this.#stateFile = options.stateFile;
    this.#timing = options.timing ?? DEFAULT_TIMING;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#atr = Uint8Array.from(options.atr ?? YUBIKEY_5_ATR);
    this.faults = options.faults ?? new FaultInjector();
    this.#applet = new Applet(this.#state, () => this.save(), this.faults);
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
    let state: CardState;
    try {
      state = loadCardState(stateFile);
    } catch (error) {
      const cause = error instanceof VirtualCardError ? error.cause : undefined;
      if ((cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
      state = await create();
      saveCardState(stateFile, state);
    }
    return new VirtualPivCard({...options, state, stateFile});
  }

  /** Powers the card on (or puts a torn card back in the reader): nothing selected, nothing verified. */
  reset(): Uint8Array {
    this.#power = 'on';
    this.#clearVolatileState();
    return Uint8Array.from(this.#atr);
  }

  /** Powers the card off: the volatile state is lost. */
  powerOff(): void {
    if (this.#power === 'on') this.#power = 'off';
    this.#clearVolatileState();
  }

  /** Processes one command APDU; resolves to response data + SW1 SW2 (see the class for rejections). */
  process(apdu: Uint8Array): Promise<Uint8Array> {
    const result = this.#queue.then(() => this.#process(Uint8Array.from(apdu)));
    this.#queue = result.catch(() => undefined);
    return result;
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

  async #process(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#power === 'torn') throw new CardTornError();
    if (this.#power === 'off')
      throw new VirtualCardError('card-powered-off', 'the card is not powered: reset it first');
    const started = this.#clock.now();
    const tear = this.faults.onCommand();
    if (tear === 'before-effect') this.#tear();
    const {response, operation} = await this.#respond(apdu);
    if (tear === 'after-effect') this.#tear();
    const duration =
      commandDurationMs(
        this.#timing,
        {commandBytes: apdu.length, responseBytes: response.length, operation},
        this.#random,
      ) -
      (this.#clock.now() - started);
    if (duration > 0) await this.#clock.sleep(duration);
    return response;
  }

  /** The card is pulled out: power and volatile state are gone; the command's answer is lost. */
  #tear(): never {
    this.#power = 'torn';
    this.#clearVolatileState();
    throw new CardTornError();
  }

  #clearVolatileState(): void {
    this.#applet.clearVolatileState();
    this.#chain = undefined;
    this.#pendingResponse = undefined;
  }

  async #respond(apdu: Uint8Array): Promise<{response: Uint8Array; operation?: AppletReply['operation']}> {
    let command;
    try {
      command = decodeCommandApdu(apdu);
    } catch {
      return {response: status(StatusWord.WrongLength)};
    }
    const {cla, ins, p1, p2, isExtended} = command;
    const ne = command.le ?? (isExtended ? EXTENDED_MAX_LE : SHORT_MAX_LE);
    if (cla & CLA_SECURE_MESSAGING) return {response: status(StatusWord.SecureMessagingNotSupported)};
    if (cla & CLA_LOGICAL_CHANNEL) return {response: status(StatusWord.LogicalChannelNotSupported)};
    if ((cla & ~CLA_CHAINING) !== 0) return {response: status(StatusWord.ClaNotSupported)};

    if (ins === INS_GET_RESPONSE) {
      this.#chain = undefined;
      return {response: this.#getResponse(p1, p2, ne)};
    }
    this.#pendingResponse = undefined;

    let data = command.data;
    const chain = this.#chain;
    const isSameCommand = chain?.ins === ins && chain.p1 === p1 && chain.p2 === p2;
    // A command other than the chain's next piece rolls the chain back (SP 800-73-4 Part 2 clause 3.2.4 note).
    this.#chain = undefined;
    if (chain && isSameCommand) data = concatBytes([...chain.parts, data]);
    if (data.length > MAX_COMMAND_DATA) return {response: status(StatusWord.WrongLength)};
    if (cla & CLA_CHAINING) {
      this.#chain = {ins, p1, p2, parts: [data]};
      return {response: status(StatusWord.Success)};
    }

    let reply: AppletReply;
    try {
      reply = await this.#applet.process({ins, p1, p2, data});
    } catch (error) {
      if (error instanceof CardStatusError) return {response: status(error.sw)};
      throw error;
    }
    const answer = reply.data ?? new Uint8Array();
    const operation = reply.operation;
    if (answer.length <= ne)
      return {response: encodeResponseApdu({data: answer, sw: StatusWord.Success}), operation};
    if (
      command.le !== undefined &&
      !isExtended &&
      REPEATABLE_INSTRUCTIONS.has(ins) &&
      answer.length <= SHORT_MAX_LE
    )
      return {response: status(exactLengthStatusWord(answer.length)), operation};
    this.#pendingResponse = answer.subarray(ne);
    return {response: moreData(answer.subarray(0, ne), this.#pendingResponse.length), operation};
  }

  /** GET RESPONSE: the next at most Ne bytes of the pending answer, 61xx while more is left. */
  #getResponse(p1: number, p2: number, ne: number): Uint8Array {
    if (p1 !== P1P2_GET_RESPONSE || p2 !== P1P2_GET_RESPONSE) return status(StatusWord.IncorrectP1P2);
    const pending = this.#pendingResponse;
    if (pending === undefined) return status(StatusWord.ConditionsNotSatisfied);
    const chunk = pending.subarray(0, ne);
    const rest = pending.subarray(chunk.length);
    this.#pendingResponse = rest.length > 0 ? rest : undefined;
    return rest.length > 0
      ? moreData(chunk, rest.length)
      : encodeResponseApdu({data: chunk, sw: StatusWord.Success});
  }
}

function status(sw: number): Uint8Array {
  return encodeResponseApdu({data: new Uint8Array(), sw});
}

/** A chunk with 61xx: xx the bytes left, 00 for 256 or more (ISO/IEC 7816-4 clause 5.1.3). */
function moreData(chunk: Uint8Array, remaining: number): Uint8Array {
  return encodeResponseApdu({
    data: chunk,
    sw: moreDataStatusWord(remaining),
  });
}
