/**
 * The bytes of an incremental frame: what to write so that a terminal row showing one line of Ink's output
 * shows the next, in fewer bytes than writing the row again. scripts/build.js puts these into Ink's incremental
 * renderer (patches/ink+6.8.0.patch), which the full screen uses; the full screen starts on a cleared screen, so
 * what Ink has not drawn is blank.
 *
 * Rows are compared cell by cell, each cell with its styles, as Ink's own output is tokenized. A space looks the
 * same as an erased cell unless a style shows on it (a background, inverse, underline, strike-through), so such
 * cells count as blank. Only the columns that change are written, each run where it is (unchanged runs of
 * {@link GAP} cells or more are stepped over), runs of blanks are erased (ECH) where that is shorter than spaces,
 * and blanks to the end of the row are erased (EL). Each run opens its styles and closes them, so the cursor
 * always lands among default attributes and erasing leaves default cells.
 */
import {
  styledCharsFromTokens,
  styledCharsToString,
  tokenize,
  type StyledChar,
} from '@alcalzone/ansi-tokenize';

const CSI = '\u001B[';
const ERASE_TO_END = `${CSI}K`;
const ERASE_ROW = `${CSI}2K`;

/** Unchanged cells between two changes are stepped over (a cursor move) when there are at least this many. */
const GAP = 4;

/** Styles that do not show on a space: the text's colour, bold, dim, italic. */
const UNSEEN_ON_SPACE = new RegExp(String.raw`^\u001B\[(?:[123]|3[0-7]|38;[0-9;]+|9[0-7])m$`);
/** The sequences shorterSequences() rewrites (ESC is a control character, so these are built from text). */
const CNL_RUN = new RegExp(String.raw`(?:\u001B\[E)+`, 'g');
const CUU_CNL = new RegExp(String.raw`\u001B\[(\d*)A\u001B\[(\d*)E`, 'g');
const NEWLINE_CNL = new RegExp(String.raw`\n\u001B\[(\d*)E`, 'g');
const SGR_RUN = new RegExp(String.raw`(?:\u001B\[[\d;]+m){2,}`, 'g');

const BLANK: StyledChar = {type: 'char', value: ' ', fullWidth: false, styles: []};

function isBlank(cell: StyledChar): boolean {
  return cell.value === ' ' && cell.styles.every(({code}) => UNSEEN_ON_SPACE.test(code));
}

function looksSame(a: StyledChar, b: StyledChar): boolean {
  const isSame =
    a.value === b.value &&
    a.styles.length === b.styles.length &&
    a.styles.every((style, index) => style.code === b.styles[index]!.code);
  return isSame || (isBlank(a) && isBlank(b));
}

/** The cursor to `column` (from 0) of the row it is on. */
function toColumn(column: number): string {
  return column === 0 ? '\r' : `${CSI}${column + 1}G`;
}

function cellsOf(line: string): StyledChar[] {
  return styledCharsFromTokens(tokenize(line));
}

/**
 * `after`'s columns `[start, end)` written from `start` (the cursor is at `cursor`); a stretch of blanks in them is
 * erased (ECH, then a move past it) where that takes fewer bytes than writing the spaces.
 */
function runText(after: StyledChar[], start: number, end: number, cursor: number): string {
  let text = start === cursor ? '' : toColumn(start);
  let written = start;
  let column = start;
  while (column < end) {
    if (!isBlank(after[column]!)) {
      column++;
      continue;
    }
    let blanks = 0;
    while (column + blanks < end && isBlank(after[column + blanks]!)) blanks++;
    const isLast = column + blanks === end;
    const erase = `${CSI}${blanks}X${isLast ? '' : toColumn(column + blanks)}`;
    if (erase.length < blanks) {
      text += styledCharsToString(after.slice(written, column)) + erase;
      written = column + blanks;
    }
    column += blanks;
  }
  return text + styledCharsToString(after.slice(written, end));
}

/**
 * What turns a row showing `before` (narrow cells only) into one showing `after`, the cursor at column `cursor`
 * of it (-1: not known).
 */
function changesOver(before: StyledChar[], after: StyledChar[], cursor = -1): string {
  let end = after.length;
  while (end > 0 && isBlank(after[end - 1]!)) end--;
  let text = '';
  let start = -1;
  let last = -1;
  for (let column = 0; column <= end; column++) {
    const isChanged = column < end && !looksSame(before[column] ?? BLANK, after[column]!);
    if (isChanged) {
      if (start === -1) start = column;
      last = column;
    }
    if (start !== -1 && (column === end || column - last >= GAP)) {
      text += runText(after, start, last + 1, cursor);
      cursor = last + 1;
      start = -1;
    }
  }
  if (before.slice(end).some((cell) => !isBlank(cell))) {
    text += (cursor === end ? '' : toColumn(end)) + ERASE_TO_END;
  }
  return text;
}

/**
 * What turns the terminal row showing `previous` into one showing `next`; with `previous` undefined the row's
 * content is not known and is erased first. Rows with wide cells (two columns each) are written from their first
 * changed cell to the end.
 */
export function rowChange(previous: string | undefined, next: string): string {
  const after = cellsOf(next);
  if (previous === undefined) return ERASE_ROW + changesOver([], after);
  const before = cellsOf(previous);
  if (!before.some((cell) => cell.fullWidth) && !after.some((cell) => cell.fullWidth)) {
    return changesOver(before, after);
  }
  let index = 0;
  let column = 0;
  while (index < before.length && index < after.length && looksSame(before[index]!, after[index]!)) {
    column += after[index]!.fullWidth ? 2 : 1;
    index++;
  }
  return toColumn(column) + styledCharsToString(after.slice(index)) + ERASE_TO_END;
}

/**
 * A first frame (lines separated by newlines) drawn onto blank rows from the start of the first, as Ink draws
 * it: each line's blank cells are not written.
 */
export function overBlank(frame: string): string {
  const lines = frame.split('\n').map((line) => {
    const cells = cellsOf(line);
    return cells.some((cell) => cell.fullWidth) ? line : changesOver([], cells, 0);
  });
  return shorterSequences(lines.join('\n'));
}

/**
 * The same frame in fewer bytes: the same cursor movements and the same styles, in shorter sequences. Ink steps
 * over each unchanged row with a cursor-next-line (CNL), returns to the frame's top with a cursor-up (CUU), and
 * writes each style as a sequence of its own:
 * - a run of CNLs becomes one with a count;
 * - CUU n then CNL k is CPL (cursor preceding line) n-k (the frame fits the screen, so neither stops at an edge);
 * - a newline followed by CNL k is CNL k+1 (a newline with rows of the frame below does not scroll);
 * - adjacent SGR sequences become one with their parameters in order (ECMA-48 applies them in order).
 */
export function shorterSequences(frame: string): string {
  return frame
    .replace(CNL_RUN, (run) => (run.length === 3 ? run : `${CSI}${run.length / 3}E`))
    .replace(CUU_CNL, (moves, up: string, down: string) => {
      const rows = Number(up || '1') - Number(down || '1');
      return rows > 0 ? `${CSI}${rows === 1 ? '' : rows}F` : moves;
    })
    .replace(NEWLINE_CNL, (_, down: string) => `${CSI}${Number(down || '1') + 1}E`)
    .replace(SGR_RUN, (run) => `${CSI}${run.slice(2, -1).split('m\u001B[').join(';')}m`);
}
