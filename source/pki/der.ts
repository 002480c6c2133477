import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/**
 * The few DER building blocks every PKI file needs: decoding a whole buffer, the X.509 Time choice, and INTEGER
 * serial numbers as lower-case hex.
 */

/** Decodes exactly one DER element filling `bytes`. Returns undefined when it does not parse or has trailing bytes. */
export function decodeDer(bytes: Uint8Array): asn1js.AsnType | undefined {
  const decoded = asn1js.fromBER(bytes);
  if (decoded.offset === -1 || decoded.offset !== bytes.length || decoded.result.error) return undefined;
  return decoded.result;
}

/**
 * An X.509 Time (RFC 5280 4.1.2.5): UTCTime for 1950 through 2049, GeneralizedTime otherwise, both to the whole
 * second (fractions are not allowed).
 */
export function encodeTime(date: Date): pkijs.Time {
  const seconds = new Date(Math.floor(date.getTime() / 1000) * 1000);
  const year = seconds.getUTCFullYear();
  return new pkijs.Time({type: year >= 1950 && year < 2050 ? 0 : 1, value: seconds});
}

/** The content octets of an INTEGER as lower-case hex without leading zero octets ("00" for zero). */
export function integerHex(value: asn1js.Integer): string {
  const hex = Buffer.from(value.valueBlock.valueHexView).toString('hex');
  return hex.replace(/^(00)+(?=[0-9a-f]{2})/, '');
}

/**
 * An INTEGER holding a positive serial number from its octets (leading zeros stripped, one added when the high
 * bit is set). Returns undefined for an empty or all-zero value or one longer than 20 octets (RFC 5280 4.1.2.2).
 */
export function serialInteger(octets: Uint8Array): asn1js.Integer | undefined {
  let start = 0;
  while (start < octets.length && octets[start] === 0) start += 1;
  const significant = octets.subarray(start);
  if (significant.length === 0) return undefined;
  const content = (significant[0]! & 0x80) === 0 ? significant : Uint8Array.of(0, ...significant);
  if (content.length > 20) return undefined;
  return new asn1js.Integer({valueHex: content});
}
