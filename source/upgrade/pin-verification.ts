import {engineErrorOf, UpgradeError} from './errors.js';
import {DEFAULT_PIN_TRIES, type PinHolder} from './pin-holder.js';
import type {CardPort, PinRole} from './ports.js';
import type {EngineEvent, PinReason} from './state.js';

/** What asking for a PIN until the card takes it needs. */
export interface PinVerification {
  readonly card: CardPort;
  readonly role: PinRole;
  /** Where the PIN is held once the card accepted it. */
  readonly holder: PinHolder;
  readonly emit: (event: EngineEvent) => void;
  readonly askPin: (
    reason: PinReason,
    triesLeft: number | undefined,
    rejection?: 'wrong-code' | 'bad-format',
  ) => Promise<Uint8Array>;
}

/**
 * Asks for the PIN of `role` until the card accepts it (or it is blocked) and holds it for the operation. On a
 * card with one PIN the signature role is the authentication PIN: asked once, as 'login'. The signature PIN of a
 * card with two is asked as 'signature' and checked on the card at once (VERIFY with the signature role).
 * Errors: pin-blocked {role} and what the card says.
 */
export async function verifiedPin({card, role, holder, emit, askPin}: PinVerification): Promise<void> {
  const isSignaturePin = role === 'signature' && card.pinCount === 2;
  if (holder.isHeld) return;
  // Only the signature PIN of a two-PIN card names its role; PIV calls stay as they were.
  const roleArgument = isSignaturePin ? (['signature'] as const) : ([] as const);
  const blocked = () =>
    new UpgradeError(
      isSignaturePin ? {code: 'pin-blocked', role: 'signature'} : {code: 'pin-blocked'},
      'the PIN is blocked',
    );
  const triesEvent = (triesLeft: number): EngineEvent =>
    isSignaturePin
      ? {type: 'pinTriesChanged', triesLeft, role: 'signature'}
      : {type: 'pinTriesChanged', triesLeft};
  let triesLeft = await card.exclusive(() => card.pinTriesLeft(...roleArgument));
  let rejection: 'wrong-code' | 'bad-format' | undefined;
  for (;;) {
    if (triesLeft === 0) throw blocked();
    const pin = await askPin(isSignaturePin ? 'signature' : 'login', triesLeft, rejection);
    try {
      await card.exclusive(() => card.verifyPin(pin, ...roleArgument));
      holder.hold(pin);
      emit(triesEvent(DEFAULT_PIN_TRIES));
      return;
    } catch (error) {
      pin.fill(0);
      const engineError = engineErrorOf(error);
      if (engineError.code === 'invalid-pin') {
        triesLeft = engineError.triesLeft;
        emit(triesEvent(triesLeft));
        rejection = 'wrong-code';
      } else if (engineError.code === 'pin-format') {
        rejection = 'bad-format';
      } else if (engineError.code === 'pin-blocked') {
        emit(triesEvent(0));
        throw isSignaturePin ? blocked() : error;
      } else {
        throw error;
      }
    }
  }
}
