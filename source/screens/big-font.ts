/**
 * A 5-pixel-high block font for the "do not remove the card" warning. Two pixel rows share one character row
 * (upper half, lower half, both), so a line of big letters takes 3 terminal rows; 'DO NOT REMOVE' is 73
 * columns wide and fits an 80-column terminal.
 */

/** Each glyph: 5 rows of pixels, '#' set, '.' clear; all rows of a glyph have the same width. */
const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  A: ['.###.', '#...#', '#####', '#...#', '#...#'],
  B: ['####.', '#...#', '####.', '#...#', '####.'],
  C: ['.####', '#....', '#....', '#....', '.####'],
  D: ['####.', '#...#', '#...#', '#...#', '####.'],
  E: ['#####', '#....', '####.', '#....', '#####'],
  F: ['#####', '#....', '####.', '#....', '#....'],
  G: ['.####', '#....', '#..##', '#...#', '.####'],
  H: ['#...#', '#...#', '#####', '#...#', '#...#'],
  I: ['###', '.#.', '.#.', '.#.', '###'],
  J: ['....#', '....#', '....#', '#...#', '.###.'],
  K: ['#...#', '#..#.', '###..', '#..#.', '#...#'],
  L: ['#....', '#....', '#....', '#....', '#####'],
  M: ['#...#', '##.##', '#.#.#', '#...#', '#...#'],
  N: ['#...#', '##..#', '#.#.#', '#..##', '#...#'],
  O: ['.###.', '#...#', '#...#', '#...#', '.###.'],
  P: ['####.', '#...#', '####.', '#....', '#....'],
  Q: ['.###.', '#...#', '#.#.#', '#..#.', '.##.#'],
  R: ['####.', '#...#', '####.', '#..#.', '#...#'],
  S: ['.####', '#....', '.###.', '....#', '####.'],
  T: ['#####', '..#..', '..#..', '..#..', '..#..'],
  U: ['#...#', '#...#', '#...#', '#...#', '.###.'],
  V: ['#...#', '#...#', '#...#', '.#.#.', '..#..'],
  W: ['#...#', '#...#', '#.#.#', '##.##', '#...#'],
  X: ['#...#', '.#.#.', '..#..', '.#.#.', '#...#'],
  Y: ['#...#', '.#.#.', '..#..', '..#..', '..#..'],
  Z: ['#####', '...#.', '..#..', '.#...', '#####'],
  Å: ['..#..', '.###.', '#...#', '#####', '#...#'],
  Ä: ['.#.#.', '.###.', '#...#', '#####', '#...#'],
  Ö: ['.#.#.', '.###.', '#...#', '#...#', '.###.'],
  ' ': ['...', '...', '...', '...', '...'],
  '-': ['....', '....', '####', '....', '....'],
  '!': ['#', '#', '#', '.', '#'],
};

/** The characters the font can draw. */
export function hasGlyph(character: string): boolean {
  return GLYPHS[character.toUpperCase()] !== undefined;
}

/** The five pixel rows of `text` ('#' set, '.' clear), glyphs one pixel apart; unknown characters are skipped. */
export function bigPixels(text: string): string[] {
  const rows = ['', '', '', '', ''];
  const glyphs = [...text.toUpperCase()].flatMap((character) => {
    const glyph = GLYPHS[character];
    return glyph === undefined ? [] : [glyph];
  });
  glyphs.forEach((glyph, index) => {
    for (let row = 0; row < rows.length; row++) rows[row] += (index > 0 ? '.' : '') + glyph[row]!;
  });
  return rows;
}

/** The characters that draw two stacked pixels: both set, only the upper, only the lower. */
export interface BigCells {
  readonly full: string;
  readonly upper: string;
  readonly lower: string;
}

/** `text` in big letters: 3 terminal rows, two pixel rows per character row. */
export function bigRows(text: string, cells: BigCells): string[] {
  const pixels = bigPixels(text);
  const rows: string[] = [];
  for (let top = 0; top < pixels.length; top += 2) {
    const upper = pixels[top]!;
    const lower = pixels[top + 1] ?? '';
    let row = '';
    for (let column = 0; column < upper.length; column++) {
      const isUpper = upper[column] === '#';
      const isLower = lower[column] === '#';
      row += isUpper && isLower ? cells.full : isUpper ? cells.upper : isLower ? cells.lower : ' ';
    }
    rows.push(row.trimEnd());
  }
  return rows;
}

/** The width in columns of `text` in big letters. */
export function bigWidth(text: string): number {
  return bigPixels(text)[0]!.length;
}
