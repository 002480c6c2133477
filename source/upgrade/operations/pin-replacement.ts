import {engineErrorOf, UpgradeError} from '../errors.js';
import {DEFAULT_PIN_TRIES} from '../pin-holder.js';
import type {PinRole} from '../ports.js';
import type {PinChoice} from '../state.js';
import type {OperationContext} from './context.js';

/** What change PIN and unblock PIN differ in; the rest is `replacePin`. */
export interface PinReplacement {
  readonly operation: 'change-pin' | 'unblock-pin';
  readonly code: 'current-pin' | 'puk';
  /** The PIN chosen on a card with two PINs; the prompts name it. Undefined on a card with one. */
  readonly role: PinRole | undefined;
  readonly triesLeft: number | undefined;
  readonly wrongCode: 'invalid-pin' | 'invalid-puk';
  readonly replace: (code: Uint8Array, next: Uint8Array) => Promise<void>;
  /** Told the tries the card says are left after a wrong code (0: blocked), and undefined after success. */
  readonly onTriesLeft?: (triesLeft: number | undefined) => void;
}

/**
 * On a card with two PINs, asks which PIN to change or unblock (state `choosing-pin`, answered by
 * choosePin()); undefined on a card with one PIN (PIV: no question).
 */
export async function chosenPin(
  context: OperationContext,
  operation: 'change-pin' | 'unblock-pin',
): Promise<PinRole | undefined> {
  const {card} = context;
  if (card.pinCount !== 2) return undefined;
  const choices: PinChoice[] = await card.exclusive(async () => [
    {role: 'authentication', triesLeft: await card.pinTriesLeft('authentication')},
    {role: 'signature', triesLeft: await card.pinTriesLeft('signature')},
  ]);
  context.emit({type: 'pinChoiceOffered', operation, choices});
  return context.ask<PinRole>('pin-choice');
}

/**
 * Asks for the code that authorises a new PIN (the current PIN, or the PUK) and the new PIN, and sets it; a wrong
 * or malformed code is asked for again with the tries left. Both buffers are zeroed after each attempt.
 */
export async function replacePin(context: OperationContext, step: PinReplacement): Promise<void> {
  let triesLeft = step.triesLeft;
  let rejection: 'wrong-code' | 'bad-format' | undefined;
  for (;;) {
    throwWhenBlocked(step, triesLeft);
    const code = await context.askPin(step.code, triesLeft, rejection, step.role);
    let next: Uint8Array | undefined;
    try {
      next = await context.askPin('new-pin', undefined, undefined, step.role);
      await replaced(context, step, code, next);
      return;
    } catch (error) {
      const engineError = engineErrorOf(error);
      if (engineError.code === step.wrongCode) {
        triesLeft = engineError.triesLeft;
        step.onTriesLeft?.(triesLeft);
        if (step.role !== undefined && step.code === 'current-pin')
          context.emit({type: 'pinTriesChanged', triesLeft, role: step.role});
        rejection = 'wrong-code';
      } else if (engineError.code === 'pin-format') {
        rejection = 'bad-format';
      } else {
        if (engineError.code === 'puk-blocked') step.onTriesLeft?.(0);
        throw error;
      }
    } finally {
      code.fill(0);
      next?.fill(0);
    }
  }
}

/** No tries left: blocked (for the PUK as the card said it earlier in this run, or says it now). */
function throwWhenBlocked(step: PinReplacement, triesLeft: number | undefined): void {
  if (triesLeft === 0 && step.code === 'current-pin')
    throw new UpgradeError(
      step.role === undefined ? {code: 'pin-blocked'} : {code: 'pin-blocked', role: step.role},
      'the PIN is blocked',
    );
  if (triesLeft === 0) throw new UpgradeError({code: 'puk-blocked'}, 'the PUK is blocked');
}

/** Sets the new PIN on the card and shows the result. */
async function replaced(
  context: OperationContext,
  step: PinReplacement,
  code: Uint8Array,
  next: Uint8Array,
): Promise<void> {
  context.emit({type: 'operationStarted', operation: step.operation, activity: 'reading-card'});
  await context.card.exclusive(() => step.replace(code, next));
  step.onTriesLeft?.(undefined);
  context.log(step.operation === 'change-pin' ? 'pinChanged' : 'pinUnblocked', {role: step.role});
  if (step.role !== undefined)
    context.emit({type: 'pinTriesChanged', triesLeft: DEFAULT_PIN_TRIES, role: step.role});
  context.emit({
    type: 'operationCompleted',
    result: {
      type: step.operation === 'change-pin' ? 'pin-changed' : 'pin-unblocked',
      ...(step.role === undefined ? {} : {role: step.role}),
    },
  });
}
