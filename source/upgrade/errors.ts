import type {ApduErrorCode, ApduFormatErrorCode, TlvError} from '../apdu/errors.js';
import type {TransportErrorCode} from '../apdu/transports/errors.js';
import type {CardErrorCode} from '../card/errors.js';
import {SithsError} from '../errors.js';
import type {IdentityErrorCode, PkiErrorCode} from '../pki/errors.js';
import type {ServiceErrorCode} from '../service-client/errors.js';
import type {PinRole} from './ports.js';

/**
 * Every failure the engine reports, as plain data the screens render by `code` in an exhaustive switch. Each
 * one is a situation a user can meet; `wayForwardFor` says what they can do about it.
 */
export type EngineError =
  /** The PIN was wrong; `triesLeft` tries remain (1 means the next wrong PIN blocks it). */
  | {readonly code: 'invalid-pin'; readonly triesLeft: number}
  /** The PIN is not 6 to 8 digits: refused before anything was sent to the card, no try was used. */
  | {readonly code: 'pin-format'}
  /** The PIN is blocked: unblock it with the PUK. `role`: which PIN, on a card with two. */
  | {readonly code: 'pin-blocked'; readonly role?: PinRole}
  /** The PUK was wrong; `triesLeft` tries remain. */
  | {readonly code: 'invalid-puk'; readonly triesLeft: number}
  /** The PUK is blocked too: only the card's issuer can help (a new card or a new PUK). */
  | {readonly code: 'puk-blocked'}
  /** The card left the reader while it was in use: re-insert it to continue (running again resumes). */
  | {readonly code: 'card-removed'}
  /** A different card was inserted than the one the operation started with. */
  | {readonly code: 'card-changed'}
  /**
   * Another program reset the card again and again while this tool used it: the engine reconnected and went on a
   * few times (docs/architecture.md, "A card reset"), then gave up.
   */
  | {readonly code: 'card-reset'}
  /** No reader is attached. */
  | {readonly code: 'no-reader'}
  /** The PC/SC daemon (pcscd) is not running. */
  | {readonly code: 'pcscd-not-running'}
  /** pcsc-lite's client library (libpcsclite.so.1) or koffi, through which it is loaded, is missing. */
  | {readonly code: 'pcsclite-missing'}
  /** pcscd refused access (for example polkit refusing an SSH session). */
  | {readonly code: 'access-denied'}
  /** Another program holds the card. */
  | {readonly code: 'reader-busy'}
  /** The card has no PIV application (it is some other card). */
  | {readonly code: 'not-a-piv-card'}
  /** The card is a new SITHS eID card (IDPrime, from 2020): it needs no upgrade. */
  | {readonly code: 'card-already-new'}
  /** The card holds no certificate the service accepts for login. */
  | {readonly code: 'no-login-credential'}
  /**
   * The certificate the card logs in with is revoked (spärrat): the service refuses it, or ended the session it
   * logged in with, and issues nothing more in that session.
   */
  | {readonly code: 'login-certificate-revoked'}
  /** The card refused the management key (wrong key for this card). */
  | {readonly code: 'management-key-rejected'}
  /** The card has no room left for a key or certificate. */
  | {readonly code: 'card-full'}
  /** The card answered with an error the engine has no better name for (`statusWord` as 4 hex digits). */
  | {readonly code: 'card-error'; readonly statusWord?: string}
  /** The service cannot be reached (offline, DNS, connection refused, timeout): retry. */
  | {readonly code: 'service-unreachable'}
  /** The service's TLS certificate does not match the configured service CA. */
  | {readonly code: 'service-tls'}
  /**
   * The issuing CAs the service publishes do not verify up to the configured root (--service-ca); `reason` is
   * the check that failed (e.g. 'signature-invalid', 'certificate-expired'). They were not used.
   */
  | {readonly code: 'service-chain-untrusted'; readonly reason: string}
  /**
   * The service refused to issue for a key the card did not prove it generated (PIV key attestation: none, or not
   * chained to a maker root the service trusts, or another key or slot); `reason` is the service's 'attestation-*'.
   */
  | {readonly code: 'key-not-attested'; readonly reason: string}
  /** The service refused the request; `reason` is its stable reason code (e.g. 'card-not-received'). */
  | {readonly code: 'service-refused'; readonly reason: string}
  /** The service failed (5xx) after the retries. */
  | {readonly code: 'service-error'; readonly status: number}
  /** The service's answer failed a check before anything was written to the card (invariant 5). */
  | {readonly code: 'answer-rejected'; readonly check: AnswerCheck}
  /** The user cancelled; nothing unsafe was left behind, running again resumes. */
  | {readonly code: 'cancelled'}
  /** A fault in this program: the support log holds the details. */
  | {readonly code: 'internal'};

/** Which check of invariant 5 a service answer failed. */
export type AnswerCheck = 'chain' | 'public-key' | 'subject' | 'validity' | 'plan';

/** Every engine error code, for exhaustive tables (catalogues, exit codes). */
export type EngineErrorCode = EngineError['code'];

/** What the user can do next; screens show the text for it beside the error. */
export type WayForward =
  /** Try the same thing again (retry()). */
  | 'retry'
  /** Enter the PIN again. */
  | 'enter-pin-again'
  /** Unblock the PIN with the PUK (menu: Unblock PIN). */
  | 'unblock-with-puk'
  /** Contact the card's issuer (a new PUK or a new card). */
  | 'contact-issuer'
  /** Put the card back in the reader; the operation continues from where it was. */
  | 'reinsert-card'
  /** Insert the card the operation started with. */
  | 'insert-original-card'
  /** Connect a card reader. */
  | 'connect-reader'
  /** Start pcscd (e.g. systemctl start pcscd). */
  | 'start-pcscd'
  /** Install pcsc-lite (pcscd and libpcsclite1). */
  | 'install-pcsclite'
  /** Allow this session to use the reader (polkit rule for pcscd) or run locally. */
  | 'allow-reader-access'
  /** Close the other program that uses the card. */
  | 'close-other-program'
  /** Check the network connection, then retry. */
  | 'check-network'
  /** Contact IT support with the support log. */
  | 'contact-support'
  /** Run the tool again to continue. */
  | 'run-again'
  /** Nothing: the card needs no upgrade. */
  | 'nothing-to-do';

/** The way forward for each error. Pure; screens may call it too. */
export function wayForwardFor(error: EngineError): WayForward {
  switch (error.code) {
    case 'invalid-pin':
    case 'pin-format':
    case 'invalid-puk':
      return 'enter-pin-again';
    case 'pin-blocked':
      return 'unblock-with-puk';
    case 'puk-blocked':
    case 'no-login-credential':
    case 'login-certificate-revoked':
    case 'management-key-rejected':
      return 'contact-issuer';
    case 'key-not-attested':
      return 'contact-support';
    case 'card-removed':
      return 'reinsert-card';
    case 'card-changed':
      return 'insert-original-card';
    case 'no-reader':
      return 'connect-reader';
    case 'pcscd-not-running':
      return 'start-pcscd';
    case 'pcsclite-missing':
      return 'install-pcsclite';
    case 'access-denied':
      return 'allow-reader-access';
    case 'reader-busy':
    case 'card-reset':
      return 'close-other-program';
    case 'service-unreachable':
      return 'check-network';
    case 'service-error':
    case 'card-error':
      return 'retry';
    case 'not-a-piv-card':
    case 'card-full':
    case 'service-tls':
    case 'service-chain-untrusted':
    case 'service-refused':
    case 'answer-rejected':
    case 'internal':
      return 'contact-support';
    case 'cancelled':
      return 'run-again';
    case 'card-already-new':
      return 'nothing-to-do';
  }
}

/**
 * Thrown inside the engine (and by the engine's helpers) to carry an EngineError to the point where it becomes a
 * `failed` event. `code` is the EngineError's code.
 */
export class UpgradeError extends SithsError<EngineErrorCode> {
  override readonly name = 'UpgradeError';
  constructor(
    readonly error: EngineError,
    message: string,
    options?: {cause?: unknown},
  ) {
    super(error.code, message, options);
  }
}

/**
 * The codes of the errors the engine's ports throw, by the layer that throws them: the transport (reader, card
 * presence, pcscd), the APDU layer (a status word with no better meaning, a malformed command or answer), the card
 * layer (PIN, PUK, management key, card contents), the service client and the PKI code. `engineErrorOf` maps each
 * one through the tables below, which the compiler checks are complete: a code added to a layer's union fails to
 * compile until it is mapped here.
 */
export type PortErrorCode =
  TransportErrorCode | ApduLayerErrorCode | CardErrorCode | ServiceErrorCode | PkiLayerErrorCode;

type ApduLayerErrorCode = ApduErrorCode | ApduFormatErrorCode | TlvError['code'];
type PkiLayerErrorCode = PkiErrorCode | IdentityErrorCode;

/** How one port error becomes an EngineError. */
type Translation = (error: SithsError) => EngineError;

/** Reads a numeric field of an error object, when it has one. */
function numberField(error: object, field: string): number | undefined {
  const value = (error as Record<string, unknown>)[field];
  return typeof value === 'number' ? value : undefined;
}

/** The engine error `code`, whatever the port error held. */
const toCode =
  (code: EngineErrorCodeWithoutFields): Translation =>
  () => ({code});

/** A card error with the status word (4 upper-case hex digits) when the error carries one (ApduError `sw`). */
const cardError: Translation = (error) => {
  const sw = numberField(error, 'sw');
  return sw === undefined
    ? {code: 'card-error'}
    : {code: 'card-error', statusWord: sw.toString(16).toUpperCase().padStart(4, '0')};
};

/** A status word the card layer gave no meaning: a card error; without one, a fault of this program. */
const cardErrorOrInternal: Translation = (error) =>
  numberField(error, 'sw') === undefined ? {code: 'internal'} : cardError(error);

/** The engine error codes whose fields are all optional: `{code}` alone is such an error. */
type EngineErrorCodeWithoutFields = {
  [Code in EngineErrorCode]: {readonly code: Code} extends Extract<EngineError, {code: Code}> ? Code : never;
}[EngineErrorCode];

const TRANSPORT: Readonly<Record<TransportErrorCode, Translation>> = {
  'pcscd-not-running': toCode('pcscd-not-running'),
  'pcsclite-missing': toCode('pcsclite-missing'),
  'no-reader': toCode('no-reader'),
  'no-card': toCode('card-removed'),
  'card-removed': toCode('card-removed'),
  'card-reset': toCode('card-reset'),
  'access-denied': toCode('access-denied'),
  'reader-busy': toCode('reader-busy'),
  'transport-failed': toCode('card-error'),
};

const CARD: Readonly<Record<CardErrorCode, Translation>> = {
  'invalid-pin': (error) => ({code: 'invalid-pin', triesLeft: numberField(error, 'triesLeft') ?? 0}),
  'pin-blocked': toCode('pin-blocked'),
  'invalid-puk': (error) => ({code: 'invalid-puk', triesLeft: numberField(error, 'triesLeft') ?? 0}),
  'puk-blocked': toCode('puk-blocked'),
  'pin-format': toCode('pin-format'),
  // The engine verifies the PIN and authenticates the management key before the commands that need them:
  // meeting these two is a fault of this program.
  'pin-required': toCode('internal'),
  'management-key-required': toCode('internal'),
  'not-a-piv-card': toCode('not-a-piv-card'),
  'card-already-new': toCode('card-already-new'),
  'management-key-rejected': toCode('management-key-rejected'),
  'card-full': toCode('card-full'),
  'slot-empty': toCode('card-error'),
  'card-feature-unsupported': toCode('card-error'),
  'card-data-malformed': toCode('card-error'),
};

const SERVICE: Readonly<Record<ServiceErrorCode, Translation>> = {
  'service-unreachable': toCode('service-unreachable'),
  'service-tls': toCode('service-tls'),
  'service-refused': (error) => {
    const reason = (error as {reason?: string}).reason ?? 'unknown';
    // At login, or on any request of a session whose login certificate was revoked meanwhile.
    if (reason === 'certificate-revoked' || reason === 'session-certificate-revoked')
      return {code: 'login-certificate-revoked'};
    if (reason.startsWith('attestation-')) return {code: 'key-not-attested', reason};
    return {code: 'service-refused', reason};
  },
  'service-error': (error) => ({code: 'service-error', status: numberField(error, 'status') ?? 0}),
  'service-answer-malformed': (error) => ({code: 'service-error', status: numberField(error, 'status') ?? 0}),
  'service-chain-untrusted': (error) => ({
    code: 'service-chain-untrusted',
    reason: (error as {reason?: string}).reason ?? 'unknown',
  }),
};

/** Status words the card layer gave no meaning, and malformed commands or answers. */
const APDU: Readonly<Record<ApduLayerErrorCode, Translation>> = {
  'verification-failed': cardErrorOrInternal,
  'memory-failure': cardErrorOrInternal,
  'wrong-length': cardErrorOrInternal,
  'cla-function-not-supported': cardErrorOrInternal,
  'security-status-not-satisfied': cardErrorOrInternal,
  'auth-method-blocked': cardErrorOrInternal,
  'data-invalid': cardErrorOrInternal,
  'conditions-not-satisfied': cardErrorOrInternal,
  'command-not-allowed': cardErrorOrInternal,
  'wrong-data': cardErrorOrInternal,
  'function-not-supported': cardErrorOrInternal,
  'not-found': cardErrorOrInternal,
  // 6A84: no room for the object or key.
  'not-enough-memory': toCode('card-full'),
  'wrong-p1p2': cardErrorOrInternal,
  'reference-not-found': cardErrorOrInternal,
  'wrong-le': cardErrorOrInternal,
  'ins-not-supported': cardErrorOrInternal,
  'cla-not-supported': cardErrorOrInternal,
  'no-precise-diagnosis': cardErrorOrInternal,
  'unexpected-status': cardErrorOrInternal,
  'command-out-of-range': cardErrorOrInternal,
  'command-malformed': cardErrorOrInternal,
  'response-malformed': cardErrorOrInternal,
  'response-too-long': cardErrorOrInternal,
  'tlv-malformed': cardErrorOrInternal,
};

/** Certificates, requests and identities this program could not read or make: a fault of this program. */
const PKI: Readonly<Record<PkiLayerErrorCode, Translation>> = {
  'certificate-malformed': cardErrorOrInternal,
  'request-malformed': cardErrorOrInternal,
  'crl-malformed': cardErrorOrInternal,
  'request-signature-invalid': cardErrorOrInternal,
  'signature-invalid': cardErrorOrInternal,
  'chain-untrusted': cardErrorOrInternal,
  'certificate-expired': cardErrorOrInternal,
  'certificate-not-yet-valid': cardErrorOrInternal,
  'key-unsupported': cardErrorOrInternal,
  'signature-algorithm-unsupported': cardErrorOrInternal,
  'key-mismatch': cardErrorOrInternal,
  'serial-number-invalid': cardErrorOrInternal,
  'name-invalid': cardErrorOrInternal,
  'validity-invalid': cardErrorOrInternal,
  'derivation-input-invalid': cardErrorOrInternal,
  'hsa-id-malformed': cardErrorOrInternal,
  'personnummer-malformed': cardErrorOrInternal,
  'personnummer-date': cardErrorOrInternal,
  'personnummer-checksum': cardErrorOrInternal,
};

const TRANSLATIONS: Readonly<Record<PortErrorCode, Translation>> = {
  ...APDU,
  ...PKI,
  ...TRANSPORT,
  ...CARD,
  ...SERVICE,
};

/**
 * Translates whatever a port threw into an EngineError, once, by the stable `code` of the layer that knows
 * its meaning (transport, card, service); anything else is 'internal' (or a card error when it carries a status
 * word).
 */
export function engineErrorOf(error: unknown): EngineError {
  if (error instanceof UpgradeError) return error.error;
  if (!(error instanceof SithsError)) return {code: 'internal'};
  const code: string = error.code;
  return Object.hasOwn(TRANSLATIONS, code)
    ? TRANSLATIONS[code as PortErrorCode](error)
    : cardErrorOrInternal(error);
}

/** Status words a card answers after another program reset it: nothing selected (6D00, 6E00), nothing verified (6982). */
const RESET_STATUS_WORDS: ReadonlySet<number> = new Set([0x6d00, 0x6e00, 0x6982]);

/**
 * Whether `error` may mean that another program reset the card (docs/architecture.md, "A card reset"): the transport
 * says so (TransportError 'card-reset'), or the card answers as a reset card does when the reset went unreported:
 * the applet not selected (6D00, 6E00) or what was verified forgotten (6982, and the card layer's 'pin-required'
 * and 'management-key-required', which the engine never meets otherwise: it verifies before the commands), also
 * where the card layer read such an answer as a feature the card lacks (its `cause`).
 */
export function isCardResetSign(error: unknown): boolean {
  if (!(error instanceof SithsError) || error instanceof UpgradeError) return false;
  const code: string = error.code;
  if (code === 'card-reset' || code === 'pin-required' || code === 'management-key-required') return true;
  for (let cause: unknown = error, depth = 0; cause instanceof SithsError && depth < 3; depth++) {
    const sw = numberField(cause, 'sw');
    if (sw !== undefined && RESET_STATUS_WORDS.has(sw)) return true;
    cause = cause.cause;
  }
  return false;
}

/** Whether the transport reported that another program reset the card (TransportError 'card-reset'). */
export function isCardResetReported(error: unknown): boolean {
  return error instanceof SithsError && !(error instanceof UpgradeError) && error.code === 'card-reset';
}
