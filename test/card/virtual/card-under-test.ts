import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto';
import type {CommandApdu, ResponseApdu} from '../../../source/apdu/command.js';
import {decodeResponseApdu} from '../../../source/apdu/command.js';
import {ApduProtocol} from '../../../source/apdu/protocol.js';
import {decodeSingleTlv, decodeTlvs, encodeTlv, encodeTlvs, findTlv} from '../../../source/apdu/tlv.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {Algorithm, PIV_AID, Slot} from '../../../source/card/piv/constants.js';
import {FaultInjector} from '../../../source/card/virtual/faults.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {
  DEFAULT_MANAGEMENT_KEY,
  padReferenceData,
  type CardState,
} from '../../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard, type VirtualPivCardOptions} from '../../../source/card/virtual/virtual-card.js';
import {hex} from '../../apdu/transcript-transport.js';

/**
 * A virtual card on the test bench: raw APDUs straight into `card.process`, or commands through the real APDU
 * stack (InProcessTransport + ApduProtocol, which chains commands and fetches 61xx responses), and the host side of
 * the usual steps (select, PIN, management key) done with node:crypto independently of the card's code.
 */
export interface CardUnderTest {
  readonly card: VirtualPivCard;
  readonly faults: FaultInjector;
  /** One raw APDU (hex text or bytes) into the card; its answer split into data and status word. */
  raw(apdu: string | Uint8Array): Promise<ResponseApdu>;
  /** A command through ApduProtocol: chained when over 255 bytes, 61xx fetched, whatever the status word. */
  send(command: CommandApdu): Promise<ResponseApdu>;
  /** SELECT with the 5-byte RID; expects 9000. */
  select(): Promise<void>;
  /** VERIFY the PIN; resolves to the status word. */
  verifyPin(pin?: string): Promise<number>;
  /** Mutual management-key authentication as yubico-piv-tool does it; resolves to the final status word. */
  authenticate(key?: Uint8Array, algorithm?: Algorithm): Promise<number>;
}

const MANAGEMENT_CIPHERS: Readonly<Record<number, string>> = {
  [Algorithm.TripleDes]: 'des-ede3',
  [Algorithm.Aes128]: 'aes-128-ecb',
  [Algorithm.Aes192]: 'aes-192-ecb',
  [Algorithm.Aes256]: 'aes-256-ecb',
};

/** E(K, block) or D(K, block), one ECB block, as the host computes it. */
export function hostCipher(
  algorithm: Algorithm,
  key: Uint8Array,
  block: Uint8Array,
  isEncrypt: boolean,
): Uint8Array {
  const name = MANAGEMENT_CIPHERS[algorithm]!;
  const cipher = isEncrypt ? createCipheriv(name, key, null) : createDecipheriv(name, key, null);
  cipher.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}

/** A fresh, powered-on virtual card from `state` (default: blank, serial 12345678) with instant timing. */
export async function cardUnderTest(
  options: Partial<VirtualPivCardOptions> & {readonly state?: CardState} = {},
): Promise<CardUnderTest> {
  const state = options.state ?? (await blankCard({serial: 12_345_678}));
  const faults = options.faults ?? new FaultInjector();
  const card = new VirtualPivCard({timing: INSTANT_TIMING, ...options, state, faults});
  const protocol = new ApduProtocol(new InProcessTransport(card));
  const raw = async (apdu: string | Uint8Array) =>
    decodeResponseApdu(await card.process(typeof apdu === 'string' ? hex(apdu) : apdu));
  const send = (command: CommandApdu) => protocol.transmit(command);
  return {
    card,
    faults,
    raw,
    send,
    async select() {
      const {sw} = await raw(encodeApdu(0xa4, 0x04, 0x00, PIV_AID.subarray(0, 5)));
      if (sw !== 0x9000) throw new Error(`SELECT answered ${sw.toString(16)}`);
    },
    async verifyPin(pin = '123456') {
      return (await send({cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: padReferenceData(pin)})).sw;
    },
    async authenticate(key = DEFAULT_MANAGEMENT_KEY, algorithm = Algorithm.Aes192) {
      const witness = await send({
        cla: 0,
        ins: 0x87,
        p1: algorithm,
        p2: Slot.CardManagement,
        data: hex('7C 02 80 00'),
        le: 256,
      });
      if (witness.sw !== 0x9000) return witness.sw;
      const encrypted = findTlv(decodeTlvs(decodeSingleTlv(witness.data, 0x7c)), 0x80)!;
      const challenge = new Uint8Array(randomBytes(encrypted.length));
      const answer = await send({
        cla: 0,
        ins: 0x87,
        p1: algorithm,
        p2: Slot.CardManagement,
        data: encodeTlv(
          0x7c,
          encodeTlvs([
            {tag: 0x80, value: hostCipher(algorithm, key, encrypted, false)},
            {tag: 0x81, value: challenge},
          ]),
        ),
        le: 256,
      });
      if (answer.sw !== 0x9000) return answer.sw;
      const response = findTlv(decodeTlvs(decodeSingleTlv(answer.data, 0x7c)), 0x82)!;
      const expected = hostCipher(algorithm, key, challenge, true);
      if (Buffer.compare(response, expected) !== 0)
        throw new Error('the card answered the challenge wrongly');
      return answer.sw;
    },
  };
}

/** A short case 3 APDU (or case 1 without data): CLA 00. */
export function encodeApdu(ins: number, p1: number, p2: number, data?: Uint8Array, le?: number): Uint8Array {
  const body = data && data.length > 0 ? [data.length, ...data] : [];
  return Uint8Array.of(0x00, ins, p1, p2, ...body, ...(le === undefined ? [] : [le & 0xff]));
}

/** Status word as four upper-case hex digits, for readable expectations. */
export function swHex(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}
