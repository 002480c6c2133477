import {TransportError, type TransportErrorCode} from '../../source/apdu/transports/errors.js';
import type {Transport} from '../../source/apdu/transports/transport.js';

/** Hex text to bytes; spaces, newlines and colons are ignored: hex('90 00'). Throws on odd or non-hex text. */
export function hex(text: string): Uint8Array {
  const digits = text.replace(/[\s:]/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not hex: ${JSON.stringify(text)}`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => parseInt(pair, 16));
}

/** Bytes to spaced upper-case hex: '90 00'. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}

type Step =
  | {type: 'exchange'; command: Uint8Array; response: Uint8Array; line: number}
  | {type: 'fail'; command: Uint8Array; code: TransportErrorCode; line: number}
  | {type: 'reconnect'; line: number};

/**
 * A Transport that replays an exact transcript and fails on anything else. The transcript is text, one item
 * a line:
 *
 * ```
 * # a comment; blank lines are ignored
 * > 00 A4 04 00 05 A0 00 00 03 08      the next command expected, exactly
 * < 61 11 4F 06 ... 90 00              the card's answer to it
 * ! card-removed                       instead of an answer: transmit rejects with TransportError(code)
 * reconnect                            the next call expected is reconnect()
 * ```
 *
 * An unexpected APDU (or a call when the transcript is used up) rejects with an Error naming the step and
 * both APDUs in hex; the first failure is kept, and `assertDone()` throws it again (so code that swallows
 * errors cannot hide it), or throws when steps remain unplayed.
 */
export class TranscriptTransport implements Transport {
  readonly readerName: string;
  readonly atr: Uint8Array;
  /** Every command received, in order. */
  readonly received: Uint8Array[] = [];
  readonly #steps: Step[];
  #next = 0;
  #failure: Error | undefined;
  #isClosed = false;

  constructor(transcript: string, options: {atr?: string; readerName?: string} = {}) {
    this.#steps = parseTranscript(transcript);
    this.atr = hex(options.atr ?? '3B 80 80 01 01');
    this.readerName = options.readerName ?? 'Transcript';
  }

  /** How many steps have not been played yet. */
  get remaining(): number {
    return this.#steps.length - this.#next;
  }

  async transmit(apdu: Uint8Array): Promise<Uint8Array> {
    this.received.push(Uint8Array.from(apdu));
    const step = this.#steps[this.#next];
    if (this.#isClosed) throw this.#fail(`APDU ${toHex(apdu)} sent after close()`);
    if (step === undefined)
      throw this.#fail(`unexpected APDU after the end of the transcript: > ${toHex(apdu)}`);
    if (step.type === 'reconnect')
      throw this.#fail(`line ${step.line}: expected reconnect(), got > ${toHex(apdu)}`);
    if (toHex(step.command) !== toHex(apdu))
      throw this.#fail(
        `line ${step.line}: expected > ${toHex(step.command)}\n           got > ${toHex(apdu)}`,
      );
    this.#next++;
    if (step.type === 'fail')
      throw new TransportError(step.code, `transcript line ${step.line}: ${step.code}`);
    return Uint8Array.from(step.response);
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return work();
  }

  async reconnect(): Promise<void> {
    const step = this.#steps[this.#next];
    if (step?.type !== 'reconnect')
      throw this.#fail(
        `unexpected reconnect() at ${step ? `line ${step.line}` : 'the end of the transcript'}`,
      );
    this.#next++;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
  }

  /** Throws the first mismatch, or an Error listing the steps not played. */
  assertDone(): void {
    if (this.#failure) throw this.#failure;
    const rest = this.#steps.slice(this.#next);
    if (rest.length > 0)
      throw new Error(`${rest.length} transcript steps not played, the first at line ${rest[0]!.line}`);
  }

  #fail(message: string): Error {
    const error = new Error(`transcript mismatch: ${message}`);
    this.#failure ??= error;
    return error;
  }
}

function parseTranscript(transcript: string): Step[] {
  const steps: Step[] = [];
  let pending: {command: Uint8Array; line: number} | undefined;
  transcript.split('\n').forEach((raw, index) => {
    const line = index + 1;
    const text = raw.replace(/#.*/, '').trim();
    if (text === '') return;
    const fault = (message: string) => new Error(`transcript line ${line}: ${message}`);
    if (text === 'reconnect') {
      if (pending) throw fault('reconnect before the answer to the previous command');
      steps.push({type: 'reconnect', line});
    } else if (text.startsWith('>')) {
      if (pending) throw fault('a command before the answer to the previous command');
      pending = {command: hex(text.slice(1)), line};
    } else if (text.startsWith('<')) {
      if (!pending) throw fault('an answer without a command');
      steps.push({type: 'exchange', ...pending, response: hex(text.slice(1))});
      pending = undefined;
    } else if (text.startsWith('!')) {
      if (!pending) throw fault('a failure without a command');
      steps.push({type: 'fail', ...pending, code: text.slice(1).trim() as TransportErrorCode});
      pending = undefined;
    } else {
      throw fault(`cannot read ${JSON.stringify(text)}`);
    }
  });
  if (pending) throw new Error(`transcript line ${pending.line}: a command without an answer`);
  return steps;
}
