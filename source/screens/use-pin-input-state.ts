/** PINs and PUKs are 6 to 8 digits (SP 800-73-4 Part 2, 3.2.1; the card pads to 8 bytes). */
export const MIN_PIN_LENGTH = 6;
export const MAX_PIN_LENGTH = 8;

/**
 * What a PIN field shows: how many digits were typed and why the last key was refused. The digits themselves
 * never enter this state: the field keeps them in a byte buffer that it zeroes (use-pin-input.ts).
 */
export interface PinInputState {
  readonly length: number;
  readonly notice?: 'digits-only' | 'full';
}

export type PinInputAction =
  | {readonly type: 'typed'; readonly isDigit: boolean}
  | {readonly type: 'erased'}
  | {readonly type: 'cleared'};

export const initialPinInputState: PinInputState = {length: 0};

/** Pure: a digit adds one (up to 8), anything else is refused with a notice, erase removes one. */
export function pinInputReducer(state: PinInputState, action: PinInputAction): PinInputState {
  switch (action.type) {
    case 'typed':
      if (!action.isDigit) return {length: state.length, notice: 'digits-only'};
      if (state.length >= MAX_PIN_LENGTH) return {length: state.length, notice: 'full'};
      return {length: state.length + 1};
    case 'erased':
      return {length: Math.max(0, state.length - 1)};
    case 'cleared':
      return initialPinInputState;
  }
}
