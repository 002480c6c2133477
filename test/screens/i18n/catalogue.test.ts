import {describe, expect, it} from 'vitest';
import {bigWidth, hasGlyph} from '../../../source/screens/big-font.js';
import {formatDate, formatDuration, type Catalogue} from '../../../source/screens/i18n/catalogue.js';
import {catalogues, languageFromLocale} from '../../../source/screens/i18n/language.js';
import {wayForwardFor} from '../../../source/upgrade/errors.js';
import {EVERY_ENGINE_ERROR} from '../engine-errors.js';

/** Every key path of a catalogue, with the kind of value at it. */
function keyPaths(value: unknown, path = ''): Map<string, string> {
  const paths = new Map<string, string>();
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      for (const [childPath, kind] of keyPaths(child, `${path}.${key}`)) paths.set(childPath, kind);
    }
  } else {
    paths.set(path, Array.isArray(value) ? 'array' : typeof value);
  }
  return paths;
}

/** Calls every text function with sample arguments and collects the strings. */
function texts(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (typeof value === 'function') {
    const result: unknown = (value as (...args: unknown[]) => unknown)(
      ...Array.from({length: value.length}, () => 3),
    );
    return typeof result === 'string' ? [result] : [];
  }
  if (value !== null && typeof value === 'object') {
    // The formatters take a number or a date; the formatting tests below cover them.
    return Object.entries(value)
      .filter(([key]) => !key.startsWith('format'))
      .flatMap(([, child]) => texts(child));
  }
  return [];
}

const [sv, en] = [catalogues.sv, catalogues.en];

describe('the catalogues', () => {
  it('have exactly the same keys in Swedish and English, with the same kinds of value', () => {
    const swedish = keyPaths(sv);
    const english = keyPaths(en);
    expect([...swedish.keys()].filter((key) => !english.has(key))).toEqual([]);
    expect([...english.keys()].filter((key) => !swedish.has(key))).toEqual([]);
    for (const [key, kind] of swedish) expect([key, english.get(key)]).toEqual([key, kind]);
  });

  it.each([sv, en])('have no empty text ($language)', (t: Catalogue) => {
    for (const text of texts(t)) expect(text.trim()).not.toBe('');
  });

  it.each([sv, en])('explain every engine error and its way forward ($language)', (t: Catalogue) => {
    for (const error of Object.values(EVERY_ENGINE_ERROR)) {
      const text = (t.errors[error.code] as (e: typeof error) => {title: string; detail: string})(error);
      expect(text.title.length).toBeGreaterThan(3);
      expect(text.detail.length).toBeGreaterThan(10);
      expect(t.wayForward[wayForwardFor(error)].length).toBeGreaterThan(5);
    }
  });

  it('use the staff instructions wording for the steps, the PIN names and the buttons in Swedish', () => {
    expect(sv.steps[1].title).toBe('Ta fram dina PIN-koder (legitimering och underskrift)');
    expect(sv.steps[7].title).toBe('Genererar certifikatsbegäran');
    expect(sv.steps[8].title).toBe('Hämtar och installerar certifikat');
    expect(sv.steps[9].title).toBe('Raderar gamla certifikat');
    expect(sv.steps[10].title).toBe('Certifikaten är nedladdade och uppgraderingen är klar');
    expect(sv.pin.prompts.login).toBe('Pinkod för Legitimering');
    expect(sv.pin.prompts.signature).toBe('Pinkod för Underskrift');
    expect(sv.terms.accept).toBe('Jag godkänner villkoren');
    expect(sv.terms.startDownload).toBe('STARTA NEDLADDNING');
  });

  it.each([sv, en])(
    'give a big-letter warning that fits 80 columns and the font can draw ($language)',
    (t: Catalogue) => {
      for (const line of t.progress.warningLines) {
        expect(bigWidth(line)).toBeLessThanOrEqual(78);
        for (const character of line) expect(hasGlyph(character)).toBe(true);
      }
      expect(t.progress.warningLines.join(' ')).toBe(t.progress.warning);
    },
  );

  it.each([sv, en])('give short step names that fit the step list ($language)', (t: Catalogue) => {
    for (const step of Object.values(t.steps)) expect(step.short.length).toBeLessThanOrEqual(23);
  });
});

describe('languageFromLocale', () => {
  it.each([
    ['en_US.UTF-8', 'en'],
    ['en_GB', 'en'],
    ['en', 'en'],
    ['sv_SE.UTF-8', 'sv'],
    ['C.UTF-8', 'sv'],
    ['POSIX', 'sv'],
    [undefined, 'sv'],
    ['eng', 'sv'],
  ] as const)('picks %s -> %s (Swedish unless the locale is English)', (locale, language) => {
    expect(languageFromLocale(locale)).toBe(language);
  });
});

describe('formatting', () => {
  it.each([
    [0, '0:00'],
    [999, '0:01'],
    [59_400, '0:59'],
    [83_000, '1:23'],
    [600_000, '10:00'],
    [-5, '0:00'],
  ])('writes %i ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('writes dates as ISO 8601 calendar dates', () => {
    expect(formatDate(new Date(2027, 2, 1, 12))).toBe('2027-03-01');
  });
});
