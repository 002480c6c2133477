import {useEffect, useRef} from 'react';
import type {PinReason} from '../upgrade/state.js';
import {initialPinEntryState, pinEntryReducer, type PinEntryState} from './use-pin-entry-state.js';
import {MIN_PIN_LENGTH} from './use-pin-input-state.js';
import {useLiveReducer} from './use-live-reducer.js';

export interface UsePinEntryProps {
  readonly reason: PinReason;
  /** Receives the code as ASCII bytes and owns the buffer (the engine zeroes it). */
  readonly onSubmit: (pin: Uint8Array) => void;
}

/** Constant-time comparison of two codes. */
function isSameCode(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let index = 0; index < Math.max(a.length, b.length); index++)
    difference |= (a[index] ?? 0) ^ (b[index] ?? 0);
  return difference === 0;
}

/**
 * Passes a PIN or PUK on at once; a new PIN only after it was typed twice alike. The first entry is held in a
 * byte buffer and zeroed when compared or when the screen goes away.
 */
export function usePinEntry({reason, onSubmit}: UsePinEntryProps): PinEntryState & {
  submit: (pin: Uint8Array) => void;
} {
  const {state, current, dispatch} = useLiveReducer(pinEntryReducer, initialPinEntryState);
  const first = useRef<Uint8Array | undefined>(undefined);
  useEffect(
    () => () => {
      first.current?.fill(0);
    },
    [],
  );
  const submit = (pin: Uint8Array): void => {
    if (reason !== 'new-pin') {
      onSubmit(pin);
      return;
    }
    if (current().phase === 'enter') {
      if (pin.length < MIN_PIN_LENGTH) {
        pin.fill(0);
        dispatch({type: 'too-short'});
        return;
      }
      first.current = pin;
      dispatch({type: 'entered'});
      return;
    }
    const original = first.current;
    first.current = undefined;
    const isSame = original !== undefined && isSameCode(original, pin);
    pin.fill(0);
    dispatch({type: 'repeated', isSame});
    if (isSame) onSubmit(original);
    else original?.fill(0);
  };
  return {...state, submit};
}
