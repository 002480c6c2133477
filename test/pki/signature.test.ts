import {generateKeyPairSync, sign} from 'node:crypto';
import {expect, it} from 'vitest';
import {
  OID_ECDSA_WITH_SHA512,
  OID_SHA256_WITH_RSA,
  OID_SHA512_WITH_RSA,
} from '../../source/pki/object-identifiers.js';
import {exportPublicKey} from '../../source/pki/public-key.js';
import {algorithmIdentifier, verifySignature} from '../../source/pki/signature.js';
import {expectThrowsCode} from './expect-error.js';

const data = new TextEncoder().encode('signed data');
const rsa = generateKeyPairSync('rsa', {modulusLength: 2048});
const ec = generateKeyPairSync('ec', {namedCurve: 'P-521'});

it('writes RSA algorithm identifiers with NULL parameters and ECDSA ones without (RFC 4055, RFC 5758)', () => {
  const der = (algorithm: Parameters<typeof algorithmIdentifier>[0]) =>
    Buffer.from(algorithmIdentifier(algorithm).toSchema().toBER(false)).toString('hex');
  expect(der('rsa-pkcs1-sha256')).toBe('300d06092a864886f70d01010b0500');
  expect(der('ecdsa-sha256')).toBe('300a06082a8648ce3d040302');
  expect(der('ecdsa-sha384')).toBe('300a06082a8648ce3d040303');
});

it('verifies SHA-512 signatures too, for certificates others made', () => {
  expect(
    verifySignature(
      OID_SHA512_WITH_RSA,
      exportPublicKey(rsa.publicKey),
      data,
      sign('sha512', data, rsa.privateKey),
    ),
  ).toBe(true);
  expect(
    verifySignature(
      OID_ECDSA_WITH_SHA512,
      exportPublicKey(ec.publicKey),
      data,
      sign('sha512', data, ec.privateKey),
    ),
  ).toBe(true);
});

it('answers false for a wrong signature, a key of the other type, or a key that does not parse', () => {
  const signature = sign('sha256', data, rsa.privateKey);
  expect(verifySignature(OID_SHA256_WITH_RSA, exportPublicKey(rsa.publicKey), data, signature)).toBe(true);
  expect(
    verifySignature(OID_SHA256_WITH_RSA, exportPublicKey(rsa.publicKey), Uint8Array.of(1), signature),
  ).toBe(false);
  expect(verifySignature(OID_SHA256_WITH_RSA, exportPublicKey(ec.publicKey), data, signature)).toBe(false);
  expect(verifySignature(OID_SHA256_WITH_RSA, Uint8Array.of(0x30, 0x00), data, signature)).toBe(false);
});

it('refuses algorithms other than RSA PKCS#1 v1.5 and ECDSA with SHA-2', () => {
  for (const oid of ['1.2.840.113549.1.1.10', '1.2.840.113549.1.1.5', '1.3.101.112']) {
    expectThrowsCode(
      () => verifySignature(oid, exportPublicKey(rsa.publicKey), data, new Uint8Array(256)),
      'signature-algorithm-unsupported',
    );
  }
});
