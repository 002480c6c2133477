import {SithsError} from '../../errors.js';

/**
 * Why a transport failed. Each code is a situation a user can meet and act on; screens pick their text by it.
 * The PC/SC transport maps SCARD_* failures onto these; the in-process transport uses 'card-removed' when the
 * card endpoint is torn.
 */
export type TransportErrorCode =
  /** The PC/SC daemon is not running or not reachable (SCARD_E_NO_SERVICE). */
  | 'pcscd-not-running'
  /** The pcsclite native module or libpcsclite.so.1 is not installed. */
  | 'pcsclite-missing'
  /** No reader is attached (SCARD_E_NO_READERS_AVAILABLE). */
  | 'no-reader'
  /** The reader holds no card (SCARD_E_NO_SMARTCARD). */
  | 'no-card'
  /** The card was removed while the session was open, possibly in the middle of a command. */
  | 'card-removed'
  /** Another program reset the card (SCARD_W_RESET_CARD): re-select and re-verify. */
  | 'card-reset'
  /** pcscd refused access, e.g. polkit refusing a remote (SSH) session (SCARD_E_NO_ACCESS). */
  | 'access-denied'
  /** Another program holds the card exclusively (SCARD_E_SHARING_VIOLATION). */
  | 'reader-busy'
  /** Any other failure of the transport. */
  | 'transport-failed';

/** A failure below the APDU layer: reader, card presence, daemon. Messages never hold APDU data. */
export class TransportError extends SithsError<TransportErrorCode> {
  override readonly name: string = 'TransportError';
}
