import {generateKeyPairSync} from 'node:crypto';
import {expect, it} from 'vitest';
import {
  exportPublicKey,
  importPublicKey,
  keyAlgorithmOf,
  publicKeysEqual,
} from '../../source/pki/public-key.js';
import {expectThrowsCode} from './expect-error.js';

it('reads the algorithm and size of RSA and EC keys', () => {
  expect(
    importPublicKey(exportPublicKey(generateKeyPairSync('rsa', {modulusLength: 2048}).publicKey)).algorithm,
  ).toEqual({
    type: 'rsa',
    bits: 2048,
  });
  for (const curve of ['P-256', 'P-384', 'P-521'] as const) {
    expect(keyAlgorithmOf(generateKeyPairSync('ec', {namedCurve: curve}).privateKey)).toEqual({
      type: 'ec',
      curve,
    });
  }
});

it('refuses keys that are not RSA or EC on a NIST curve, and bytes that are no key', () => {
  expectThrowsCode(
    () => importPublicKey(exportPublicKey(generateKeyPairSync('ed25519').publicKey)),
    'key-unsupported',
  );
  expectThrowsCode(
    () => importPublicKey(exportPublicKey(generateKeyPairSync('ec', {namedCurve: 'secp256k1'}).publicKey)),
    'key-unsupported',
  );
  expectThrowsCode(() => importPublicKey(Uint8Array.of(0x30, 0x00)), 'key-unsupported');
});

it('exports the same SubjectPublicKeyInfo from a private key as from its public key', () => {
  const {publicKey, privateKey} = generateKeyPairSync('ec', {namedCurve: 'P-256'});
  expect(exportPublicKey(privateKey)).toEqual(exportPublicKey(publicKey));
  expect(publicKeysEqual(exportPublicKey(privateKey), exportPublicKey(publicKey))).toBe(true);
});

it('tells RSA keys apart by modulus and exponent', () => {
  const a = exportPublicKey(generateKeyPairSync('rsa', {modulusLength: 2048}).publicKey);
  const b = exportPublicKey(generateKeyPairSync('rsa', {modulusLength: 2048, publicExponent: 3}).publicKey);
  expect(publicKeysEqual(a, a)).toBe(true);
  expect(publicKeysEqual(a, b)).toBe(false);
});
