import {SithsError} from '../errors.js';
import {describeStatusWord, exactLength, StatusWord, triesLeft} from './status-word.js';

/** A BER-TLV structure that does not parse: truncated, overlong, or a length form we do not accept. */
export class TlvError extends SithsError<'tlv-malformed'> {
  override readonly name = 'TlvError';
  constructor(
    message: string,
    /** Offset in the input where decoding failed. */
    readonly offset: number,
  ) {
    super('tlv-malformed', `${message} at offset ${offset}`);
  }
}

/** What an APDU that cannot be encoded or parsed got wrong. */
export type ApduFormatErrorCode =
  /** A command field is out of range: CLA/INS/P1/P2 not a byte, Lc or Le too large for the length form. */
  | 'command-out-of-range'
  /** Command bytes that follow none of the four cases of ISO/IEC 7816-4 clause 5.1. */
  | 'command-malformed'
  /** Response bytes without SW1 SW2, or a card that keeps answering 61xx without sending data. */
  | 'response-malformed'
  /** A chained response longer than the protocol accepts. */
  | 'response-too-long';

/** An APDU that cannot be encoded or parsed. Messages give lengths and fields, never command data. */
export class ApduFormatError extends SithsError<ApduFormatErrorCode> {
  override readonly name = 'ApduFormatError';
}

/**
 * The meaning of a status word other than 9000, one code per meaning (ISO/IEC 7816-4:2005 clause 5.1.3). The
 * layer that knows what a command means translates further (the PIV session turns 'verification-failed' into
 * a wrong-PIN error).
 */
export type ApduErrorCode =
  /** 6300 or 63Cx: the PIN, PUK or key did not verify; `triesLeft` is set for 63Cx. */
  | 'verification-failed'
  /** 6581: the card's memory failed while writing. */
  | 'memory-failure'
  /** 6700: Lc or Le wrong for this command. */
  | 'wrong-length'
  /** 6881, 6882, 6883, 6884: logical channels, secure messaging or command chaining not supported as used. */
  | 'cla-function-not-supported'
  /** 6982: PIN or management key authentication missing, or a wrong management key response. */
  | 'security-status-not-satisfied'
  /** 6983: PIN or PUK blocked. */
  | 'auth-method-blocked'
  /** 6984: reference data not usable. */
  | 'data-invalid'
  /** 6985: conditions of use not satisfied. */
  | 'conditions-not-satisfied'
  /** 6986: command not allowed. */
  | 'command-not-allowed'
  /** 6A80: bad data field (malformed PIN or TLV). */
  | 'wrong-data'
  /** 6A81: function not supported. */
  | 'function-not-supported'
  /** 6A82: object or application not found. */
  | 'not-found'
  /** 6A84: not enough memory on the card. */
  | 'not-enough-memory'
  /** 6A86, 6B00: P1 or P2 wrong. */
  | 'wrong-p1p2'
  /** 6A88: key or PIN reference not found. */
  | 'reference-not-found'
  /** 6Cxx (after the one re-send with the card's Le): wrong Le. */
  | 'wrong-le'
  /** 6D00: instruction not supported. */
  | 'ins-not-supported'
  /** 6E00: class not supported. */
  | 'cla-not-supported'
  /** 6F00: no precise diagnosis. */
  | 'no-precise-diagnosis'
  /** Any status word not listed above. */
  | 'unexpected-status';

const CODE_BY_STATUS_WORD: ReadonlyMap<number, ApduErrorCode> = new Map<StatusWord, ApduErrorCode>([
  [StatusWord.VerificationFailed, 'verification-failed'],
  [StatusWord.MemoryFailure, 'memory-failure'],
  [StatusWord.WrongLength, 'wrong-length'],
  [StatusWord.LogicalChannelNotSupported, 'cla-function-not-supported'],
  [StatusWord.SecureMessagingNotSupported, 'cla-function-not-supported'],
  [StatusWord.LastCommandOfChainExpected, 'cla-function-not-supported'],
  [StatusWord.CommandChainingNotSupported, 'cla-function-not-supported'],
  [StatusWord.SecurityStatusNotSatisfied, 'security-status-not-satisfied'],
  [StatusWord.AuthMethodBlocked, 'auth-method-blocked'],
  [StatusWord.DataInvalid, 'data-invalid'],
  [StatusWord.ConditionsNotSatisfied, 'conditions-not-satisfied'],
  [StatusWord.CommandNotAllowed, 'command-not-allowed'],
  [StatusWord.WrongData, 'wrong-data'],
  [StatusWord.FunctionNotSupported, 'function-not-supported'],
  [StatusWord.NotFound, 'not-found'],
  [StatusWord.NotEnoughMemory, 'not-enough-memory'],
  [StatusWord.IncorrectP1P2, 'wrong-p1p2'],
  [StatusWord.WrongP1P2, 'wrong-p1p2'],
  [StatusWord.ReferenceNotFound, 'reference-not-found'],
  [StatusWord.InsNotSupported, 'ins-not-supported'],
  [StatusWord.ClaNotSupported, 'cla-not-supported'],
  [StatusWord.NoPreciseDiagnosis, 'no-precise-diagnosis'],
]);

/** The error code that a status word other than 9000 means. */
export function apduErrorCodeFor(sw: number): ApduErrorCode {
  if (triesLeft(sw) !== undefined) return 'verification-failed';
  if (exactLength(sw) !== undefined) return 'wrong-le';
  return CODE_BY_STATUS_WORD.get(sw) ?? 'unexpected-status';
}

/**
 * A command the card answered with a status word other than 9000. Holds the status word and the instruction
 * byte, never the command data (which may be a PIN or key).
 */
export class ApduError extends SithsError<ApduErrorCode> {
  override readonly name = 'ApduError';
  /** For 63Cx, the tries left (0-15); otherwise undefined. */
  readonly triesLeft: number | undefined;
  constructor(
    /** SW1 SW2 as one number, e.g. 0x6a82. */
    readonly sw: number,
    /** The instruction byte (INS) of the failing command. */
    readonly ins: number,
  ) {
    const insHex = ins.toString(16).toUpperCase().padStart(2, '0');
    super(apduErrorCodeFor(sw), `INS ${insHex} failed: ${describeStatusWord(sw)}`);
    this.triesLeft = triesLeft(sw);
  }
}
