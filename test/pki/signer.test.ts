import {generateKeyPairSync, verify} from 'node:crypto';
import {expect, it} from 'vitest';
import {generatePrivateKey, type GeneratedKeyAlgorithm} from '../../source/pki/issue.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {
  isAlgorithmForKey,
  keyObjectSigner,
  signatureAlgorithmFor,
  type SignatureAlgorithm,
} from '../../source/pki/signer.js';
import {expectThrowsCode} from './expect-error.js';

it.each<[GeneratedKeyAlgorithm, SignatureAlgorithm, string]>([
  ['rsa-2048', 'rsa-pkcs1-sha256', 'sha256'],
  ['rsa-3072', 'rsa-pkcs1-sha256', 'sha256'],
  ['ecc-p256', 'ecdsa-sha256', 'sha256'],
  ['ecc-p384', 'ecdsa-sha384', 'sha384'],
])(
  'a %s key signs with %s, and node verifies the signature with the signer public key',
  async (keyAlgorithm, algorithm, hash) => {
    const privateKey = await generatePrivateKey(keyAlgorithm);
    const signer = keyObjectSigner(privateKey);
    expect(signer.algorithm).toBe(algorithm);
    expect(signer.publicKey).toEqual(exportPublicKey(privateKey));
    const data = new TextEncoder().encode('to be signed');
    const signature = await signer.sign(data);
    const publicKey = {key: Buffer.from(signer.publicKey), format: 'der' as const, type: 'spki' as const};
    expect(verify(hash, data, {...publicKey, dsaEncoding: 'der'}, signature)).toBe(true);
    if (algorithm.startsWith('ecdsa')) expect(signature[0]).toBe(0x30); // DER SEQUENCE {r, s}
  },
);

it('refuses keys it has no signature algorithm for: EC P-521 and Ed25519', () => {
  expectThrowsCode(
    () => keyObjectSigner(generateKeyPairSync('ec', {namedCurve: 'P-521'}).privateKey),
    'key-unsupported',
  );
  expectThrowsCode(() => keyObjectSigner(generateKeyPairSync('ed25519').privateKey), 'key-unsupported');
  expectThrowsCode(() => signatureAlgorithmFor({type: 'ec', curve: 'P-521'}), 'key-unsupported');
});

it('fits RSA algorithms to RSA keys and ECDSA algorithms to EC keys only', () => {
  expect(isAlgorithmForKey('rsa-pkcs1-sha256', {type: 'rsa', bits: 2048})).toBe(true);
  expect(isAlgorithmForKey('ecdsa-sha256', {type: 'rsa', bits: 2048})).toBe(false);
  expect(isAlgorithmForKey('ecdsa-sha384', {type: 'ec', curve: 'P-256'})).toBe(true);
  expect(isAlgorithmForKey('rsa-pkcs1-sha256', {type: 'ec', curve: 'P-256'})).toBe(false);
});
