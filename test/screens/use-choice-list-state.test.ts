import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  choiceListReducer,
  choiceWindow,
  initialChoiceListState,
} from '../../source/screens/use-choice-list-state.js';

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

describe('choiceWindow', () => {
  const ones = (count: number) => Array.from({length: count}, () => 1);

  it('shows every choice when they fit, with nothing hidden', () => {
    expect(choiceWindow(ones(5), 3, 5)).toEqual({start: 0, end: 5, hiddenAbove: 0, hiddenBelow: 0});
    expect(choiceWindow([], 0, 5)).toEqual({start: 0, end: 0, hiddenAbove: 0, hiddenBelow: 0});
  });

  it('keeps two rows for the "more" lines and puts the focus near the middle of what is left', () => {
    expect(choiceWindow(ones(30), 0, 10)).toEqual({start: 0, end: 8, hiddenAbove: 0, hiddenBelow: 22});
    expect(choiceWindow(ones(30), 15, 10)).toEqual({start: 12, end: 20, hiddenAbove: 12, hiddenBelow: 10});
    expect(choiceWindow(ones(30), 29, 10)).toEqual({start: 22, end: 30, hiddenAbove: 22, hiddenBelow: 0});
  });

  it('counts the rows of choices taller than one row, and always shows the focused one', () => {
    expect(choiceWindow([2, 2, 2, 2, 2], 2, 6)).toEqual({start: 2, end: 4, hiddenAbove: 2, hiddenBelow: 1});
    expect(choiceWindow([9, 9], 1, 4)).toEqual({start: 1, end: 2, hiddenAbove: 1, hiddenBelow: 0});
  });

  it('for every list, focus and size: the focus is shown, and the shown choices fit unless the focus alone does not', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({min: 1, max: 4}), {minLength: 1, maxLength: 40}),
        fc.nat(),
        fc.integer({min: 3, max: 30}),
        (heights, focus, maxRows) => {
          const focused = focus % heights.length;
          const window = choiceWindow(heights, focused, maxRows);
          expect(window.start).toBeLessThanOrEqual(focused);
          expect(window.end).toBeGreaterThan(focused);
          expect(window.hiddenAbove).toBe(window.start);
          expect(window.hiddenBelow).toBe(heights.length - window.end);
          const rows = heights.slice(window.start, window.end).reduce((sum, height) => sum + height, 0);
          const isWindowed = window.hiddenAbove + window.hiddenBelow > 0;
          // The focus alone is shown even when it does not fit (a single choice taller than the rows, too).
          if (window.end - window.start > 1) expect(rows + (isWindowed ? 2 : 0)).toBeLessThanOrEqual(maxRows);
        },
      ),
    );
  });
});
