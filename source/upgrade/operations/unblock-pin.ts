import type {OperationContext} from './context.js';
import {chosenPin, replacePin} from './pin-replacement.js';

/** Unblock PIN: the PUK, then the new PIN (on a card with two PINs, of the PIN chosen first). */
export async function unblockPin(context: OperationContext): Promise<void> {
  const {card, pukTriesLeft} = context;
  const role = await chosenPin(context, 'unblock-pin');
  const roleArgument = role === undefined ? ([] as const) : ([role] as const);
  const key = context.cardRead?.cardNumber ?? card.readerName;
  const said = card.pukTriesLeft ? await card.exclusive(() => card.pukTriesLeft!()) : undefined;
  await replacePin(context, {
    operation: 'unblock-pin',
    code: 'puk',
    role,
    triesLeft: said ?? pukTriesLeft.get(key),
    wrongCode: 'invalid-puk',
    // One PUK for both PINs of a two-PIN card: it sets the chosen one.
    replace: (puk, next) => card.unblockPin(puk, next, ...roleArgument),
    onTriesLeft: (triesLeft) => {
      // A right PUK gives the PUK all its tries again: what was said before no longer holds.
      if (triesLeft === undefined) pukTriesLeft.delete(key);
      else pukTriesLeft.set(key, triesLeft);
    },
  });
}
