import {StatusWord} from '../../apdu/status-word.js';
import {ObjectId, PinPolicy, Slot, TouchPolicy} from '../piv/constants.js';
import {CardStatusError} from './errors.js';
import type {StoredKey} from './state.js';

/**
 * Who may do what on the card (SP 800-73-4 Part 1 clause 3.5 and Part 2; YubiKey PIN policies;
 * docs/piv-card.md section 4), in one place. The security state is volatile: reset, power off, a tear and
 * selecting another application clear it.
 */
export interface SecurityState {
  /** The PIN has been verified in this session (until reset or VERIFY FF logout). */
  isPinVerified: boolean;
  /** A VERIFY has happened since the last use of a PIN-always key (9C): it lets exactly one such use through. */
  isPinFresh: boolean;
  /** The management key (9B) has been authenticated in this session. */
  isManagementKeyAuthenticated: boolean;
  /** The pending management-key witness or challenge: single use, dropped by SELECT and by any 9B exchange. */
  managementChallenge: ManagementChallenge | undefined;
}

/** What the card sent in the first step of a management-key authentication, in plain. */
export interface ManagementChallenge {
  /** `witness`: mutual authentication (80), `challenge`: single authentication of the host (81). */
  readonly kind: 'witness' | 'challenge';
  readonly plaintext: Uint8Array;
}

/** A security state with nothing verified. */
export function clearedSecurity(): SecurityState {
  return {
    isPinVerified: false,
    isPinFresh: false,
    isManagementKeyAuthenticated: false,
    managementChallenge: undefined,
  };
}

/**
 * The PIN policy a key gets when the host asks for Default (YubiKey): 9C always, 9E never, 9A, 9D and the retired
 * slots once.
 */
export function resolvePinPolicy(slot: Slot, requested: PinPolicy): PinPolicy {
  if (requested !== PinPolicy.Default) return requested;
  if (slot === Slot.Signature) return PinPolicy.Always;
  if (slot === Slot.CardAuthentication) return PinPolicy.Never;
  return PinPolicy.Once;
}

/** The touch policy a key gets when the host asks for Default: never. */
export function resolveTouchPolicy(requested: TouchPolicy): TouchPolicy {
  return requested === TouchPolicy.Default ? TouchPolicy.Never : requested;
}

/** PUT DATA, GENERATE, IMPORT, SET MANAGEMENT KEY, MOVE/DELETE need the management key: 6982 otherwise. */
export function requireManagementKey(security: SecurityState): void {
  if (!security.isManagementKeyAuthenticated)
    throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
}

/** SET PIN RETRIES needs the management key and the PIN: 6982 otherwise. */
export function requireManagementKeyAndPin(security: SecurityState): void {
  requireManagementKey(security);
  if (!security.isPinVerified) throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
}

/**
 * Checks that `key` may be used now, by its PIN policy, and consumes the fresh VERIFY a PIN-always key needs.
 * Touch is taken as given: the virtual card has no button. Throws CardStatusError 6982.
 */
export function authorizeKeyUse(security: SecurityState, key: StoredKey): void {
  switch (key.pinPolicy) {
    case PinPolicy.Never:
      return;
    case PinPolicy.Always:
      if (!security.isPinVerified || !security.isPinFresh)
        throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
      security.isPinFresh = false;
      return;
    default:
      if (!security.isPinVerified) throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
  }
}

/** Objects that only the PIN opens (SP 800-73-4 Part 1 table 3: printed information and the biometrics). */
const PIN_PROTECTED_OBJECTS: ReadonlySet<number> = new Set([
  ObjectId.PrintedInformation,
  ObjectId.Fingerprints,
  ObjectId.FacialImage,
  ObjectId.Iris,
]);

/** GET DATA: 6982 for a PIN-protected object without the PIN; every other object is free to read. */
export function requireReadAccess(security: SecurityState, objectId: number): void {
  if (PIN_PROTECTED_OBJECTS.has(objectId) && !security.isPinVerified)
    throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
}
