import {decodeCommandApdu} from './command.js';
import {decodeTlvs, findTlv} from './tlv.js';
import type {RawTransmit} from './processors/processor.js';

/**
 * Receives one line per APDU exchanged on the wire, after chaining (so chained pieces and GET RESPONSE show):
 * `> 00 A4 04 00 05 A0 00 00 03 08` for a command, `< 61 11 … 90 00` for a response, `! card-removed` for a
 * transport failure. Secrets are already redacted (see {@link redactApdu}).
 */
export type TraceSink = (line: string) => void;

/** VERIFY (SP 800-73-4 Part 2 clause 3.2.1): data is a PIN. */
const INS_VERIFY = 0x20;
/** CHANGE REFERENCE DATA (SP 800-73-4 Part 2 clause 3.2.2): data is the old and new PIN or PUK. */
const INS_CHANGE_REFERENCE_DATA = 0x24;
/** RESET RETRY COUNTER (SP 800-73-4 Part 2 clause 3.2.3): data is the PUK and a new PIN. */
const INS_RESET_RETRY_COUNTER = 0x2c;
/** GENERAL AUTHENTICATE (SP 800-73-4 Part 2 clause 3.2.4): secret with the management key and for ECDH. */
const INS_GENERAL_AUTHENTICATE = 0x87;
/** GET RESPONSE (ISO/IEC 7816-4:2005 clause 7.6.1): continues the previous command's response. */
const INS_GET_RESPONSE = 0xc0;
/** IMPORT KEY (Yubico PIV extension): data is a private key. */
const INS_IMPORT_KEY = 0xfe;
/** SET MANAGEMENT KEY (Yubico PIV extension): data is the new management key. */
const INS_SET_MANAGEMENT_KEY = 0xff;
/**
 * Key reference of the PIV Card Application Administration Key, the management key
 * (docs/piv-card.md section 3).
 */
const KEY_REFERENCE_MANAGEMENT = 0x9b;
/** Dynamic Authentication Template and its exponentiation element (SP 800-73-4 Part 2 clause 3.2.4, ECDH). */
const TAG_DYNAMIC_AUTHENTICATION = 0x7c;
const TAG_EXPONENTIATION = 0x85;

const SECRET_DATA_INS: ReadonlySet<number> = new Set([
  INS_VERIFY,
  INS_CHANGE_REFERENCE_DATA,
  INS_RESET_RETRY_COUNTER,
  INS_IMPORT_KEY,
  INS_SET_MANAGEMENT_KEY,
]);

/**
 * The trace line of a command APDU. The data of VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER, IMPORT KEY,
 * SET MANAGEMENT KEY and of GENERAL AUTHENTICATE with the management key (P2 = 9B) shows as its length only:
 * `> 00 20 00 80 08 [8 bytes redacted]`. Header, Lc and Le stay visible. Pure; never throws.
 */
export function redactApdu(command: Uint8Array): string {
  if (command.length < 4) return `> [${command.length} bytes redacted]`;
  if (!hasSecretData(command)) return `> ${formatHex(command)}`;
  const header = command.subarray(0, 4);
  try {
    const {data} = decodeCommandApdu(command);
    if (data.length === 0) return `> ${formatHex(command)}`;
    const start = data.byteOffset - command.byteOffset;
    const end = start + data.length;
    const parts = [
      formatHex(command.subarray(0, start)),
      redacted(data.length),
      formatHex(command.subarray(end)),
    ];
    return `> ${parts.filter((part) => part !== '').join(' ')}`;
  } catch {
    return `> ${formatHex(header)} ${redacted(command.length - 4)}`;
  }
}

/**
 * Whether the response to `command` is secret: GENERAL AUTHENTICATE with the management key (witness, challenge
 * and response) and ECDH (its answer is a shared secret). Pure; never throws.
 */
export function hasSecretResponse(command: Uint8Array): boolean {
  if (command.length < 4 || command[1] !== INS_GENERAL_AUTHENTICATE) return false;
  if (command[3] === KEY_REFERENCE_MANAGEMENT) return true;
  try {
    const template = findTlv(decodeTlvs(decodeCommandApdu(command).data), TAG_DYNAMIC_AUTHENTICATION);
    return template !== undefined && findTlv(decodeTlvs(template), TAG_EXPONENTIATION) !== undefined;
  } catch {
    return false;
  }
}

/** The trace line of a response APDU: the data redacted when `isSecret`, the status word always shown. Pure. */
export function redactResponse(response: Uint8Array, isSecret: boolean): string {
  if (!isSecret || response.length < 2) return `< ${formatHex(response)}`;
  const dataLength = response.length - 2;
  const sw = formatHex(response.subarray(dataLength));
  return dataLength === 0 ? `< ${sw}` : `< ${redacted(dataLength)} ${sw}`;
}

/**
 * Wraps a raw transmit so every exchange is reported to `sink`, redacted. A GET RESPONSE answer is as secret as
 * the answer of the command it continues. A failure is reported as `! <code>` and rethrown unchanged.
 */
export function traceTransmit(transmit: RawTransmit, sink: TraceSink): RawTransmit {
  let isSecret = false;
  return async (apdu) => {
    if (apdu[1] !== INS_GET_RESPONSE) isSecret = hasSecretResponse(apdu);
    sink(redactApdu(apdu));
    try {
      const response = await transmit(apdu);
      sink(redactResponse(response, isSecret));
      return response;
    } catch (error) {
      sink(`! ${errorLabel(error)}`);
      throw error;
    }
  };
}

/** A trace sink that writes each line and a newline to a stream (for `--trace` and SITHS_TRACE). */
export function streamTraceSink(stream: {write(chunk: string): unknown}): TraceSink {
  return (line) => {
    stream.write(`${line}\n`);
  };
}

function hasSecretData(command: Uint8Array): boolean {
  const ins = command[1]!;
  return (
    SECRET_DATA_INS.has(ins) || (ins === INS_GENERAL_AUTHENTICATE && command[3] === KEY_REFERENCE_MANAGEMENT)
  );
}

function redacted(length: number): string {
  return `[${length} bytes redacted]`;
}

function errorLabel(error: unknown): string {
  if (error instanceof Error)
    return 'code' in error && typeof error.code === 'string' ? error.code : error.name;
  return 'error';
}

function formatHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
}
