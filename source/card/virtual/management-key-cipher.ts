import {createCipheriv} from 'node:crypto';
import {Algorithm} from '../piv/constants.js';

/**
 * The card side of the management key (9B): one-block ECB encryption with 3DES or AES, as SP 800-73-4 Part 2
 * appendix A.1 and YubiKey 5.4+ use for its challenge-response. The card only ever encrypts: it encrypts its own
 * witness and checks the host's answers by encrypting the challenge it sent.
 */

interface CipherSpec {
  /** OpenSSL cipher name (ECB, no padding). */
  readonly name: string;
  readonly keyLength: number;
  readonly blockLength: number;
}

const CIPHERS: ReadonlyMap<number, CipherSpec> = new Map([
  [Algorithm.TripleDes, {name: 'des-ede3', keyLength: 24, blockLength: 8}],
  [Algorithm.Aes128, {name: 'aes-128-ecb', keyLength: 16, blockLength: 16}],
  [Algorithm.Aes192, {name: 'aes-192-ecb', keyLength: 24, blockLength: 16}],
  [Algorithm.Aes256, {name: 'aes-256-ecb', keyLength: 32, blockLength: 16}],
]);

/** The key and block lengths of a management key algorithm, or undefined when it is not one. */
export function managementKeyCipher(algorithm: number): {keyLength: number; blockLength: number} | undefined {
  const spec = CIPHERS.get(algorithm);
  return spec && {keyLength: spec.keyLength, blockLength: spec.blockLength};
}

/**
 * E(K, block): one block encrypted in ECB mode. `algorithm` must be a management key algorithm and `key` and
 * `block` of its lengths (the caller checks; node:crypto throws otherwise).
 */
export function encryptBlock(algorithm: Algorithm, key: Uint8Array, block: Uint8Array): Uint8Array {
  const spec = CIPHERS.get(algorithm);
  if (!spec) throw new RangeError(`algorithm ${algorithm} is not a management key algorithm`);
  const cipher = createCipheriv(spec.name, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}
