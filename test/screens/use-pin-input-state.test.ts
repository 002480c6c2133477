import {describe, expect, it} from 'vitest';
import {
  initialPinInputState,
  MAX_PIN_LENGTH,
  pinInputReducer,
} from '../../source/screens/use-pin-input-state.js';

describe('pinInputReducer', () => {
  it('counts digits up to eight and refuses a ninth', () => {
    let state = initialPinInputState;
    for (let index = 0; index < MAX_PIN_LENGTH; index++)
      state = pinInputReducer(state, {type: 'typed', isDigit: true});
    expect(state).toEqual({length: 8});
    expect(pinInputReducer(state, {type: 'typed', isDigit: true})).toEqual({length: 8, notice: 'full'});
  });

  it('refuses anything but digits with a notice that the next digit clears', () => {
    const refused = pinInputReducer({length: 2}, {type: 'typed', isDigit: false});
    expect(refused).toEqual({length: 2, notice: 'digits-only'});
    expect(pinInputReducer(refused, {type: 'typed', isDigit: true})).toEqual({length: 3});
  });

  it('erases one digit at a time, never below zero, and clears all', () => {
    expect(pinInputReducer({length: 2}, {type: 'erased'})).toEqual({length: 1});
    expect(pinInputReducer(initialPinInputState, {type: 'erased'})).toEqual({length: 0});
    expect(pinInputReducer({length: 6}, {type: 'cleared'})).toEqual(initialPinInputState);
  });
});
