import {describe, expect, it} from 'vitest';
import {
  describeStatusWord,
  exactLength,
  exactLengthStatusWord,
  moreDataLength,
  moreDataStatusWord,
  StatusWord,
  triesLeft,
  triesLeftStatusWord,
} from '../../source/apdu/status-word.js';

describe('status words', () => {
  it('have readable names for logs', () => {
    expect(StatusWord[0x9000]).toBe('Success');
    expect(StatusWord[0x6a82]).toBe('NotFound');
    expect(StatusWord[0x6983]).toBe('AuthMethodBlocked');
  });

  it.each([
    [0x6110, 16],
    [0x6101, 1],
    [0x61ff, 255],
    [0x6100, 256],
  ])('61xx %s announces %i more bytes', (sw, length) => {
    expect(moreDataLength(sw)).toBe(length);
  });

  it.each([
    [0x6c08, 8],
    [0x6c00, 256],
  ])('6Cxx %s asks for Le %i', (sw, length) => {
    expect(exactLength(sw)).toBe(length);
  });

  it.each([
    [0x63c3, 3],
    [0x63c1, 1],
    [0x63c0, 0],
    [0x63cf, 15],
  ])('63Cx %s leaves %i tries', (sw, tries) => {
    expect(triesLeft(sw)).toBe(tries);
  });

  it.each([0x9000, 0x6300, 0x6983, 0x6a82, 0x62c1, 0x6c10])('%s is not a tries-left status', (sw) => {
    expect(triesLeft(sw)).toBeUndefined();
  });

  it('encodes what a card answers so that the same counts read back', () => {
    expect(moreDataStatusWord(16)).toBe(0x6110);
    expect(moreDataStatusWord(300)).toBe(0x6100);
    for (const remaining of [1, 16, 255, 256])
      expect(moreDataLength(moreDataStatusWord(remaining))).toBe(remaining);
    expect(exactLengthStatusWord(8)).toBe(0x6c08);
    for (const length of [1, 8, 255, 256]) expect(exactLength(exactLengthStatusWord(length))).toBe(length);
    for (const tries of [0, 1, 3, 15]) expect(triesLeft(triesLeftStatusWord(tries))).toBe(tries);
  });

  it('keeps more than 15 tries left inside 63Cx, showing 15', () => {
    expect(triesLeftStatusWord(16)).toBe(0x63cf);
    expect(triesLeftStatusWord(255)).toBe(0x63cf);
  });

  it('finds no counts in other families', () => {
    expect(moreDataLength(0x9000)).toBeUndefined();
    expect(moreDataLength(0x6c10)).toBeUndefined();
    expect(exactLength(0x6110)).toBeUndefined();
  });

  it.each([
    [0x9000, '9000 Success'],
    [0x6a82, '6A82 NotFound'],
    [0x63c1, '63C1 1 try left'],
    [0x63c2, '63C2 2 tries left'],
    [0x6110, '6110 16 bytes waiting'],
    [0x6100, '6100 256 or more bytes waiting'],
    [0x6c08, '6C08 wrong Le, exact length 8'],
    [0x6a99, '6A99'],
  ])('describes %s as %j', (sw, text) => {
    expect(describeStatusWord(sw)).toBe(text);
  });
});
