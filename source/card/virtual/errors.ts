import {SithsError} from '../../errors.js';

/**
 * The virtual card's own failures, seen by whoever drives it (the in-process transport, the vpcd bridge, the
 * demo): not status words, which are answers of the card, but the card being out of reach or its state file
 * being unusable. Messages never hold PINs, PUKs or key material.
 */
export type VirtualCardErrorCode =
  /** A command reached a card that is powered off: call reset() first. */
  | 'card-powered-off'
  /** The state file does not exist, does not parse, or holds values the card cannot have. */
  | 'state-file-invalid'
  /** The state file could not be written (directory missing, disk full, no permission). */
  | 'state-file-failed'
  /** A profile was given inputs it cannot build a card from (a card number that is not 14 digits, ...). */
  | 'profile-invalid';

/** A failure of the virtual card itself (see {@link VirtualCardErrorCode}). */
export class VirtualCardError extends SithsError<VirtualCardErrorCode> {
  override readonly name: string = 'VirtualCardError';
}

/**
 * The card was torn out of the reader (fault injection): `process` rejects with this for the torn command and
 * every later one until the card is put back with `reset()`. The in-process transport and the vpcd bridge map it
 * to a removed card (TransportError 'card-removed').
 */
export class CardTornError extends SithsError<'card-torn'> {
  override readonly name = 'CardTornError';
  constructor(message = 'the card was removed from the reader') {
    super('card-torn', message);
  }
}

/**
 * A command's answer other than 9000, raised inside the card by an instruction handler and turned into the
 * response's status word by the card: it never leaves `process`.
 */
export class CardStatusError extends SithsError<'card-status'> {
  override readonly name = 'CardStatusError';
  constructor(
    /** SW1 SW2 as one number. */
    readonly sw: number,
  ) {
    super('card-status', `card status ${sw.toString(16).toUpperCase().padStart(4, '0')}`);
  }
}
