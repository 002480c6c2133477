import {createCipheriv, generateKeyPairSync} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {encodeTlvs} from '../../../source/apdu/tlv.js';
import {
  CardNotPivError,
  InvalidPinError,
  ManagementKeyError,
  PinBlockedError,
  PinFormatError,
} from '../../../source/card/errors.js';
import {Slot} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {PivSession} from '../../../source/card/piv/session.js';
import {hex, toHex, TranscriptTransport} from '../../apdu/transcript-transport.js';
import {encodeFascn} from './card-objects.js';

/**
 * The session's exact bytes on the wire, replayed from transcripts: what it sends for each operation, and how
 * it reads status words it is given. The same operations run against the virtual card in session.test.ts.
 */

const YUBIKEY_5_ATR = '3B FD 13 00 00 81 31 FE 15 80 73 C0 21 C0 57 59 75 62 69 4B 65 79 40';
const SELECT = '> 00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00';
const SELECTED = '< 61 11 4F 06 00 00 10 00 01 00 79 07 4F 05 A0 00 00 03 08 90 00';
const AES192_DEFAULT_KEY = hex('010203040506070801020304050607080102030405060708');

function aes192(block: Uint8Array): string {
  const cipher = createCipheriv('aes-192-ecb', AES192_DEFAULT_KEY, null).setAutoPadding(false);
  return toHex(Buffer.concat([cipher.update(block), cipher.final()]));
}

async function played<T>(
  transcript: string,
  run: (session: PivSession) => Promise<T>,
  atr?: string,
): Promise<T> {
  const transport = new TranscriptTransport(`${SELECT}\n${SELECTED}\n${transcript}`, {atr});
  const result = await run(await PivSession.open(transport));
  transport.assertDone();
  return result;
}

describe('PivSession on the wire', () => {
  it('selects PIV with the full AID and learns the application properties', async () => {
    const session = await played('', async (session) => session);
    expect(toHex(session.application.aid)).toBe('00 00 10 00 01 00');
    expect(session.isExtended).toBe(false);
  });

  it('reports a card without PIV as not a PIV card', async () => {
    const transport = new TranscriptTransport(`${SELECT}\n< 6A 82`);
    await expect(PivSession.open(transport)).rejects.toBeInstanceOf(CardNotPivError);
  });

  it('sends objects in one extended APDU to a card whose ATR says it takes them', async () => {
    const chuid = encodeTlvs([{tag: 0x34, value: new Uint8Array(16).fill(0xab)}]);
    const identity = await played(
      `> 00 CB 3F FF 00 00 05 5C 03 5F C1 02 00 00
       < 53 ${toHex(Uint8Array.of(chuid.length))} ${toHex(chuid)} 90 00
       > 00 FD 00 00 00
       < 05 07 01 90 00
       > 00 F8 00 00 00
       < 00 BC 61 4E 90 00`,
      (session) => session.readIdentity(),
      YUBIKEY_5_ATR,
    );
    expect(identity).toMatchObject({guid: 'ab'.repeat(16), cardId: 'ab'.repeat(16), serial: 12345678});
    expect(identity.version).toEqual({major: 5, minor: 7, patch: 1});
  });

  it('reads the card number from the CHUID FASC-N and asks no serial of a card without GET VERSION', async () => {
    const fascn = encodeFascn({agencyCode: '9752', systemCode: '2690', credentialNumber: '012345'});
    const chuid = encodeTlvs([
      {tag: 0x30, value: fascn},
      {tag: 0x34, value: new Uint8Array(16)},
    ]);
    const identity = await played(
      `> 00 CB 3F FF 05 5C 03 5F C1 02 00
       < 53 ${toHex(Uint8Array.of(chuid.length))} ${toHex(chuid)} 90 00
       > 00 FD 00 00 00
       < 6D 00`,
      (session) => session.readIdentity(),
    );
    expect(identity).toMatchObject({cardNumber: '97522690012345', cardId: '97522690012345', hasChuid: true});
    expect(identity.guid).toBeUndefined();
    expect(identity.serial).toBeUndefined();
    expect(identity.version).toBeUndefined();
  });

  it('says a wrong PIN has one try left, and sends a padded PIN', async () => {
    const error = await played(
      `> 00 20 00 80 08 31 32 33 34 35 36 FF FF
       < 63 C1`,
      (session) => session.verifyPin('123456').catch((caught: unknown) => caught),
    );
    expect(error).toBeInstanceOf(InvalidPinError);
    expect(error).toMatchObject({code: 'invalid-pin', triesLeft: 1});
  });

  it.each(['69 83', '63 C0'])('says the PIN is blocked on %s', async (sw) => {
    const verifying = played(
      `> 00 20 00 80 08 31 32 33 34 35 36 37 38
       < ${sw}`,
      (session) => session.verifyPin(new TextEncoder().encode('12345678')),
    );
    await expect(verifying).rejects.toBeInstanceOf(PinBlockedError);
  });

  it('asks the tries left when the card says only 6300', async () => {
    const verifying = played(
      `> 00 20 00 80 08 31 32 33 34 35 36 FF FF
       < 63 00
       > 00 20 00 80
       < 63 C2`,
      (session) => session.verifyPin('123456'),
    );
    await expect(verifying).rejects.toMatchObject({code: 'invalid-pin', triesLeft: 2});
  });

  it('refuses a malformed PIN without sending anything', async () => {
    await expect(played('', (session) => session.verifyPin('12 456'))).rejects.toBeInstanceOf(PinFormatError);
    await expect(played('', (session) => session.changePin('123456', '1234'))).rejects.toBeInstanceOf(
      PinFormatError,
    );
  });

  it('reads the PIN status from VERIFY without data', async () => {
    const statuses = await played(
      `> 00 20 00 80
       < 63 C3
       > 00 20 00 80
       < 90 00
       > 00 20 00 80
       < 69 83`,
      async (session) => [await session.pinStatus(), await session.pinStatus(), await session.pinStatus()],
    );
    expect(statuses).toEqual([{type: 'unverified', triesLeft: 3}, {type: 'verified'}, {type: 'blocked'}]);
  });

  it('authenticates with an AES-192 management key the card names in its metadata', async () => {
    const cardSecret = new Uint8Array(16).fill(0x22);
    const hostChallenge = new Uint8Array(16).fill(0x11);
    await played(
      `> 00 FD 00 00 00
       < 05 07 01 90 00
       > 00 F7 00 9B 00
       < 01 01 0A 02 02 00 01 05 01 01 90 00
       > 00 87 0A 9B 04 7C 02 80 00 00
       < 7C 12 80 10 ${aes192(cardSecret)} 90 00
       > 00 87 0A 9B 26 7C 24 80 10 ${toHex(cardSecret)} 81 10 ${toHex(hostChallenge)} 00
       < 7C 12 82 10 ${aes192(hostChallenge)} 90 00`,
      (session) =>
        session.authenticate(new LocalManagementKey(AES192_DEFAULT_KEY, () => hostChallenge.slice())),
    );
  });

  it('falls back to 3DES when the card has no metadata, and says the card refused the key', async () => {
    const failing = played(
      `> 00 FD 00 00 00
       < 04 03 05 90 00
       > 00 87 03 9B 04 7C 02 80 00 00
       < 7C 0A 80 08 00 11 22 33 44 55 66 77 90 00
       > 00 87 03 9B 16 7C 14 80 08 ${'00 '.repeat(8)} 81 08 ${'00 '.repeat(8)} 00
       < 69 82`,
      (session) =>
        session.authenticate({
          respond: async () => ({decryptedWitness: new Uint8Array(8), challenge: new Uint8Array(8)}),
          verify: async () => undefined,
        }),
    );
    await expect(failing).rejects.toBeInstanceOf(ManagementKeyError);
    await expect(failing).rejects.toMatchObject({reason: 'rejected-by-card'});
  });

  it('verifies the PIN right before each 9C signature, asking the provider each time', async () => {
    const {publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const spki = new Uint8Array(publicKey.export({type: 'spki', format: 'der'}));
    const message = new TextEncoder().encode('abc');
    // SHA-256("abc")
    const hash =
      'BA 78 16 BF 8F 01 CF EA 41 41 40 DE 5D AE 22 23 B0 03 61 A3 96 17 7A 9C B4 10 FF 61 F2 00 15 AD';
    const signature = '30 06 02 01 01 02 01 01';
    let asked = 0;
    const signatures = await played(
      `> 00 20 00 80 08 31 32 33 34 35 36 FF FF
       < 90 00
       > 00 87 11 9C 26 7C 24 82 00 81 20 ${hash} 00
       < 7C 0A 82 08 ${signature} 90 00
       > 00 20 00 80 08 31 32 33 34 35 36 FF FF
       < 90 00
       > 00 87 11 9C 26 7C 24 82 00 81 20 ${hash} 00
       < 7C 0A 82 08 ${signature} 90 00`,
      async (session) => {
        const signer = session.signer(Slot.Signature, spki, () => {
          asked++;
          return '123456';
        });
        expect(signer.algorithm).toBe('ecdsa-sha256');
        return [await signer.sign(message), await signer.sign(message)];
      },
    );
    expect(asked).toBe(2);
    expect(signatures.map(toHex)).toEqual([signature, signature]);
  });
});
