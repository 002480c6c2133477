import {createHash} from 'node:crypto';
import {concatBytes} from '../../apdu/tlv.js';
import type {KeyDescription} from './public-key.js';
import {rsaModulusBytes} from './public-key.js';

/**
 * What the card signs: PIV keys sign raw (SP 800-73-4 Part 2 clause 3.2.4), so the host hashes and, for RSA,
 * builds the whole PKCS#1 v1.5 block (RFC 8017 section 9.2). Pure.
 */

/** DigestInfo prefix for SHA-256: SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.2.1, NULL }, OCTET STRING (32) } (RFC 8017 section 9.2, note 1). */
const SHA256_DIGEST_INFO_PREFIX = Uint8Array.of(
  0x30,
  0x31,
  0x30,
  0x0d,
  0x06,
  0x09,
  0x60,
  0x86,
  0x48,
  0x01,
  0x65,
  0x03,
  0x04,
  0x02,
  0x01,
  0x05,
  0x00,
  0x04,
  0x20,
);
/** EMSA-PKCS1-v1_5 block: 00 01 FF..FF 00 T, at least 8 bytes of FF (RFC 8017 section 9.2, step 5). */
const BLOCK_TYPE_SIGNATURE = 0x01;
const PADDING_BYTE = 0xff;
const MIN_PADDING = 8;

/**
 * The bytes to send to the card for a signature over `toBeSigned` with the key described: for RSA the full
 * PKCS#1 v1.5 block as long as the modulus over SHA-256, for ECDSA the SHA-256 (P-256) or SHA-384 (P-384) hash.
 */
export function signatureInput(key: KeyDescription, toBeSigned: Uint8Array): Uint8Array {
  switch (key.signatureAlgorithm) {
    case 'rsa-pkcs1-sha256':
      return pkcs1v15Block(sha('sha256', toBeSigned), rsaModulusBytes(key.algorithm) ?? 0);
    case 'ecdsa-sha256':
      return sha('sha256', toBeSigned);
    case 'ecdsa-sha384':
      return sha('sha384', toBeSigned);
  }
}

/** EMSA-PKCS1-v1_5 encoding of a SHA-256 digest for a modulus of `length` bytes (128 or more: RSA-1024 up). */
function pkcs1v15Block(sha256Digest: Uint8Array, length: number): Uint8Array {
  const digestInfo = concatBytes([SHA256_DIGEST_INFO_PREFIX, sha256Digest]);
  const padding = Math.max(MIN_PADDING, length - digestInfo.length - 3);
  return concatBytes([
    Uint8Array.of(0x00, BLOCK_TYPE_SIGNATURE),
    new Uint8Array(padding).fill(PADDING_BYTE),
    Uint8Array.of(0x00),
    digestInfo,
  ]);
}

function sha(algorithm: 'sha256' | 'sha384', data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash(algorithm).update(data).digest());
}
