import {PinFormatError} from '../errors.js';

/**
 * PIN and PUK as the card takes them (SP 800-73-4 Part 2 clause 2.4.3): 8 bytes, the characters followed by FF
 * padding. A PIN is 6 to 8 ASCII digits; a PUK 6 to 8 ASCII characters (the standard allows any 8 bytes, the
 * YubiKey tools pad shorter ones). The form is checked here, before anything is sent, so a typing mistake costs
 * no try.
 *
 * Buffers: a PIN or PUK comes in as a Uint8Array of ASCII characters that the caller owns and zeroes, or as a
 * string (converted at once; a string cannot be zeroed, so prefer bytes). Every copy made here is zeroed by the
 * caller of {@link withReferenceData} as soon as the APDU is sent.
 */
export type Secret = Uint8Array | string;

/** Length of a PIN or PUK reference data block (SP 800-73-4 Part 2 clause 2.4.3). */
export const REFERENCE_DATA_LENGTH = 8;
/** What fills a reference data block after the PIN's or PUK's characters (SP 800-73-4 Part 2 clause 2.4.3). */
export const REFERENCE_DATA_PADDING = 0xff;
/** The fewest characters of a PIN or PUK (SP 800-73-4 Part 2 clause 2.4.3; the YubiKey takes no fewer for a PUK). */
export const MIN_REFERENCE_DATA_CHARACTERS = 6;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const PRINTABLE_FIRST = 0x20;
const PRINTABLE_LAST = 0x7e;

/**
 * Runs `work` with the padded 8-byte forms of `secrets` (checked in order, each against its kind), then zeroes
 * them whatever `work` did. Throws PinFormatError (`pin-format`) before calling `work` when one is malformed.
 */
export async function withReferenceData<T>(
  secrets: ReadonlyArray<readonly [kind: 'pin' | 'puk', secret: Secret]>,
  work: (padded: Uint8Array[]) => Promise<T>,
): Promise<T> {
  const padded: Uint8Array[] = [];
  try {
    for (const [kind, secret] of secrets) padded.push(padReferenceData(kind, secret));
    return await work(padded);
  } finally {
    for (const block of padded) block.fill(0);
  }
}

/** Whether `secret` has the form of a PIN (6-8 ASCII digits) or a PUK (6-8 printable ASCII characters). */
export function isWellFormed(kind: 'pin' | 'puk', secret: Secret): boolean {
  const length = secret.length;
  if (length < MIN_REFERENCE_DATA_CHARACTERS || length > REFERENCE_DATA_LENGTH) return false;
  for (let index = 0; index < length; index++) {
    const code = typeof secret === 'string' ? secret.charCodeAt(index) : secret[index]!;
    const isAllowed =
      kind === 'pin' ? code >= DIGIT_0 && code <= DIGIT_9 : code >= PRINTABLE_FIRST && code <= PRINTABLE_LAST;
    if (!isAllowed) return false;
  }
  return true;
}

function padReferenceData(kind: 'pin' | 'puk', secret: Secret): Uint8Array {
  if (!isWellFormed(kind, secret)) throw new PinFormatError(kind);
  const block = new Uint8Array(REFERENCE_DATA_LENGTH).fill(REFERENCE_DATA_PADDING);
  for (let index = 0; index < secret.length; index++)
    block[index] = typeof secret === 'string' ? secret.charCodeAt(index) : secret[index]!;
  return block;
}
