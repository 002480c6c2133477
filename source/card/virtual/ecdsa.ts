import {createECDH, randomBytes} from 'node:crypto';
import {concatBytes, encodeTlv} from '../../apdu/tlv.js';

/**
 * ECDSA over a digest the host computed (FIPS 186-5 clause 6.4.1), which node:crypto cannot do: its `sign` always
 * hashes the input itself. The point multiplication k·G is done by node:crypto's ECDH (the public key of the
 * private value k), the rest is arithmetic modulo the group order n with bigints:
 * r = x(k·G) mod n, s = k⁻¹ (z + r·d) mod n. Not constant-time: this is a simulator, not a token.
 */

/** The curves the card signs with: OpenSSL's ECDH name, the group order n and the field length in bytes. */
export type EcdsaCurve = 'P-256' | 'P-384';

const CURVES: Readonly<
  Record<EcdsaCurve, {readonly ecdhName: string; readonly n: bigint; readonly size: number}>
> = {
  // SEC 2 version 2.0 clauses 2.4.2 (secp256r1) and 2.5.1 (secp384r1).
  'P-256': {
    ecdhName: 'prime256v1',
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
    size: 32,
  },
  'P-384': {
    ecdhName: 'secp384r1',
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
    size: 48,
  },
};

const DER_SEQUENCE = 0x30;
const DER_INTEGER = 0x02;

/**
 * Signs `digest` with the private scalar `d` (big-endian bytes) on `curve`: a DER SEQUENCE { INTEGER r, INTEGER s }.
 * A digest longer than the order is truncated to its leftmost bits, a shorter one read as a big-endian integer
 * (FIPS 186-5 clause 6.4.1 step 2). `random` supplies the nonce bytes (node:crypto's by default).
 */
export function signDigest(
  curve: EcdsaCurve,
  d: Uint8Array,
  digest: Uint8Array,
  random: (size: number) => Uint8Array = (size) => new Uint8Array(randomBytes(size)),
): Uint8Array {
  const {ecdhName, n, size} = CURVES[curve];
  const z = leftmostBits(digest, size * 8) % n;
  const scalar = toBigInt(d);
  for (;;) {
    const k = toBigInt(random(size));
    if (k === 0n || k >= n) continue;
    const ecdh = createECDH(ecdhName);
    ecdh.setPrivateKey(toBytes(k, size));
    // Uncompressed point 04 | X | Y: X is the `size` bytes after the marker.
    const x = toBigInt(ecdh.getPublicKey().subarray(1, 1 + size));
    const r = x % n;
    if (r === 0n) continue;
    const s = (modPow(k, n - 2n, n) * ((z + r * scalar) % n)) % n;
    if (s === 0n) continue;
    return derSequence([derInteger(r), derInteger(s)]);
  }
}

function leftmostBits(digest: Uint8Array, bits: number): bigint {
  const value = toBigInt(digest);
  const excess = digest.length * 8 - bits;
  return excess > 0 ? value >> BigInt(excess) : value;
}

/** base^exponent mod modulus by square-and-multiply; with a prime modulus n, k^(n-2) is k's inverse. */
function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function toBytes(value: bigint, size: number): Uint8Array {
  return new Uint8Array(Buffer.from(value.toString(16).padStart(size * 2, '0'), 'hex'));
}

/** A DER INTEGER of a non-negative value: minimal big-endian bytes, a 00 in front when the top bit is set. */
function derInteger(value: bigint): Uint8Array {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  // BER-TLV with minimal lengths, as the TLV codec writes them, is DER for these primitive and constructed types.
  return encodeTlv(DER_INTEGER, new Uint8Array(Buffer.from(hex, 'hex')));
}

function derSequence(elements: readonly Uint8Array[]): Uint8Array {
  return encodeTlv(DER_SEQUENCE, concatBytes(elements));
}
