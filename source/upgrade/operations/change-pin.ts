import type {OperationContext} from './context.js';
import {chosenPin, replacePin} from './pin-replacement.js';

/** Change PIN: the current PIN, then the new one (on a card with two PINs, of the PIN chosen first). */
export async function changePin(context: OperationContext): Promise<void> {
  const {card} = context;
  const role = await chosenPin(context, 'change-pin');
  const roleArgument = role === undefined ? ([] as const) : ([role] as const);
  await replacePin(context, {
    operation: 'change-pin',
    code: 'current-pin',
    role,
    triesLeft: await card.exclusive(() => card.pinTriesLeft(...roleArgument)),
    wrongCode: 'invalid-pin',
    replace: (current, next) => card.changePin(current, next, ...roleArgument),
  });
}
