import {generateKeyPairSync, type KeyObject} from 'node:crypto';
import {describe, expect, it} from 'vitest';
import {encodeTlvs} from '../../../source/apdu/tlv.js';
import {CardDataError, FeatureNotSupportedError} from '../../../source/card/errors.js';
import {Algorithm} from '../../../source/card/piv/constants.js';
import {describeSpki, spkiFromTemplate} from '../../../source/card/piv/public-key.js';

function spkiOf(key: KeyObject): Uint8Array {
  return new Uint8Array(key.export({type: 'spki', format: 'der'}));
}

function jwkBytes(value: string | undefined): Uint8Array {
  return new Uint8Array(Buffer.from(value ?? '', 'base64url'));
}

/** The 7F49 contents a card sends for `key`: 81 modulus 82 exponent, or 86 04|X|Y. */
function templateOf(key: KeyObject): Uint8Array {
  const jwk = key.export({format: 'jwk'});
  if (jwk.kty === 'RSA')
    return encodeTlvs([
      {tag: 0x81, value: jwkBytes(jwk.n)},
      {tag: 0x82, value: jwkBytes(jwk.e)},
    ]);
  return encodeTlvs([{tag: 0x86, value: Uint8Array.of(0x04, ...jwkBytes(jwk.x), ...jwkBytes(jwk.y))}]);
}

describe('spkiFromTemplate', () => {
  it.each([
    {
      name: 'RSA-2048',
      algorithm: Algorithm.Rsa2048,
      key: generateKeyPairSync('rsa', {modulusLength: 2048}).publicKey,
    },
    {
      name: 'RSA-1024',
      algorithm: Algorithm.Rsa1024,
      key: generateKeyPairSync('rsa', {modulusLength: 1024}).publicKey,
    },
    {
      name: 'P-256',
      algorithm: Algorithm.EccP256,
      key: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey,
    },
    {
      name: 'P-384',
      algorithm: Algorithm.EccP384,
      key: generateKeyPairSync('ec', {namedCurve: 'P-384'}).publicKey,
    },
  ])('turns the card’s $name public key template into the same SPKI node exports', ({algorithm, key}) => {
    expect(spkiFromTemplate(algorithm, templateOf(key))).toEqual(spkiOf(key));
  });

  it('reads an RSA modulus sent with a leading zero byte', () => {
    const key = generateKeyPairSync('rsa', {modulusLength: 2048}).publicKey;
    const jwk = key.export({format: 'jwk'});
    const template = encodeTlvs([
      {tag: 0x81, value: Uint8Array.of(0, ...jwkBytes(jwk.n))},
      {tag: 0x82, value: jwkBytes(jwk.e)},
    ]);
    expect(spkiFromTemplate(Algorithm.Rsa2048, template)).toEqual(spkiOf(key));
  });

  it('reads an Ed25519 key from 86', () => {
    const key = generateKeyPairSync('ed25519').publicKey;
    const template = encodeTlvs([{tag: 0x86, value: jwkBytes(key.export({format: 'jwk'}).x)}]);
    expect(spkiFromTemplate(Algorithm.Ed25519, template)).toEqual(spkiOf(key));
  });

  it('refuses a key that does not fit the algorithm', () => {
    const p256 = templateOf(generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey);
    const rsa = templateOf(generateKeyPairSync('rsa', {modulusLength: 1024}).publicKey);
    expect(() => spkiFromTemplate(Algorithm.EccP384, p256)).toThrow(CardDataError);
    expect(() => spkiFromTemplate(Algorithm.Rsa2048, rsa)).toThrow(CardDataError);
    expect(() => spkiFromTemplate(Algorithm.Rsa2048, p256)).toThrow(CardDataError);
  });

  it('refuses a point that is not on the curve, and a template that does not parse', () => {
    const notOnCurve = encodeTlvs([{tag: 0x86, value: Uint8Array.of(0x04, ...new Uint8Array(64).fill(1))}]);
    expect(() => spkiFromTemplate(Algorithm.EccP256, notOnCurve)).toThrow(CardDataError);
    expect(() => spkiFromTemplate(Algorithm.EccP256, Uint8Array.of(0x86, 0x41))).toThrow(CardDataError);
  });

  it('says it has no public key form for a management key algorithm', () => {
    expect(() => spkiFromTemplate(Algorithm.Aes128, new Uint8Array())).toThrow(FeatureNotSupportedError);
  });
});

describe('describeSpki', () => {
  it.each([
    {
      name: 'RSA-2048',
      key: generateKeyPairSync('rsa', {modulusLength: 2048}).publicKey,
      algorithm: Algorithm.Rsa2048,
      signatureAlgorithm: 'rsa-pkcs1-sha256',
    },
    {
      name: 'P-256',
      key: generateKeyPairSync('ec', {namedCurve: 'P-256'}).publicKey,
      algorithm: Algorithm.EccP256,
      signatureAlgorithm: 'ecdsa-sha256',
    },
    {
      name: 'P-384',
      key: generateKeyPairSync('ec', {namedCurve: 'P-384'}).publicKey,
      algorithm: Algorithm.EccP384,
      signatureAlgorithm: 'ecdsa-sha384',
    },
  ])('says a $name key signs with $signatureAlgorithm', ({key, algorithm, signatureAlgorithm}) => {
    expect(describeSpki(spkiOf(key))).toEqual({algorithm, signatureAlgorithm});
  });

  it('refuses keys that cannot sign X.509 on a PIV card, and bytes that are not an SPKI', () => {
    expect(() => describeSpki(spkiOf(generateKeyPairSync('ed25519').publicKey))).toThrow(
      FeatureNotSupportedError,
    );
    expect(() => describeSpki(spkiOf(generateKeyPairSync('rsa', {modulusLength: 1536}).publicKey))).toThrow(
      FeatureNotSupportedError,
    );
    expect(() => describeSpki(Uint8Array.of(0x30, 0x00))).toThrow(CardDataError);
  });
});
