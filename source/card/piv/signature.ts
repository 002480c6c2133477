import {createHash} from 'node:crypto';
import {concatBytes} from '../../apdu/tlv.js';
import {sha256DigestInfo} from '../digest-info.js';
import type {KeyDescription} from './public-key.js';
import {rsaModulusBytes} from './public-key.js';

/**
 * What the card signs: PIV keys sign raw (SP 800-73-4 Part 2 clause 3.2.4), so the host hashes and, for RSA,
 * builds the whole PKCS#1 v1.5 block (RFC 8017 section 9.2). Pure.
 */

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
      return pkcs1v15Block(sha256DigestInfo(toBeSigned), rsaModulusBytes(key.algorithm) ?? 0);
    case 'ecdsa-sha256':
      return sha('sha256', toBeSigned);
    case 'ecdsa-sha384':
      return sha('sha384', toBeSigned);
  }
}

/** EMSA-PKCS1-v1_5 encoding of a DigestInfo for a modulus of `length` bytes (128 or more: RSA-1024 up). */
function pkcs1v15Block(digestInfo: Uint8Array, length: number): Uint8Array {
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
