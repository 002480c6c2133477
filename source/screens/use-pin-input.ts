import {useScreenInput} from './screen-input.js';
import {useEffect, useRef} from 'react';
import {
  initialPinInputState,
  MAX_PIN_LENGTH,
  pinInputReducer,
  type PinInputState,
} from './use-pin-input-state.js';
import {useLiveReducer} from './use-live-reducer.js';

export interface UsePinInputProps {
  readonly isDisabled?: boolean;
  /**
   * Called on Enter with the digits as ASCII bytes. The callee owns the buffer (the engine zeroes it); the
   * field's own copy is zeroed at once.
   */
  readonly onSubmit: (pin: Uint8Array) => void;
}

/**
 * Keys to PIN-field actions. The digits live only in a byte buffer held by a ref, never in React state or a
 * string the program keeps: Enter hands a copy to `onSubmit` and zeroes the buffer, and so does unmounting.
 */
export function usePinInput({isDisabled = false, onSubmit}: UsePinInputProps): PinInputState {
  const buffer = useRef(new Uint8Array(MAX_PIN_LENGTH));
  const {state, current, dispatch} = useLiveReducer(pinInputReducer, initialPinInputState);
  useEffect(() => {
    const digits = buffer.current;
    return () => {
      digits.fill(0);
    };
  }, []);

  const submit = () => {
    const pin = buffer.current.slice(0, current().length);
    buffer.current.fill(0);
    dispatch({type: 'cleared'});
    onSubmit(pin);
  };

  useScreenInput(
    (input, key) => {
      if (key.return) {
        submit();
        return;
      }
      if (key.backspace || key.delete) {
        const {length} = dispatch({type: 'erased'});
        buffer.current[length] = 0;
        return;
      }
      if (key.ctrl || key.meta || key.escape || key.tab || input.length === 0) return;
      for (const character of input) {
        // A pasted or fast-typed chunk may end with its Enter.
        if (character === '\r' || character === '\n') {
          submit();
          return;
        }
        const before = current().length;
        const isDigit = character >= '0' && character <= '9';
        if (dispatch({type: 'typed', isDigit}).length > before)
          buffer.current[before] = character.charCodeAt(0);
      }
    },
    {isActive: !isDisabled},
  );
  return state;
}
