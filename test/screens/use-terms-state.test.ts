import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {initialTermsState, termsReducer, wrapLines} from '../../source/screens/use-terms-state.js';

describe('termsReducer', () => {
  it('scrolls within the text: never above the first line, never past the last page', () => {
    const view = {total: 30, visible: 10};
    expect(termsReducer(initialTermsState, {type: 'scrolled', by: -1, ...view}).offset).toBe(0);
    expect(termsReducer(initialTermsState, {type: 'scrolled', by: 9, ...view}).offset).toBe(9);
    expect(termsReducer(initialTermsState, {type: 'scrolled', by: 100, ...view}).offset).toBe(20);
    expect(termsReducer(initialTermsState, {type: 'scrolled-to', end: 'end', ...view}).offset).toBe(20);
    expect(
      termsReducer({...initialTermsState, offset: 7}, {type: 'scrolled-to', end: 'start', ...view}).offset,
    ).toBe(0);
  });

  it('does not scroll a text that fits', () => {
    expect(termsReducer(initialTermsState, {type: 'scrolled', by: 5, total: 4, visible: 10}).offset).toBe(0);
  });

  it('asks for the tick when START DOWNLOAD comes first, and forgets it once ticked', () => {
    const refused = termsReducer(initialTermsState, {type: 'start-refused'});
    expect(refused.isTickNeeded).toBe(true);
    expect(termsReducer(refused, {type: 'toggled'})).toEqual({
      offset: 0,
      isAccepted: true,
      isTickNeeded: false,
    });
    expect(termsReducer({...refused, isAccepted: true}, {type: 'toggled'}).isAccepted).toBe(false);
  });
});

describe('wrapLines', () => {
  it('wraps words to the width and keeps paragraphs and blank lines', () => {
    expect(wrapLines('one two three\n\nfour', 8)).toEqual(['one two', 'three', '', 'four']);
  });

  it('splits a word longer than the width', () => {
    expect(wrapLines('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('never makes a line longer than the width, never starts one with a space, and keeps every word', () => {
    fc.assert(
      fc.property(
        fc.string({unit: fc.constantFrom('a', 'b', ' ', '\n', 'ö')}),
        fc.integer({min: 1, max: 30}),
        (text, width) => {
          const lines = wrapLines(text, width);
          for (const line of lines) {
            expect(line.length).toBeLessThanOrEqual(width);
            expect(line.startsWith(' ')).toBe(false);
          }
          expect(lines.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
        },
      ),
    );
  });
});
