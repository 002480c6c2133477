import {createCipheriv} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {ManagementKeyError} from '../../../source/card/errors.js';
import {Algorithm} from '../../../source/card/piv/constants.js';
import {LocalManagementKey} from '../../../source/card/piv/management-key.js';
import {hex} from '../../apdu/transcript-transport.js';

/** The YubiKey default management key (docs/piv-card.md section 4). */
const DEFAULT_KEY = hex('010203040506070801020304050607080102030405060708');

function encrypt(cipher: string, key: Uint8Array, block: Uint8Array): Uint8Array {
  const ecb = createCipheriv(cipher, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([ecb.update(block), ecb.final()]));
}

describe('LocalManagementKey', () => {
  it.each([
    [Algorithm.TripleDes, 'des-ede3', DEFAULT_KEY, 8],
    [Algorithm.Aes128, 'aes-128-ecb', DEFAULT_KEY.subarray(0, 16), 16],
    [Algorithm.Aes192, 'aes-192-ecb', DEFAULT_KEY, 16],
    [Algorithm.Aes256, 'aes-256-ecb', hex('00'.repeat(32)), 16],
  ])(
    'answers a %s witness as the card expects and checks its response',
    async (algorithm, cipher, key, block) => {
      const secret = new Uint8Array(block).fill(0x5a);
      const challengeBytes = new Uint8Array(block).fill(0xa5);
      const authenticator = new LocalManagementKey(key, (size) => challengeBytes.slice(0, size));
      const {decryptedWitness, challenge} = await authenticator.respond(
        algorithm,
        encrypt(cipher, key, secret),
      );
      expect(decryptedWitness).toEqual(secret);
      expect(challenge).toEqual(challengeBytes);
      await expect(authenticator.verify(encrypt(cipher, key, challenge))).resolves.toBeUndefined();
    },
  );

  it('rejects a card response that is not the encrypted challenge', async () => {
    const authenticator = new LocalManagementKey(DEFAULT_KEY);
    await authenticator.respond(Algorithm.TripleDes, new Uint8Array(8));
    await expect(authenticator.verify(new Uint8Array(8))).rejects.toMatchObject({
      code: 'management-key-rejected',
      reason: 'card-response-wrong',
    });
  });

  it('rejects a verify without a challenge, and a second verify of the same challenge', async () => {
    const authenticator = new LocalManagementKey(DEFAULT_KEY, (size) => new Uint8Array(size));
    await expect(authenticator.verify(new Uint8Array(8))).rejects.toBeInstanceOf(ManagementKeyError);
    await authenticator.respond(Algorithm.TripleDes, new Uint8Array(8));
    const response = encrypt('des-ede3', DEFAULT_KEY, new Uint8Array(8));
    await authenticator.verify(response);
    await expect(authenticator.verify(response)).rejects.toBeInstanceOf(ManagementKeyError);
  });

  it('refuses a key that does not fit the card’s algorithm', async () => {
    const authenticator = new LocalManagementKey(DEFAULT_KEY);
    await expect(authenticator.respond(Algorithm.Aes256, new Uint8Array(16))).rejects.toMatchObject({
      reason: 'key-does-not-fit',
    });
    await expect(authenticator.respond(Algorithm.EccP256, new Uint8Array(16))).rejects.toMatchObject({
      reason: 'key-does-not-fit',
    });
  });

  it('keeps its own copy of the key and forgets it on dispose', async () => {
    const key = Uint8Array.from(DEFAULT_KEY);
    const authenticator = new LocalManagementKey(key);
    key.fill(0);
    const witness = encrypt('des-ede3', DEFAULT_KEY, hex('0102030405060708'));
    expect((await authenticator.respond(Algorithm.TripleDes, witness)).decryptedWitness).toEqual(
      hex('0102030405060708'),
    );
    authenticator.dispose();
    expect((await authenticator.respond(Algorithm.TripleDes, witness)).decryptedWitness).not.toEqual(
      hex('0102030405060708'),
    );
  });
});
