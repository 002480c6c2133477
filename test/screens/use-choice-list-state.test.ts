import {describe, expect, it} from 'vitest';
import {choiceListReducer, initialChoiceListState} from '../../source/screens/use-choice-list-state.js';

describe('choiceListReducer', () => {
  it('moves the focus down and up, wrapping around at both ends', () => {
    const down = choiceListReducer(initialChoiceListState, {type: 'focus-next', count: 2});
    expect(down.focusedIndex).toBe(1);
    expect(choiceListReducer(down, {type: 'focus-next', count: 2}).focusedIndex).toBe(0);
    expect(choiceListReducer(initialChoiceListState, {type: 'focus-previous', count: 3}).focusedIndex).toBe(
      2,
    );
  });

  it('focuses an entry by index and ignores an index outside the list', () => {
    expect(choiceListReducer(initialChoiceListState, {type: 'focus', index: 2, count: 3}).focusedIndex).toBe(
      2,
    );
    expect(choiceListReducer(initialChoiceListState, {type: 'focus', index: 3, count: 3})).toBe(
      initialChoiceListState,
    );
  });

  it('keeps the focus inside a list that became shorter', () => {
    expect(choiceListReducer({focusedIndex: 4}, {type: 'focus-next', count: 2}).focusedIndex).toBe(0);
    expect(choiceListReducer({focusedIndex: 4}, {type: 'focus-next', count: 0})).toEqual(
      initialChoiceListState,
    );
  });
});
