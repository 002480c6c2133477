import {createHash} from 'node:crypto';
import {concatBytes} from '../apdu/tlv.js';

/**
 * The DigestInfo of a SHA-256 hash (RFC 8017 section 9.2, note 1), what an RSA PKCS#1 v1.5 signature signs: the PIV
 * card gets it inside the whole padded block, the EID card gets it as it is and pads it itself.
 */

/** SEQUENCE { SEQUENCE { OID 2.16.840.1.101.3.4.2.1, NULL }, OCTET STRING (32) }. */
const SHA256_DIGEST_INFO_PREFIX = Uint8Array.of(
  ...[0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00],
  ...[0x04, 0x20],
);

/** The DigestInfo of the SHA-256 hash of `toBeSigned`. */
export function sha256DigestInfo(toBeSigned: Uint8Array): Uint8Array {
  return concatBytes([
    SHA256_DIGEST_INFO_PREFIX,
    new Uint8Array(createHash('sha256').update(toBeSigned).digest()),
  ]);
}
