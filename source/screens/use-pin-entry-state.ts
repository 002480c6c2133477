/**
 * The PIN screen's own state: a new PIN is typed twice (enter, then repeat) so a typing mistake does not lock
 * the user out. Holds no digits: the first entry waits in a byte buffer in use-pin-entry.ts.
 */
export interface PinEntryState {
  readonly phase: 'enter' | 'repeat';
  readonly notice?: 'differ' | 'too-short';
}

export type PinEntryAction =
  | {readonly type: 'entered'}
  | {readonly type: 'repeated'; readonly isSame: boolean}
  | {readonly type: 'too-short'};

export const initialPinEntryState: PinEntryState = {phase: 'enter'};

/** Pure: entered -> repeat; repeated -> enter again (with a notice when the two differed). */
export function pinEntryReducer(_state: PinEntryState, action: PinEntryAction): PinEntryState {
  switch (action.type) {
    case 'entered':
      return {phase: 'repeat'};
    case 'repeated':
      return action.isSame ? initialPinEntryState : {phase: 'enter', notice: 'differ'};
    case 'too-short':
      return {phase: 'enter', notice: 'too-short'};
  }
}
