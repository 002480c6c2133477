import {createCipheriv, createHmac} from 'node:crypto';
import fc from 'fast-check';
import {expect, it} from 'vitest';
import {deriveManagementKey} from '../../source/pki/management-key.js';
import {expectThrowsCode} from './expect-error.js';

const MASTER = new Uint8Array(32).map((_, index) => index);

/** RFC 5869 HKDF-SHA256 written out with HMAC, as an independent reference. */
function referenceHkdf(secret: Uint8Array, info: Buffer, length: number): Buffer {
  const pseudoRandomKey = createHmac('sha256', Buffer.alloc(32)).update(secret).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let counter = 1; blocks.length * 32 < length; counter += 1) {
    previous = createHmac('sha256', pseudoRandomKey)
      .update(Buffer.concat([previous, info, Buffer.of(counter)]))
      .digest();
    blocks.push(previous);
  }
  return Buffer.concat(blocks).subarray(0, length);
}

it('derives 24 bytes equal to HKDF-SHA256 with the v1 label, a zero byte and the card identifier as info', () => {
  const key = deriveManagementKey(MASTER, 'CARD-0001');
  const info = Buffer.concat([
    Buffer.from('siths-upgrade PIV management key v1'),
    Buffer.of(0),
    Buffer.from('CARD-0001'),
  ]);
  expect(key).toHaveLength(24);
  expect(Buffer.from(key).equals(referenceHkdf(MASTER, info, 24))).toBe(true);
});

it('derives the same key for the same inputs and unrelated keys for other cards or secrets', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({minLength: 16, maxLength: 64}),
      fc.string({minLength: 1, maxLength: 40}),
      fc.string({minLength: 1, maxLength: 40}),
      (secret, cardA, cardB) => {
        const keyA = Buffer.from(deriveManagementKey(secret, cardA));
        expect(keyA.equals(deriveManagementKey(secret, cardA))).toBe(true);
        expect(keyA.equals(deriveManagementKey(secret, cardB))).toBe(cardA === cardB);
        const otherSecret = Uint8Array.from(secret, (byte, index) => (index === 0 ? byte ^ 1 : byte));
        expect(keyA.equals(deriveManagementKey(otherSecret, cardA))).toBe(false);
      },
    ),
  );
});

it('derives a key that AES-192 accepts', () => {
  const cipher = createCipheriv('aes-192-ecb', deriveManagementKey(MASTER, 'CARD-0001'), null);
  cipher.setAutoPadding(false);
  expect(Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()])).toHaveLength(16);
});

it('refuses a master secret shorter than 16 bytes and an empty card identifier', () => {
  expectThrowsCode(() => deriveManagementKey(new Uint8Array(15), 'CARD-0001'), 'derivation-input-invalid');
  expectThrowsCode(() => deriveManagementKey(MASTER, ''), 'derivation-input-invalid');
  expect(deriveManagementKey(new Uint8Array(16), 'x')).toHaveLength(24);
});
