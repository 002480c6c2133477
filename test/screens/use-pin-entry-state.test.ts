import {describe, expect, it} from 'vitest';
import {initialPinEntryState, pinEntryReducer} from '../../source/screens/use-pin-entry-state.js';

describe('pinEntryReducer', () => {
  it('asks to repeat a new PIN once it was entered', () => {
    expect(pinEntryReducer(initialPinEntryState, {type: 'entered'})).toEqual({phase: 'repeat'});
  });

  it('starts over with a notice when the repetition differs, and quietly when it matches', () => {
    expect(pinEntryReducer({phase: 'repeat'}, {type: 'repeated', isSame: false})).toEqual({
      phase: 'enter',
      notice: 'differ',
    });
    expect(pinEntryReducer({phase: 'repeat'}, {type: 'repeated', isSame: true})).toEqual(
      initialPinEntryState,
    );
  });

  it('stays at the first entry with a notice when the new PIN is too short', () => {
    expect(pinEntryReducer(initialPinEntryState, {type: 'too-short'})).toEqual({
      phase: 'enter',
      notice: 'too-short',
    });
  });
});
