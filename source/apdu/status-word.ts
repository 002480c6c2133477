/**
 * Status words (SW1 SW2) of ISO/IEC 7816-4:2005 clause 5.1.3 (tables 5 and 6) that PIV cards use (SP 800-73-4
 * Part 2, appendix A). The families 61xx, 6Cxx and 63Cx carry a number in SW2 (or its low nibble): read them
 * with {@link moreDataLength}, {@link exactLength} and {@link triesLeft}, not by enum equality.
 * `StatusWord[sw]` gives the readable name of a fixed status word, for logs.
 */
export enum StatusWord {
  Success = 0x9000,
  /** Verification failed, no counter given. 63Cx gives the tries left: see {@link triesLeft}. */
  VerificationFailed = 0x6300,
  MemoryFailure = 0x6581,
  WrongLength = 0x6700,
  /** The card does not support logical channels. */
  LogicalChannelNotSupported = 0x6881,
  SecureMessagingNotSupported = 0x6882,
  LastCommandOfChainExpected = 0x6883,
  CommandChainingNotSupported = 0x6884,
  /** The command does not fit the structure of the selected file (READ BINARY on a key file). */
  IncompatibleFileStructure = 0x6981,
  /** PIN or management key missing, or a wrong management key response. */
  SecurityStatusNotSatisfied = 0x6982,
  /** PIN or PUK blocked: the retry counter is at zero. */
  AuthMethodBlocked = 0x6983,
  /** Reference data not usable. */
  DataInvalid = 0x6984,
  ConditionsNotSatisfied = 0x6985,
  CommandNotAllowed = 0x6986,
  /** Bad data field: a malformed PIN or TLV. */
  WrongData = 0x6a80,
  FunctionNotSupported = 0x6a81,
  /** Object, file or application not found. */
  NotFound = 0x6a82,
  NotEnoughMemory = 0x6a84,
  /** Incorrect P1 or P2. */
  IncorrectP1P2 = 0x6a86,
  /** Referenced data (a key or PIN reference) not found. */
  ReferenceNotFound = 0x6a88,
  /** CREATE FILE: a file with that identifier exists already. */
  FileExists = 0x6a89,
  WrongP1P2 = 0x6b00,
  InsNotSupported = 0x6d00,
  ClaNotSupported = 0x6e00,
  NoPreciseDiagnosis = 0x6f00,
}

/** SW1 of "more data available": SW2 bytes are still waiting, to be fetched with GET RESPONSE. */
const SW1_MORE_DATA = 0x61;
/** SW1 of "wrong Le field": SW2 gives the exact Ne; re-send with Le = SW2. */
const SW1_WRONG_LE = 0x6c;
/** SW1 SW2 high nibble of "verification failed, X tries left" (63Cx). */
const SW_TRIES_LEFT_BASE = 0x63c0;

/** For 61xx, how many bytes are waiting (61 00 means 256 or more); otherwise undefined. */
export function moreDataLength(sw: number): number | undefined {
  return sw >> 8 === SW1_MORE_DATA ? sw & 0xff || 256 : undefined;
}

/** For 6Cxx, the Le to re-send the command with (6C 00 means 256); otherwise undefined. */
export function exactLength(sw: number): number | undefined {
  return sw >> 8 === SW1_WRONG_LE ? sw & 0xff || 256 : undefined;
}

/**
 * For 63Cx, the tries left (0-15); otherwise undefined. A blocked reference answers 6983 instead
 * ({@link StatusWord.AuthMethodBlocked}); 6300 gives no count.
 */
export function triesLeft(sw: number): number | undefined {
  return (sw & 0xfff0) === SW_TRIES_LEFT_BASE ? sw & 0x0f : undefined;
}

/** The card's side of {@link moreDataLength}: 61xx for `remaining` bytes waiting, 61 00 for 256 or more. */
export function moreDataStatusWord(remaining: number): number {
  return (SW1_MORE_DATA << 8) | (Math.min(remaining, 256) & 0xff);
}

/** The card's side of {@link exactLength}: 6Cxx asking for Le = `length` (1 to 256; 6C 00 means 256). */
export function exactLengthStatusWord(length: number): number {
  return (SW1_WRONG_LE << 8) | (length & 0xff);
}

/** The card's side of {@link triesLeft}: 63Cx, x the tries left; the nibble holds at most 15, so more shows as 15. */
export function triesLeftStatusWord(tries: number): number {
  return SW_TRIES_LEFT_BASE | Math.min(tries, 0x0f);
}

/** The status word as four hex digits with its meaning, for messages and traces: "6A82 NotFound", "63C2 2 tries left". */
export function describeStatusWord(sw: number): string {
  const hex = sw.toString(16).toUpperCase().padStart(4, '0');
  const more = moreDataLength(sw);
  if (more !== undefined) return `${hex} ${sw & 0xff ? more : '256 or more'} bytes waiting`;
  const exact = exactLength(sw);
  if (exact !== undefined) return `${hex} wrong Le, exact length ${exact}`;
  const tries = triesLeft(sw);
  if (tries !== undefined) return `${hex} ${tries} ${tries === 1 ? 'try' : 'tries'} left`;
  const name = StatusWord[sw];
  return name === undefined ? hex : `${hex} ${name}`;
}
