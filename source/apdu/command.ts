import {ApduFormatError} from './errors.js';

/**
 * A command APDU (ISO/IEC 7816-4:2005 clause 5.1). `data` absent or empty means no command data (no Lc);
 * `le` is Ne, the most response bytes expected: undefined means no Le field, 256 is the short "00", up to
 * 65536 (extended "00 00"). Le 0 does not exist: leave `le` undefined instead.
 */
export interface CommandApdu {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  readonly data?: Uint8Array;
  readonly le?: number;
}

/** A command APDU as decoded from the wire: data always present (empty when none) and the length form used. */
export interface DecodedCommandApdu extends CommandApdu {
  readonly data: Uint8Array;
  readonly isExtended: boolean;
}

/** A response APDU: the response data and SW1 SW2 as one number (0x9000). */
export interface ResponseApdu {
  readonly data: Uint8Array;
  readonly sw: number;
}

/**
 * How lengths are encoded: `short` (Lc 1-255, Le 1-256), `extended` (Lc 1-65535, Le 1-65536) or `auto`
 * (short when it fits, extended otherwise).
 */
export type LengthForm = 'short' | 'extended' | 'auto';

/** Most command data bytes in a short APDU (Lc one byte). */
export const SHORT_MAX_LC = 255;
/** Most response bytes a short APDU asks for (Le 00). */
export const SHORT_MAX_LE = 256;
/** Most command data bytes in an extended APDU (Lc two bytes). */
export const EXTENDED_MAX_LC = 65_535;
/** Most response bytes an extended APDU asks for (Le 00 00). */
export const EXTENDED_MAX_LE = 65_536;
/** CLA bit b5: this command is not the last of a chain (ISO/IEC 7816-4:2005 clause 5.1.1.1). */
export const CLA_CHAINING = 0x10;

const HEADER_LENGTH = 4;

/**
 * Encodes a command APDU in one of the four cases of ISO/IEC 7816-4:2005 clause 5.1 (table 4): 1 (header
 * only), 2 (Le), 3 (Lc and data), 4 (Lc, data and Le), short or extended. In the extended form Lc is 00 followed
 * by two bytes, and Le is two bytes after Lc or 00 followed by two bytes when there is no data; Le 65536 is 00 00.
 * Throws ApduFormatError `command-out-of-range` when a header field is not a byte, Le is not 1-65536, or the
 * data or Le do not fit the form asked for.
 */
export function encodeCommandApdu(command: CommandApdu, form: LengthForm = 'auto'): Uint8Array {
  const {cla, ins, p1, p2, le} = command;
  const data = command.data ?? new Uint8Array();
  for (const [field, value] of [
    ['CLA', cla],
    ['INS', ins],
    ['P1', p1],
    ['P2', p2],
  ] as const) {
    if (!isByte(value)) throw new ApduFormatError('command-out-of-range', `${field} ${value} is not a byte`);
  }
  if (le !== undefined && (!Number.isInteger(le) || le < 1 || le > EXTENDED_MAX_LE))
    throw new ApduFormatError('command-out-of-range', `Le ${le} is not 1-${EXTENDED_MAX_LE}`);
  if (data.length > EXTENDED_MAX_LC)
    throw new ApduFormatError('command-out-of-range', `${data.length} data bytes exceed ${EXTENDED_MAX_LC}`);
  const fitsShort = data.length <= SHORT_MAX_LC && (le ?? 0) <= SHORT_MAX_LE;
  if (form === 'short' && !fitsShort)
    throw new ApduFormatError(
      'command-out-of-range',
      `${data.length} data bytes and Le ${le ?? 'absent'} do not fit a short APDU`,
    );
  const isExtended = form === 'extended' || (form === 'auto' && !fitsShort);

  const lc = data.length === 0 ? [] : isExtended ? [0, data.length >> 8, data.length & 0xff] : [data.length];
  let leBytes: number[] = [];
  if (le !== undefined) {
    if (!isExtended) leBytes = [le & 0xff];
    else if (data.length === 0) leBytes = [0, (le >> 8) & 0xff, le & 0xff];
    else leBytes = [(le >> 8) & 0xff, le & 0xff];
  }
  const out = new Uint8Array(HEADER_LENGTH + lc.length + data.length + leBytes.length);
  out.set([cla, ins, p1, p2], 0);
  out.set(lc, HEADER_LENGTH);
  out.set(data, HEADER_LENGTH + lc.length);
  out.set(leBytes, HEADER_LENGTH + lc.length + data.length);
  return out;
}

/**
 * Decodes command APDU bytes by the rules of ISO/IEC 7816-4:2005 clause 5.1: after the header, one byte is a
 * short Le; a non-zero first byte B1 is a short Lc followed by B1 data bytes and an optional short Le; a zero
 * B1 starts an extended Lc or Le. `data` is a view into `bytes`. Throws ApduFormatError `command-malformed` for
 * bytes that fit none of the cases.
 */
export function decodeCommandApdu(bytes: Uint8Array): DecodedCommandApdu {
  if (bytes.length < HEADER_LENGTH)
    throw new ApduFormatError('command-malformed', `${bytes.length} bytes are shorter than a header`);
  const header = {cla: bytes[0]!, ins: bytes[1]!, p1: bytes[2]!, p2: bytes[3]!};
  const body = bytes.subarray(HEADER_LENGTH);
  const empty = body.subarray(0, 0);
  if (body.length === 0) return {...header, data: empty, isExtended: false};
  if (body.length === 1) return {...header, data: empty, le: body[0]! || SHORT_MAX_LE, isExtended: false};
  const b1 = body[0]!;
  if (b1 !== 0) {
    const data = body.subarray(1, 1 + b1);
    if (body.length === 1 + b1) return {...header, data, isExtended: false};
    if (body.length === 2 + b1)
      return {...header, data, le: body[1 + b1]! || SHORT_MAX_LE, isExtended: false};
  } else if (body.length >= 3) {
    const n = (body[1]! << 8) | body[2]!;
    if (body.length === 3) return {...header, data: empty, le: n || EXTENDED_MAX_LE, isExtended: true};
    if (n !== 0) {
      const data = body.subarray(3, 3 + n);
      if (body.length === 3 + n) return {...header, data, isExtended: true};
      if (body.length === 5 + n) {
        const le = (body[3 + n]! << 8) | body[4 + n]!;
        return {...header, data, le: le || EXTENDED_MAX_LE, isExtended: true};
      }
    }
  }
  throw new ApduFormatError(
    'command-malformed',
    `a body of ${body.length} bytes fits none of the four cases`,
  );
}

/**
 * Splits response bytes into data and SW1 SW2. `data` is a view into `bytes`. Throws ApduFormatError
 * `response-malformed` when there are fewer than two bytes.
 */
export function decodeResponseApdu(bytes: Uint8Array): ResponseApdu {
  if (bytes.length < 2)
    throw new ApduFormatError('response-malformed', `a response of ${bytes.length} bytes has no status word`);
  const end = bytes.length - 2;
  return {data: bytes.subarray(0, end), sw: (bytes[end]! << 8) | bytes[end + 1]!};
}

/** Encodes a response: data followed by SW1 SW2. Throws ApduFormatError `response-malformed` if sw is not 16 bits. */
export function encodeResponseApdu(response: ResponseApdu): Uint8Array {
  const {data, sw} = response;
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff)
    throw new ApduFormatError('response-malformed', `status word ${sw} is not 16 bits`);
  const out = new Uint8Array(data.length + 2);
  out.set(data, 0);
  out[data.length] = sw >> 8;
  out[data.length + 1] = sw & 0xff;
  return out;
}

function isByte(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xff;
}
