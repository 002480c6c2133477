import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {overBlank, rowChange, shorterSequences} from '../../source/cli/row-changes.js';
import {XtermScreen} from '../support/xterm-screen.js';

const COLUMNS = 40;
const ESC = '\u001B[';

/** Styles as Ink (chalk) writes them: the opening codes and the closing ones. */
const STYLES: readonly (readonly [string, string])[] = [
  ['', ''],
  [`${ESC}1m`, `${ESC}22m`],
  [`${ESC}2m`, `${ESC}22m`],
  [`${ESC}36m`, `${ESC}39m`],
  [`${ESC}1m${ESC}36m`, `${ESC}39m${ESC}22m`],
  [`${ESC}90m`, `${ESC}39m`],
  [`${ESC}38;5;245m`, `${ESC}39m`],
  [`${ESC}43m${ESC}30m`, `${ESC}39m${ESC}49m`],
  [`${ESC}7m`, `${ESC}27m`],
  [`${ESC}4m`, `${ESC}24m`],
];

/** A line of Ink's output: styled pieces of text with many spaces, box-drawing and block characters. */
const line = fc
  .array(
    fc.tuple(
      fc.constantFrom(...STYLES),
      fc.array(fc.constantFrom(' ', ' ', ' ', 'a', 'b', 'ä', '│', '─', '█', '░', '✔'), {maxLength: 12}),
    ),
    {maxLength: 7},
  )
  .map((pieces) => {
    let text = '';
    let width = 0;
    for (const [[open, close], chars] of pieces) {
      const fitting = chars.slice(0, COLUMNS - width);
      width += fitting.length;
      if (fitting.length > 0) text += `${open}${fitting.join('')}${close}`;
    }
    return text;
  });

/** A terminal whose second row shows `shown` (written over `under`), the cursor at its end. */
async function rowShowing(shown: string, under = ''): Promise<XtermScreen> {
  const screen = new XtermScreen(COLUMNS, 3);
  await screen.write(`${ESC}2;1H${under}\r${shown}`);
  return screen;
}

describe('rowChange, judged by a terminal emulator (xterm.js)', () => {
  it('turns any row into any other: the row looks as if the new one were written on a blank row', async () => {
    await fc.assert(
      fc.asyncProperty(line, line, async (previous, next) => {
        const changed = await rowShowing(previous);
        await changed.write(rowChange(previous, next));
        const written = await rowShowing(next);
        expect(changed.looks()).toEqual(written.looks());
      }),
      {numRuns: 400},
    );
  });

  it('erases a row it does not know (previous undefined) before drawing', async () => {
    await fc.assert(
      fc.asyncProperty(line, async (next) => {
        const changed = await rowShowing('', `${ESC}7m${'x'.repeat(COLUMNS)}${ESC}27m`);
        await changed.write(rowChange(undefined, next));
        const written = await rowShowing(next);
        expect(changed.looks()).toEqual(written.looks());
      }),
      {numRuns: 100},
    );
  });

  it('writes only what changed: a clock’s last figure, a bar’s new cell, nothing for a restyled blank', () => {
    const clock = (seconds: string) => `${ESC}90m│${ESC}39m Tid: 0:${seconds}   Kvar: ca 0:25`;
    expect(rowChange(clock('07'), clock('08'))).toBe(`${ESC}11G8`);
    const bar = (filled: number) =>
      `${ESC}36m${'█'.repeat(filled)}${ESC}39m${ESC}2m${'░'.repeat(20 - filled)}${ESC}22m  ${filled * 5} %`;
    expect(rowChange(bar(3), bar(4))).toBe(`${ESC}4G${ESC}36m█${ESC}39m${ESC}23G20`);
    // A space that is bold is a blank like any other: there is nothing to write.
    expect(rowChange(`ab${ESC}1m ${ESC}22mc`, 'ab c')).toBe('');
  });

  it('erases long runs of blanks and the end of the row instead of writing spaces', () => {
    const text = `left${' '.repeat(20)}right`;
    expect(rowChange('left middle of the row  right', text)).toBe(`${ESC}6G${ESC}17X`);
    expect(rowChange('the whole row of text', 'the')).toBe(`${ESC}4G${ESC}K`);
  });
});

describe('overBlank', () => {
  it('draws a first frame onto blank rows as Ink’s own text would, without writing its blank cells', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, {minLength: 1, maxLength: 5}), async (lines) => {
        const frame = lines.join('\n');
        const drawn = new XtermScreen(COLUMNS, 6);
        await drawn.write(overBlank(frame));
        const written = new XtermScreen(COLUMNS, 6);
        await written.write(frame);
        expect(drawn.looks()).toEqual(written.looks());
      }),
      {numRuns: 200},
    );
    const row = `${' '.repeat(28)}${ESC}90m│${ESC}39m`;
    expect(overBlank(row)).toBe(`${ESC}29G${ESC}90m│${ESC}39m`);
  });
});

describe('shorterSequences', () => {
  it('writes the same moves and styles in fewer bytes', () => {
    expect(shorterSequences(`${ESC}29A${ESC}E${ESC}E${ESC}E${ESC}5Gx\n${ESC}E${ESC}E`)).toBe(
      `${ESC}26F${ESC}5Gx${ESC}3E`,
    );
    expect(shorterSequences(`${ESC}1m${ESC}36mOK${ESC}39m${ESC}22m`)).toBe(`${ESC}1;36mOK${ESC}39;22m`);
    // One CNL, or an up that is not followed by a CNL, stays as it is.
    expect(shorterSequences(`${ESC}E${ESC}3A${ESC}5G`)).toBe(`${ESC}E${ESC}3A${ESC}5G`);
  });

  it('moves the cursor and styles the text as the longer sequences do, on a terminal emulator', async () => {
    const frame = `${ESC}29A${ESC}E${ESC}E${ESC}3Gab\n${ESC}E${ESC}1m${ESC}36mc${ESC}39m${ESC}22m${ESC}E${ESC}4Gd`;
    const screens = [new XtermScreen(COLUMNS, 30), new XtermScreen(COLUMNS, 30)] as const;
    for (const screen of screens) await screen.write(`${ESC}30;1H`);
    await screens[0].write(frame);
    await screens[1].write(shorterSequences(frame));
    expect(screens[1].looks()).toEqual(screens[0].looks());
    expect(screens[1].cursor()).toEqual(screens[0].cursor());
    expect(shorterSequences(frame).length).toBeLessThan(frame.length);
  });
});
