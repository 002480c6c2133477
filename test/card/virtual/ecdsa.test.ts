import {createHash, generateKeyPairSync, randomBytes, verify} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {signDigest} from '../../../source/card/virtual/ecdsa.js';

function scalar(privateKey: ReturnType<typeof generateKeyPairSync>['privateKey']): Uint8Array {
  return new Uint8Array(Buffer.from(privateKey.export({format: 'jwk'}).d!, 'base64url'));
}

describe('ECDSA over a host digest', () => {
  it.each([
    ['P-256', 'sha256'],
    ['P-384', 'sha384'],
  ] as const)('makes %s signatures that node:crypto verifies over the original message', (curve, hash) => {
    const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: curve});
    for (let round = 0; round < 25; round++) {
      const message = randomBytes(1 + round * 13);
      const signature = signDigest(curve, scalar(privateKey), createHash(hash).update(message).digest());
      expect(verify(hash, message, {key: publicKey, dsaEncoding: 'der'}, signature)).toBe(true);
    }
  });

  it('truncates a digest longer than the order to its leftmost bits, as FIPS 186-5 says', () => {
    const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const message = Buffer.from('a SHA-512 digest on P-256');
    const signature = signDigest('P-256', scalar(privateKey), createHash('sha512').update(message).digest());
    expect(verify('sha512', message, {key: publicKey, dsaEncoding: 'der'}, signature)).toBe(true);
  });

  it('draws another nonce when one is zero or not below the order', () => {
    const {privateKey, publicKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    const nonces = [new Uint8Array(32), new Uint8Array(32).fill(0xff), new Uint8Array(randomBytes(32))];
    let draws = 0;
    const digest = createHash('sha256').update('nonce').digest();
    const signature = signDigest('P-256', scalar(privateKey), digest, () => nonces[draws++]!);
    expect(draws).toBe(3);
    expect(verify('sha256', Buffer.from('nonce'), {key: publicKey, dsaEncoding: 'der'}, signature)).toBe(
      true,
    );
  });

  it('writes DER integers with a leading zero when the top bit is set, and minimal otherwise', () => {
    const {privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
    for (let round = 0; round < 40; round++) {
      const signature = signDigest('P-256', scalar(privateKey), randomBytes(32));
      expect(signature[0]).toBe(0x30);
      expect(signature[1]).toBe(signature.length - 2);
      let offset = 2;
      for (const _ of [0, 1]) {
        expect(signature[offset]).toBe(0x02);
        const length = signature[offset + 1]!;
        const value = signature.subarray(offset + 2, offset + 2 + length);
        if (value[0] === 0) expect(value[1]! & 0x80).toBe(0x80);
        else expect(value[0]! & 0x80).toBe(0);
        offset += 2 + length;
      }
      expect(offset).toBe(signature.length);
    }
  });
});
