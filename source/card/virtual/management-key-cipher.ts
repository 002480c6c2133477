import {createCipheriv} from 'node:crypto';
import type {Algorithm} from '../piv/constants.js';
import {managementKeyCipher} from '../piv/management-key.js';

/**
 * The card side of the management key (9B): one-block ECB encryption with 3DES or AES, as SP 800-73-4 Part 2
 * appendix A.1 and YubiKey 5.4+ use for its challenge-response. The card only ever encrypts: it encrypts its own
 * witness and checks the host's answers by encrypting the challenge it sent. The ciphers are the PIV session's
 * (source/card/piv/management-key.ts).
 */

/**
 * E(K, block): one block encrypted in ECB mode. `algorithm` must be a management key algorithm and `key` and
 * `block` of its lengths (the caller checks; node:crypto throws otherwise).
 */
export function encryptBlock(algorithm: Algorithm, key: Uint8Array, block: Uint8Array): Uint8Array {
  const spec = managementKeyCipher(algorithm);
  if (!spec) throw new RangeError(`algorithm ${algorithm} is not a management key algorithm`);
  const cipher = createCipheriv(spec.name, key, null).setAutoPadding(false);
  return new Uint8Array(Buffer.concat([cipher.update(block), cipher.final()]));
}
