import {SithsError} from '../errors.js';

/**
 * The card layer's errors: what a card's status word means for the command that got it, translated once where
 * that meaning is known (the PIV session). Codes match the engine's error codes where the engine shows them
 * (source/upgrade/errors.ts). Messages never hold PINs, PUKs or key material.
 */
export type CardErrorCode =
  | 'invalid-pin'
  | 'pin-blocked'
  | 'invalid-puk'
  | 'puk-blocked'
  | 'pin-format'
  | 'pin-required'
  | 'not-a-piv-card'
  | 'card-already-new'
  | 'management-key-rejected'
  | 'management-key-required'
  | 'card-full'
  | 'slot-empty'
  | 'card-feature-unsupported'
  | 'card-data-malformed';

/** The card has no PIV application: SELECT answered 6A82 ("application not available"). */
export class CardNotPivError extends SithsError<'not-a-piv-card'> {
  override readonly name = 'CardNotPivError';
  constructor(options?: {cause?: unknown}) {
    super('not-a-piv-card', 'the card has no PIV application', options);
  }
}

/** The card is a new SITHS eID card (Thales IDPrime, from 2020): it holds the new certificates already. */
export class CardAlreadyNewError extends SithsError<'card-already-new'> {
  override readonly name = 'CardAlreadyNewError';
  constructor(options?: {cause?: unknown}) {
    super('card-already-new', 'the card is a new SITHS eID card (IDPrime), which needs no upgrade', options);
  }
}

/** The card refused the PIN (63Cx). `triesLeft` is at least 1: at 0 the card answers with PinBlockedError. */
export class InvalidPinError extends SithsError<'invalid-pin'> {
  override readonly name = 'InvalidPinError';
  constructor(
    readonly triesLeft: number,
    options?: {cause?: unknown},
  ) {
    super('invalid-pin', wrongSecretMessage('PIN', triesLeft), options);
  }
}

/** The PIN's retry counter is at zero (6983 or 63C0): only the PUK unblocks it. */
export class PinBlockedError extends SithsError<'pin-blocked'> {
  override readonly name = 'PinBlockedError';
  constructor(options?: {cause?: unknown}) {
    super('pin-blocked', 'the PIN is blocked', options);
  }
}

/** The card refused the PUK (63Cx on RESET RETRY COUNTER). `triesLeft` is at least 1. */
export class InvalidPukError extends SithsError<'invalid-puk'> {
  override readonly name = 'InvalidPukError';
  constructor(
    readonly triesLeft: number,
    options?: {cause?: unknown},
  ) {
    super('invalid-puk', wrongSecretMessage('PUK', triesLeft), options);
  }
}

/** The PUK's retry counter is at zero: the PIN cannot be unblocked on this card any more. */
export class PukBlockedError extends SithsError<'puk-blocked'> {
  override readonly name = 'PukBlockedError';
  constructor(options?: {cause?: unknown}) {
    super('puk-blocked', 'the PUK is blocked', options);
  }
}

/**
 * A PIN or PUK that the card would refuse for its form (PIN: 6 to 8 digits; PUK: 6 to 8 ASCII characters).
 * Raised before anything is sent, so a typing mistake costs no try; also raised when the card answers 6A80.
 */
export class PinFormatError extends SithsError<'pin-format'> {
  override readonly name = 'PinFormatError';
  constructor(
    readonly reference: 'pin' | 'puk',
    options?: {cause?: unknown},
  ) {
    super(
      'pin-format',
      reference === 'pin' ? 'a PIN is 6 to 8 digits' : 'a PUK is 6 to 8 ASCII characters',
      options,
    );
  }
}

/** The key needs the PIN verified first (6982 on GENERAL AUTHENTICATE) and no PIN provider was given. */
export class PinRequiredError extends SithsError<'pin-required'> {
  override readonly name = 'PinRequiredError';
  constructor(
    readonly slot: number,
    options?: {cause?: unknown},
  ) {
    super('pin-required', `slot ${hex(slot)} needs the PIN verified`, options);
  }
}

/** Why a management-key authentication failed. */
export type ManagementKeyFailure =
  /** The card refused our answer to its witness (6982): the key is not this card's key. */
  | 'rejected-by-card'
  /** The card's answer to our challenge was wrong: the card does not hold the key we expected. */
  | 'card-response-wrong'
  /** The local key does not fit the card's algorithm (length). */
  | 'key-does-not-fit';

/** Management-key (9B) mutual authentication failed. */
export class ManagementKeyError extends SithsError<'management-key-rejected'> {
  override readonly name = 'ManagementKeyError';
  constructor(
    readonly reason: ManagementKeyFailure,
    options?: {cause?: unknown},
  ) {
    super('management-key-rejected', `management key authentication failed: ${reason}`, options);
  }
}

/** The command needs the management key (6982 on PUT DATA, GENERATE, DELETE KEY) and the session has not authenticated. */
export class ManagementKeyRequiredError extends SithsError<'management-key-required'> {
  override readonly name = 'ManagementKeyRequiredError';
  constructor(options?: {cause?: unknown}) {
    super('management-key-required', 'authenticate with the management key first', options);
  }
}

/** The card has no room for the object or key (6A84). */
export class CardFullError extends SithsError<'card-full'> {
  override readonly name = 'CardFullError';
  constructor(options?: {cause?: unknown}) {
    super('card-full', 'the card has no room left', options);
  }
}

/** The slot holds no key (6A88 on metadata or signing) or no certificate where one is needed. */
export class SlotEmptyError extends SithsError<'slot-empty'> {
  override readonly name = 'SlotEmptyError';
  constructor(
    readonly slot: number,
    options?: {cause?: unknown},
  ) {
    super('slot-empty', `slot ${hex(slot)} is empty`, options);
  }
}

/** The card does not offer what was asked (a key type, a PIN policy, metadata, ...). */
export class FeatureNotSupportedError extends SithsError<'card-feature-unsupported'> {
  override readonly name = 'FeatureNotSupportedError';
  constructor(
    readonly feature: string,
    options?: {cause?: unknown},
  ) {
    super('card-feature-unsupported', `the card does not support ${feature}`, options);
  }
}

/** A data object on the card does not parse as its specification says. */
export class CardDataError extends SithsError<'card-data-malformed'> {
  override readonly name = 'CardDataError';
  constructor(message: string, options?: {cause?: unknown}) {
    super('card-data-malformed', message, options);
  }
}

function hex(slot: number): string {
  return slot.toString(16).toUpperCase().padStart(2, '0');
}

function wrongSecretMessage(secret: 'PIN' | 'PUK', triesLeft: number): string {
  return `wrong ${secret}, ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left`;
}
