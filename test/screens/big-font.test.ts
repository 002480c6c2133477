import {describe, expect, it} from 'vitest';
import {bigPixels, bigRows, bigWidth} from '../../source/screens/big-font.js';

const cells = {full: '█', upper: '▀', lower: '▄'};

describe('the big font', () => {
  it('draws five pixel rows per letter, one pixel apart', () => {
    expect(bigPixels('TI')).toEqual(['#####.###', '..#....#.', '..#....#.', '..#....#.', '..#...###']);
  });

  it('packs two pixel rows into one character row: 3 rows for 5 pixels', () => {
    expect(bigRows('I', cells)).toEqual(['▀█▀', ' █', '▀▀▀']);
  });

  it('draws lower-case as upper-case and skips characters it has no glyph for', () => {
    expect(bigRows('ta', cells)).toEqual(bigRows('TA', cells));
    expect(bigPixels('T#A')).toEqual(bigPixels('TA'));
  });

  it('measures the width of a line', () => {
    expect(bigWidth('DO NOT REMOVE')).toBe(73);
    expect(bigWidth('TA INTE UR')).toBe(53);
  });

  it('draws the Swedish letters', () => {
    expect(bigRows('ÅÄÖ', {full: '#', upper: '"', lower: '_'})[0]).toMatch(/#/);
  });
});
