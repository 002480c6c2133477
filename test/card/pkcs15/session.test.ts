import {createPublicKey, verify, X509Certificate} from 'node:crypto';
import {beforeAll, describe, expect, it} from 'vitest';
import {concatBytes, encodeTlv, encodeTlvs} from '../../../source/apdu/tlv.js';
import {InProcessTransport} from '../../../source/apdu/transports/in-process.js';
import {
  InvalidPinError,
  InvalidPukError,
  PinBlockedError,
  PinFormatError,
  PinRequiredError,
  SlotEmptyError,
} from '../../../source/card/errors.js';
import {sha256DigestInfo} from '../../../source/card/digest-info.js';
import {encodeSecret, Pkcs15Session, type PinEncoding} from '../../../source/card/pkcs15/session.js';
import {VirtualEidCard} from '../../../source/card/virtual/eid/eid-card.js';
import {DEFAULT_EID_PINS, oldSithsEidCard} from '../../../source/card/virtual/eid/profiles.js';
import {encodeSecurityAttributes} from '../../../source/card/virtual/eid/security-attributes.js';
import {blankCard} from '../../../source/card/virtual/profiles.js';
import {SIMULATED_HOLDER} from '../../../source/card/virtual/simulate.js';
import {INSTANT_TIMING} from '../../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../../source/card/virtual/virtual-card.js';
import {hex, toHex} from '../../apdu/transcript-transport.js';
import {oldCa} from '../virtual/eid/eid-card-under-test.js';

/** The AODF's encodings on the fixture card (docs/siths-eid-card.md, PINs). */
const encoding = (reference: number, kind: 'pin' | 'puk' = 'pin'): PinEncoding => ({
  kind,
  reference,
  minLength: kind === 'pin' ? 6 : 8,
  maxLength: 8,
  storedLength: 8,
  needsPadding: true,
  padChar: 0,
});
const LEGITIMERING = encoding(0x81);
const UNDERSKRIFT = encoding(0x82);
const PUK = encoding(0x83, 'puk');
const ascii = (text: string) => new TextEncoder().encode(text);

let issuer: Awaited<ReturnType<typeof oldCa>>;

beforeAll(async () => {
  issuer = await oldCa();
});

async function session(): Promise<{session: Pkcs15Session; card: VirtualEidCard}> {
  const card = new VirtualEidCard({
    state: await oldSithsEidCard({holder: SIMULATED_HOLDER, issuer}),
    timing: INSTANT_TIMING,
  });
  return {session: Pkcs15Session.open(new InProcessTransport(card)), card};
}

describe('Pkcs15Session over the virtual EID card', () => {
  it('tells the Setec EID applet by its version, and a PIV card by none', async () => {
    const {session: eid} = await session();
    const piv = Pkcs15Session.open(
      new InProcessTransport(
        new VirtualPivCard({state: await blankCard({serial: 1}), timing: INSTANT_TIMING}),
      ),
    );
    expect(await eid.eidVersion()).toBe('2.1');
    expect(await piv.eidVersion()).toBeUndefined();
  });

  it('reads whole files by path: EF.DIR, and a 1024-byte PrKDF in four pieces', async () => {
    const {session: eid} = await session();
    const dir = await eid.readFile(hex('3F00 2F00'));
    const prkdf = await eid.readFile(hex('3F00 5015 4402'));
    expect(toHex(dir.subarray(0, 2))).toBe('61 1B');
    expect(prkdf.length).toBe(1024);
    expect(prkdf[0]).toBe(0x30);
  });

  it('reads a directory file up to the padding after its objects: one piece of a 1024-byte PrKDF', async () => {
    const {session: eid} = await session();
    const prkdf = hex('3F00 5015 4402');
    const whole = await eid.readFile(prkdf);
    const {info, bytes} = await eid.readObjects(prkdf);
    expect(info.size).toBe(1024);
    expect(bytes.length).toBe(256);
    expect(toHex(bytes)).toBe(toHex(whole.subarray(0, 256)));
  });

  it('reads on while an object goes past a piece, and the whole file when no padding ends its objects', async () => {
    const {session: eid} = await session();
    await eid.verifyPin(LEGITIMERING, ascii(DEFAULT_EID_PINS.authentication));
    const prkdf = hex('3F00 5015 4402');
    const longObject = encodeTlv(0x30, new Uint8Array(296).fill(0x04));
    await eid.updateFile(prkdf, longObject);
    expect((await eid.readObjects(prkdf)).bytes.length).toBe(512);
    await eid.updateFile(
      prkdf,
      concatBytes(Array.from({length: 4}, () => encodeTlv(0x04, new Uint8Array(252)))),
    );
    expect((await eid.readObjects(prkdf)).bytes.length).toBe(1024);
  });

  it('reads a certificate whose key is the key file’s, as the card reads it back', async () => {
    const {session: eid, card} = await session();
    const certificate = new X509Certificate(await eid.readFile(hex('3F00 5015 4331')));
    const publicKey = await eid.readPublicKey(hex('3F00 5015 4B01'));
    expect(toHex(publicKey)).toBe(toHex(card.inspect().keys.get('3F0050154B01')!.publicKey));
    expect(toHex(new Uint8Array(certificate.publicKey.export({type: 'spki', format: 'der'})))).toBe(
      toHex(publicKey),
    );
  });

  it('counts and tells PIN tries, and verifies each PIN with the AODF padding', async () => {
    const {session: eid} = await session();
    expect(await eid.pinState(UNDERSKRIFT)).toEqual({type: 'unverified', triesLeft: 3});
    await expect(eid.verifyPin(UNDERSKRIFT, ascii('999999'))).rejects.toEqual(new InvalidPinError(2));
    expect(await eid.pinState(UNDERSKRIFT)).toEqual({type: 'unverified', triesLeft: 2});
    await eid.verifyPin(UNDERSKRIFT, ascii(DEFAULT_EID_PINS.signature));
    expect(await eid.pinState(UNDERSKRIFT)).toEqual({type: 'verified'});
    await eid.logOut(UNDERSKRIFT);
    expect(await eid.pinState(UNDERSKRIFT)).toEqual({type: 'unverified', triesLeft: 3});
  });

  it('refuses a malformed PIN before sending it, so no try is used', async () => {
    const {session: eid, card} = await session();
    await expect(eid.verifyPin(LEGITIMERING, ascii('123'))).rejects.toBeInstanceOf(PinFormatError);
    await expect(eid.verifyPin(LEGITIMERING, ascii('12345a'))).rejects.toBeInstanceOf(PinFormatError);
    expect(card.inspect().pins.get(0x81)!.remainingRetries).toBe(3);
  });

  it('changes a PIN and unblocks a blocked one with the PUK, telling wrong PUKs and blocked PINs', async () => {
    const {session: eid} = await session();
    await eid.changePin(LEGITIMERING, ascii(DEFAULT_EID_PINS.authentication), ascii('11223344'));
    for (let attempt = 0; attempt < 2; attempt++)
      await expect(eid.verifyPin(LEGITIMERING, ascii('999999'))).rejects.toBeInstanceOf(InvalidPinError);
    await expect(eid.verifyPin(LEGITIMERING, ascii('999999'))).rejects.toBeInstanceOf(PinBlockedError);
    await expect(eid.unblockPin(LEGITIMERING, PUK, ascii('87654321'), ascii('123456'))).rejects.toEqual(
      new InvalidPukError(9),
    );
    await eid.unblockPin(LEGITIMERING, PUK, ascii(DEFAULT_EID_PINS.puk), ascii('123456'));
    await eid.verifyPin(LEGITIMERING, ascii('123456'));
  });

  it('signs a DigestInfo with each key after its own PIN, and asks for the Underskrift PIN before every signature', async () => {
    const {session: eid, card} = await session();
    const message = ascii('log me in');
    const digestInfo = sha256DigestInfo(message);
    const authenticationKey = {path: hex('3F00 5015 4B01'), keyReference: 0x01};
    const signatureKey = {path: hex('3F00 5015 4B02'), keyReference: 0x02};
    await expect(eid.sign(authenticationKey, digestInfo)).rejects.toBeInstanceOf(PinRequiredError);
    await eid.verifyPin(LEGITIMERING, ascii(DEFAULT_EID_PINS.authentication));
    const signature = await eid.sign(authenticationKey, digestInfo);
    const key = createPublicKey({
      key: Buffer.from(card.inspect().keys.get('3F0050154B01')!.publicKey),
      format: 'der',
      type: 'spki',
    });
    expect(verify('sha256', message, key, signature)).toBe(true);
    await expect(eid.sign(signatureKey, digestInfo)).rejects.toBeInstanceOf(PinRequiredError);
    await eid.verifyPin(UNDERSKRIFT, ascii(DEFAULT_EID_PINS.signature));
    await eid.sign(signatureKey, digestInfo);
    await expect(eid.sign(signatureKey, digestInfo)).rejects.toBeInstanceOf(PinRequiredError);
  });

  it('creates a key file, generates an RSA-2048 key in it, writes a file in pieces and deletes both', async () => {
    const {session: eid, card} = await session();
    await eid.verifyPin(LEGITIMERING, ascii(DEFAULT_EID_PINS.authentication));
    const rules = {
      read: {type: 'always'},
      generate: {type: 'pin', reference: 0x81},
      delete: {type: 'pin', reference: 0x81},
      sign: {type: 'pin', reference: 0x81},
    } as const;
    const attributes = encodeSecurityAttributes('key', rules);
    const fcp = encodeTlv(
      0x62,
      encodeTlvs([
        {tag: 0x81, value: hex('00 00')},
        {tag: 0x82, value: hex('11')},
        {tag: 0x83, value: hex('4B 03')},
        {tag: 0x86, value: attributes},
        {tag: 0x8a, value: hex('07')},
      ]),
    );
    await eid.createFile(hex('3F00 5015'), fcp);
    const publicKey = await eid.generateRsaKey(hex('3F00 5015 4B03'), 2048);
    expect(toHex(publicKey)).toBe(toHex(card.inspect().keys.get('3F0050154B03')!.publicKey));
    const content = Uint8Array.from({length: 600}, (_, index) => index & 0xff);
    await eid.updateFile(hex('3F00 5015 4402'), content, 100);
    expect(toHex((await eid.readFile(hex('3F00 5015 4402'))).subarray(100, 700))).toBe(toHex(content));
    await eid.deleteFile(hex('3F00 5015 4B03'));
    await eid.deleteFile(hex('3F00 5015 4B03'));
    await expect(eid.readPublicKey(hex('3F00 5015 4B03'))).rejects.toBeInstanceOf(SlotEmptyError);
  });

  it('encodes a PIN as the AODF says: digits, padded to the stored length only when it needs padding', () => {
    expect(toHex(encodeSecret(LEGITIMERING, ascii('123456')))).toBe('31 32 33 34 35 36 00 00');
    expect(toHex(encodeSecret({...LEGITIMERING, needsPadding: false}, ascii('123456')))).toBe(
      '31 32 33 34 35 36',
    );
    expect(() => encodeSecret(LEGITIMERING, ascii('123456789'))).toThrow(PinFormatError);
  });
});
