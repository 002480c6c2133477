import {createHash} from 'node:crypto';
import type {CardEndpoint} from '../../../source/apdu/transports/transport.js';

/** The test application's AID (a proprietary RID, ISO/IEC 7816-5 category F: unregistered). */
export const ECHO_AID = Uint8Array.of(0xf0, 0x53, 0x49, 0x54, 0x48, 0x53);
/** An ATR offering T=1 only (ISO/IEC 7816-3 clause 8.2): T0 = 80 (TD1 follows), TD1 = 01 (T=1), TCK = 81. */
export const ATR_T1 = Uint8Array.of(0x3b, 0x80, 0x01, 0x81);
/** An ATR without interface bytes, so T=0, and two historical bytes (ISO/IEC 7816-3 clause 8.2). */
export const ATR_T0 = Uint8Array.of(0x3b, 0x02, 0x14, 0x50);

/** SELECT (ISO/IEC 7816-4:2005 clause 7.1.1), by DF name with P1 = 04. */
export const INS_SELECT = 0xa4;
/** READ BINARY (ISO/IEC 7816-4:2005 clause 7.2.3): here, the long test response, {@link LONG_RESPONSE_LENGTH} bytes. */
export const INS_READ_BINARY = 0xb0;
/** PUT DATA (ISO/IEC 7816-4:2005 clause 7.4.3): here, takes any data (chained with CLA 0x10) and answers its SHA-256. */
export const INS_PUT_DATA = 0xda;
/** GET RESPONSE (ISO/IEC 7816-4:2005 clause 7.6.1): the next chunk of a long response. */
export const INS_GET_RESPONSE = 0xc0;
/** A proprietary instruction (CLA 0x80) that answers only when the test lets it: a card busy mid-command. */
export const INS_HOLD = 0x01;

/** The long response's length: more than two short responses, so it takes two GET RESPONSEs. */
export const LONG_RESPONSE_LENGTH = 600;

const CLA_CHAINING = 0x10;
const SW_SUCCESS = 0x9000;
const SW_WRONG_LENGTH = 0x6700;
const SW_SECURITY_STATUS = 0x6982;
const SW_CONDITIONS = 0x6985;
const SW_FILE_NOT_FOUND = 0x6a82;
const SW_INS_NOT_SUPPORTED = 0x6d00;
const SW_CLA_NOT_SUPPORTED = 0x6e00;

/** Byte i of the long response: a pattern the test recomputes. */
export function longResponseByte(index: number): number {
  return (index * 7 + 3) & 0xff;
}

export interface EchoCardOptions {
  readonly atr?: Uint8Array;
}

/**
 * A minimal card for the transport tests. After SELECT of {@link ECHO_AID}: READ BINARY returns
 * {@link LONG_RESPONSE_LENGTH} bytes in pieces of at most Ne, the rest announced by 61xx for GET RESPONSE; PUT
 * DATA accepts command chaining (CLA 0x10) and answers the SHA-256 of all the data received. Before SELECT (after
 * every reset or power off) those answer 6982. `resets` counts power-ups; `commands` records every APDU.
 */
export class EchoCard implements CardEndpoint {
  readonly commands: Uint8Array[] = [];
  resets = 0;
  #isSelected = false;
  #chain: Uint8Array[] = [];
  #pending: Uint8Array = new Uint8Array();
  #release: (() => void) | undefined;
  readonly #atr: Uint8Array;

  constructor(options: EchoCardOptions = {}) {
    this.#atr = options.atr ?? ATR_T1;
  }

  reset(): Uint8Array {
    this.resets++;
    this.#clear();
    return this.#atr;
  }

  powerOff(): void {
    this.#clear();
  }

  /** Whether a {@link INS_HOLD} command is waiting; {@link releaseHold} answers it. */
  get isHolding(): boolean {
    return this.#release !== undefined;
  }

  releaseHold(): void {
    this.#release?.();
  }

  async process(apdu: Uint8Array): Promise<Uint8Array> {
    this.commands.push(apdu);
    const [cla = 0, ins = 0, p1 = 0] = apdu;
    const body = apdu.subarray(5);
    const lc = apdu.length > 5 ? apdu[4]! : 0;
    const data = body.subarray(0, lc);
    const le = apdu.length === 5 ? apdu[4] || 256 : apdu.length > 5 + lc ? apdu[5 + lc] || 256 : undefined;

    if (ins === INS_GET_RESPONSE) return this.#answerPart(le ?? 256);
    this.#pending = new Uint8Array();
    if ((cla & ~CLA_CHAINING) === 0x80 && ins === INS_HOLD) {
      await new Promise<void>((resolve) => (this.#release = resolve));
      this.#release = undefined;
      return status(SW_SUCCESS);
    }
    if ((cla & ~CLA_CHAINING) !== 0x00) return status(SW_CLA_NOT_SUPPORTED);
    if (ins !== INS_PUT_DATA) this.#chain = [];
    switch (ins) {
      case INS_SELECT: {
        const isEcho =
          p1 === 0x04 && data.length === ECHO_AID.length && data.every((b, i) => b === ECHO_AID[i]);
        if (!isEcho) return status(SW_FILE_NOT_FOUND);
        this.#isSelected = true;
        return status(SW_SUCCESS);
      }
      case INS_READ_BINARY: {
        if (!this.#isSelected) return status(SW_SECURITY_STATUS);
        this.#pending = Uint8Array.from({length: LONG_RESPONSE_LENGTH}, (_, i) => longResponseByte(i));
        return this.#answerPart(le ?? 256);
      }
      case INS_PUT_DATA: {
        if (!this.#isSelected) return status(SW_SECURITY_STATUS);
        this.#chain.push(data);
        if (cla & CLA_CHAINING) return status(SW_SUCCESS);
        const received = Buffer.concat(this.#chain);
        this.#chain = [];
        return Uint8Array.from([...createHash('sha256').update(received).digest(), 0x90, 0x00]);
      }
      default:
        return status(SW_INS_NOT_SUPPORTED);
    }
  }

  /** At most `le` bytes of the pending response, and 61xx (xx = 00 for 256 or more) while some remain. */
  #answerPart(le: number): Uint8Array {
    if (this.#pending.length === 0) return status(SW_CONDITIONS);
    if (le <= 0) return status(SW_WRONG_LENGTH);
    const part = this.#pending.subarray(0, le);
    this.#pending = this.#pending.subarray(part.length);
    const remaining = this.#pending.length;
    const sw = remaining === 0 ? SW_SUCCESS : 0x6100 | (Math.min(remaining, 256) % 256);
    return Uint8Array.from([...part, sw >> 8, sw & 0xff]);
  }

  #clear(): void {
    this.#isSelected = false;
    this.#chain = [];
    this.#pending = new Uint8Array();
    this.#release?.();
  }
}

function status(sw: number): Uint8Array {
  return Uint8Array.of(sw >> 8, sw & 0xff);
}
