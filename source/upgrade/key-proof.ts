import {createPublicKey, verify} from 'node:crypto';
import {HASH_OF, type SignatureAlgorithm} from '../pki/signer.js';
import {engineErrorOf} from './errors.js';
import type {CardPort, PinSource} from './ports.js';

/**
 * Whether `signature` over `data` verifies with the public key `publicKey` (SPKI DER). RSA PKCS#1 v1.5, ECDSA
 * as DER SEQUENCE {r, s}. Never throws: a malformed key or signature does not verify.
 */
export function verifiesWith(
  publicKey: Uint8Array,
  algorithm: SignatureAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = createPublicKey({key: Buffer.from(publicKey), format: 'der', type: 'spki'});
    return verify(HASH_OF[algorithm], data, {key, dsaEncoding: 'der'}, signature);
  } catch {
    return false;
  }
}

/**
 * Proves that the key in `slot` is the one whose public key is `publicKey`: the card signs `challenge`, and
 * the signature must verify with `publicKey` (the test signature of docs/architecture.md, invariant 2).
 * Resolves false when the card's key is another one or the slot has none; PIN and transport errors are
 * thrown. Call inside `card.exclusive`.
 */
export async function proveKey(
  card: CardPort,
  slot: number,
  publicKey: Uint8Array,
  pins: PinSource,
  challenge: Uint8Array,
): Promise<boolean> {
  const signer = card.signer(slot, publicKey, pins);
  let signature: Uint8Array;
  try {
    signature = await signer.sign(challenge);
  } catch (error) {
    const {code} = engineErrorOf(error);
    // The card refused to use the key as this algorithm (no key, another type or size): not this key.
    if (code === 'card-error') return false;
    throw error;
  }
  return verifiesWith(publicKey, signer.algorithm, challenge, signature);
}
