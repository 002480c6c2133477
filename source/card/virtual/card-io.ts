import {decodeCommandApdu, encodeResponseApdu, EXTENDED_MAX_LE, SHORT_MAX_LE} from '../../apdu/command.js';
import {exactLengthStatusWord, moreDataStatusWord, StatusWord} from '../../apdu/status-word.js';
import {concatBytes} from '../../apdu/tlv.js';
import type {CardEndpoint} from '../../apdu/transports/transport.js';
import type {AppletCommand, AppletReply} from './command-context.js';
import {CardStatusError, CardTornError, VirtualCardError} from './errors.js';
import {FaultInjector} from './faults.js';
import {commandDurationMs, DEFAULT_TIMING, type TimingModel} from './timing.js';

/**
 * The I/O side of a virtual card, whatever its applications: power, APDU framing (ISO/IEC 7816-4 clause 5.1, short
 * and, on a T=1 card, extended), class byte, command chaining (CLA 10), response chaining (61xx / GET RESPONSE,
 * 6Cxx), timing and fault injection. The card's applications (the PIV applet, the Setec EID applet) sit behind
 * {@link CardApplication} and see only whole commands.
 */

/** The applications of a card, as its I/O side drives them. */
export interface CardApplication {
  /**
   * Runs one whole command (chained pieces joined). Resolves to the reply on success; rejects with CardStatusError
   * for every other status word.
   */
  process(command: AppletCommand): Promise<AppletReply> | AppletReply;
  /** Power-on, reset, power-off or tear: nothing selected, nothing verified. */
  clearVolatileState(): void;
}

/**
 * How the card talks to the reader. `T=1`: short and extended APDUs, the answer's data comes back with the command
 * when the host gave Le. `T=0`: short APDUs only; a command with data arrives without Le (ISO/IEC 7816-3 clause
 * 12.2: case 4 is sent as case 3), so the card answers 61xx and the host fetches the data with GET RESPONSE.
 */
export type TransmissionProtocol = 'T=0' | 'T=1';

/** Time as the card sees it: `now` in ms for its own processing time, `sleep` to wait out the timing model. */
export interface CardClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export interface CardIoOptions {
  readonly application: CardApplication;
  readonly atr: Uint8Array;
  readonly protocol: TransmissionProtocol;
  /**
   * Commands without side effects that may answer 6Cxx to a short Le smaller than the answer, so that the host
   * sends them again; everything else answers 61xx, as sending it again would repeat its effect.
   */
  readonly repeatableInstructions: ReadonlySet<number>;
  readonly faults: FaultInjector;
  /** Default DEFAULT_TIMING (a JCOP4 card); INSTANT_TIMING for unit tests. */
  readonly timing?: TimingModel;
  /** Default: performance.now and setTimeout. */
  readonly clock?: CardClock;
  /** Uniform in [0, 1), for timing draws (not cryptography); default Math.random. */
  readonly random?: () => number;
}

/** CLA bits (ISO/IEC 7816-4 clause 5.1.1): b5 command chaining; b3-b4 secure messaging; b1-b2 logical channel. */
const CLA_CHAINING = 0x10;
const CLA_SECURE_MESSAGING = 0x0c;
const CLA_LOGICAL_CHANNEL = 0x03;
/** GET RESPONSE (ISO/IEC 7816-4 clause 7.6.1) and its P1 P2. */
const INS_GET_RESPONSE = 0xc0;
const P1P2_GET_RESPONSE = 0x00;
/** Most command data the card accepts in one APDU or one chain (the extended Lc limit). */
const MAX_COMMAND_DATA = 0xffff;

const realClock: CardClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A virtual card's I/O side. Starts powered off: `reset()` powers it on (as a reader does on insertion). Commands
 * run one at a time, in order. Rejections of `process`: CardTornError after an injected tear (until `reset()`),
 * VirtualCardError 'card-powered-off' before the first or after `powerOff()`, and whatever the application's
 * commit throws (VirtualCardError 'state-file-failed'). Every other outcome is a status word.
 */
export class CardIo implements CardEndpoint {
  readonly #application: CardApplication;
  readonly #atr: Uint8Array;
  readonly #protocol: TransmissionProtocol;
  readonly #repeatable: ReadonlySet<number>;
  readonly #faults: FaultInjector;
  readonly #timing: TimingModel;
  readonly #clock: CardClock;
  readonly #random: () => number;
  #power: 'off' | 'on' | 'torn' = 'off';
  #queue: Promise<unknown> = Promise.resolve();
  #chain:
    | {readonly ins: number; readonly p1: number; readonly p2: number; readonly parts: Uint8Array[]}
    | undefined;
  #pendingResponse: Uint8Array | undefined;

  constructor(options: CardIoOptions) {
    this.#application = options.application;
    this.#atr = Uint8Array.from(options.atr);
    this.#protocol = options.protocol;
    this.#repeatable = options.repeatableInstructions;
    this.#faults = options.faults;
    this.#timing = options.timing ?? DEFAULT_TIMING;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
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

  async #process(apdu: Uint8Array): Promise<Uint8Array> {
    if (this.#power === 'torn') throw new CardTornError();
    if (this.#power === 'off')
      throw new VirtualCardError('card-powered-off', 'the card is not powered: reset it first');
    const started = this.#clock.now();
    const tear = this.#faults.onCommand();
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
    this.#application.clearVolatileState();
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
    if (isExtended && this.#protocol === 'T=0') return {response: status(StatusWord.WrongLength)};
    if (cla & CLA_SECURE_MESSAGING) return {response: status(StatusWord.SecureMessagingNotSupported)};
    if (cla & CLA_LOGICAL_CHANNEL) return {response: status(StatusWord.LogicalChannelNotSupported)};
    if ((cla & ~CLA_CHAINING) !== 0) return {response: status(StatusWord.ClaNotSupported)};
    const ne = command.le ?? (this.#protocol === 'T=0' ? 0 : isExtended ? EXTENDED_MAX_LE : SHORT_MAX_LE);

    if (ins === INS_GET_RESPONSE) {
      this.#chain = undefined;
      return {response: this.#getResponse(p1, p2, command.le ?? SHORT_MAX_LE)};
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
      reply = await this.#application.process({ins, p1, p2, data, ne: command.le});
    } catch (error) {
      if (error instanceof CardStatusError) return {response: status(error.sw)};
      throw error;
    }
    const answer = reply.data ?? new Uint8Array();
    const operation = reply.operation;
    if (answer.length <= ne)
      return {response: encodeResponseApdu({data: answer, sw: StatusWord.Success}), operation};
    if (command.le !== undefined && !isExtended && this.#repeatable.has(ins) && answer.length <= SHORT_MAX_LE)
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
  return encodeResponseApdu({data: chunk, sw: moreDataStatusWord(remaining)});
}
