import {createPublicKey, X509Certificate, type KeyObject} from 'node:crypto';
import type {CommandApdu, ResponseApdu} from '../../../../source/apdu/command.js';
import {decodeResponseApdu} from '../../../../source/apdu/command.js';
import {ApduProtocol} from '../../../../source/apdu/protocol.js';
import {InProcessTransport} from '../../../../source/apdu/transports/in-process.js';
import {VirtualEidCard} from '../../../../source/card/virtual/eid/eid-card.js';
import {
  DEFAULT_EID_PINS,
  oldSithsEidCard,
  type OldSithsEidCardOptions,
} from '../../../../source/card/virtual/eid/profiles.js';
import type {EidCardState} from '../../../../source/card/virtual/eid/state.js';
import {SIMULATED_HOLDER} from '../../../../source/card/virtual/simulate.js';
import {INSTANT_TIMING} from '../../../../source/card/virtual/timing.js';
import {
  createCertificateAuthority,
  type CertificateAuthorityCredential,
} from '../../../../source/pki/issue.js';
import {hex} from '../../../apdu/transcript-transport.js';

/**
 * A virtual EID card on the test bench: raw APDUs into `card.process`, or commands through the real APDU stack
 * (InProcessTransport + ApduProtocol: command chaining and GET RESPONSE), and the host side of the usual steps as
 * OpenSC sends them (select by path, VERIFY with 00 padding, MSE + PSO).
 */
export interface EidCardUnderTest {
  readonly card: VirtualEidCard;
  readonly state: EidCardState;
  /** One raw APDU (hex text, spaces allowed); its answer split into data and status word. */
  raw(apdu: string): Promise<ResponseApdu>;
  /** A command through ApduProtocol, whatever the status word. */
  send(command: CommandApdu): Promise<ResponseApdu>;
  /** SELECT by path from the MF (P1 08, P2 0C); resolves to the status word. */
  selectPath(path: string): Promise<number>;
  /** VERIFY `pin` (ASCII digits, padded with 00 to 8) for `reference`; resolves to the status word. */
  verify(reference: number, pin: string): Promise<number>;
  /** MSE for key file `fid` in 5015 (algorithm 02), then PSO over `data`; resolves to the answer. */
  sign(fid: number, data: Uint8Array, algorithm?: number): Promise<ResponseApdu>;
}

let issuer: Promise<CertificateAuthorityCredential> | undefined;

/** The demo old CA, made once per test file. */
export function oldCa(): Promise<CertificateAuthorityCredential> {
  issuer ??= createCertificateAuthority({
    name: [{type: 'commonName', value: 'Old SITHS CA (test)'}],
    keyAlgorithm: 'rsa-2048',
    notBefore: new Date(Date.now() - 365 * 86_400_000),
    notAfter: new Date(Date.now() + 365 * 86_400_000),
  });
  return issuer;
}

/** An old-siths EID card (instant timing, powered on) for the simulated holder. */
export async function oldSithsCardUnderTest(
  options: Partial<OldSithsEidCardOptions> = {},
): Promise<EidCardUnderTest> {
  const state = await oldSithsEidCard({holder: SIMULATED_HOLDER, issuer: await oldCa(), ...options});
  return eidCardUnderTest(state);
}

/** A powered-on card over `state`. */
export function eidCardUnderTest(state: EidCardState, stateFile?: string): EidCardUnderTest {
  const card = new VirtualEidCard({state, stateFile, timing: INSTANT_TIMING});
  const protocol = new ApduProtocol(new InProcessTransport(card));
  const raw = async (apdu: string) => decodeResponseApdu(await card.process(hex(apdu)));
  const send = (command: CommandApdu) => protocol.transmit(command);
  const selectPath = async (path: string) => (await raw(`00 A4 08 0C ${lc(hex(path))} ${path}`)).sw;
  return {
    card,
    state,
    raw,
    send,
    selectPath,
    async verify(reference, pin) {
      return (await send({cla: 0, ins: 0x20, p1: 0, p2: reference, data: padded(pin)})).sw;
    },
    async sign(fid, data, algorithm = 0x02) {
      const file = fid.toString(16).padStart(4, '0');
      await selectPath('5015');
      const mse = await raw(
        `00 22 41 B6 0A 80 01 ${algorithm.toString(16).padStart(2, '0')} 81 02 ${file} 84 01 ${file.slice(2)}`,
      );
      if (mse.sw !== 0x9000) return mse;
      return send({cla: 0, ins: 0x2a, p1: 0x9e, p2: 0x9a, data, le: 256});
    },
  };
}

/** A PIN as OpenSC sends it for this card: ASCII digits, 00 up to 8 bytes. */
export function padded(pin: string): Uint8Array {
  const out = new Uint8Array(8);
  out.set(new TextEncoder().encode(pin));
  return out;
}

export {DEFAULT_EID_PINS};

/** The public key of a DER certificate read from the card. */
export function certificateKey(der: Uint8Array): KeyObject {
  return new X509Certificate(der).publicKey;
}

/** The public key of the card's key file at `path` (inspect). */
export function keyFileKey(card: VirtualEidCard, path: string): KeyObject {
  const key = card.inspect().keys.get(path);
  if (key === undefined) throw new Error(`no key at ${path}`);
  return createPublicKey({key: Buffer.from(key.publicKey), format: 'der', type: 'spki'});
}

function lc(data: Uint8Array): string {
  return data.length.toString(16).padStart(2, '0');
}
