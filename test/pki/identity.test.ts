import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {IdentityError} from '../../source/pki/errors.js';
import {isHsaId, isPersonnummer, parseHsaId, parsePersonnummer} from '../../source/pki/identity.js';
import {expectThrowsCode} from './expect-error.js';

/** The Luhn digit, written independently of the source: double every other digit from the right of the payload. */
function luhn(payload: string): number {
  const sum = [...payload]
    .reverse()
    .map(Number)
    .reduce((total, digit, index) => {
      const value = index % 2 === 0 ? digit * 2 : digit;
      return total + Math.floor(value / 10) + (value % 10);
    }, 0);
  return (10 - (sum % 10)) % 10;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Valid personnummer (and samordningsnummer) from any calendar date 1800-2099 and birth number. */
const validPersonnummer = fc
  .record({
    date: fc.date({
      min: new Date('1800-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    birthNumber: fc.integer({min: 0, max: 999}),
    isSamordningsnummer: fc.boolean(),
  })
  .map(({date, birthNumber, isSamordningsnummer}) => {
    const year = pad(date.getUTCFullYear(), 4);
    const month = pad(date.getUTCMonth() + 1, 2);
    const day = pad(date.getUTCDate() + (isSamordningsnummer ? 60 : 0), 2);
    const payload = `${year.slice(2)}${month}${day}${pad(birthNumber, 3)}`;
    return {value: `${year}${month}${day}${pad(birthNumber, 3)}${luhn(payload)}`, date, isSamordningsnummer};
  });

describe('HSA-id', () => {
  it('reads SE, the organisation number and the suffix', () => {
    expect(parseHsaId('SE2321000016-1234')).toEqual({
      value: 'SE2321000016-1234',
      organisationNumber: '2321000016',
      suffix: '1234',
    });
    expect(parseHsaId('SE2321000131-P000000123457').suffix).toBe('P000000123457');
    expect(isHsaId('SE2321000016-abcXYZ09')).toBe(true);
  });

  it.each([
    ['lower-case country', 'se2321000016-1234'],
    ['nine digits', 'SE232100001-1234'],
    ['eleven digits', 'SE23210000160-1234'],
    ['no hyphen', 'SE23210000161234'],
    ['empty suffix', 'SE2321000016-'],
    ['å in the suffix', 'SE2321000016-Åsa1'],
    ['@ in the suffix', 'SE2321000016-a@b'],
    ['a second hyphen', 'SE2321000016-12-34'],
    ['space around', ' SE2321000016-1234'],
    ['32 characters', `SE2321000016-${'A'.repeat(19)}`],
  ])('refuses %s', (_, value) => {
    expect(isHsaId(value)).toBe(false);
    expectThrowsCode(() => parseHsaId(value), 'hsa-id-malformed', IdentityError);
  });

  it('accepts 31 characters, the most Inera allows', () => {
    expect(parseHsaId(`SE2321000016-${'A'.repeat(18)}`).value).toHaveLength(31);
  });

  it('throws nothing but IdentityError for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({unit: 'binary'}), fc.stringMatching(/^SE\d{10}-[A-Za-z0-9]{0,25}$/)),
        (text) => {
          try {
            const parsed = parseHsaId(text);
            expect(`SE${parsed.organisationNumber}-${parsed.suffix}`).toBe(text);
            expect(isHsaId(text)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(IdentityError);
            expect(isHsaId(text)).toBe(false);
          }
        },
      ),
    );
  });
});

describe('personnummer', () => {
  it('reads a personnummer, with or without the hyphen, into twelve digits and the birth date', () => {
    for (const text of ['198112189876', '19811218-9876']) {
      expect(parsePersonnummer(text)).toEqual({
        value: '198112189876',
        birthDate: {year: 1981, month: 12, day: 18},
        isSamordningsnummer: false,
      });
    }
  });

  it('reads a samordningsnummer: the day plus 60', () => {
    expect(parsePersonnummer('198112789873')).toEqual({
      value: '198112789873',
      birthDate: {year: 1981, month: 12, day: 18},
      isSamordningsnummer: true,
    });
  });

  it.each([
    ['ten digits', '8112189876', 'personnummer-malformed'],
    ['a plus sign', '811218+9876', 'personnummer-malformed'],
    ['letters', '19811218987X', 'personnummer-malformed'],
    ['month 13', '198113189876', 'personnummer-date'],
    ['day 0', '198112009876', 'personnummer-date'],
    ['30 February', '198102309876', 'personnummer-date'],
    ['29 February of 1900', '190002299876', 'personnummer-date'],
    ['samordning day 92', '198101929876', 'personnummer-date'],
    ['a wrong check digit', '198112189877', 'personnummer-checksum'],
  ])('refuses %s', (_, value, code) => {
    expect(isPersonnummer(value)).toBe(false);
    expectThrowsCode(() => parsePersonnummer(value), code, IdentityError);
  });

  it('accepts 29 February of a leap year', () => {
    const payload = '000229123';
    expect(
      parsePersonnummer(`20${payload.slice(0, 6)}${payload.slice(6)}${luhn(payload)}`).birthDate,
    ).toEqual({
      year: 2000,
      month: 2,
      day: 29,
    });
  });

  it('never puts the number in its error message', () => {
    try {
      parsePersonnummer('198112189877');
    } catch (error) {
      expect((error as Error).message).not.toContain('19811218');
    }
  });

  it('validates every generated personnummer and samordningsnummer', () => {
    fc.assert(
      fc.property(validPersonnummer, ({value, date, isSamordningsnummer}) => {
        const parsed = parsePersonnummer(value);
        expect(parsed.value).toBe(value);
        expect(parsed.isSamordningsnummer).toBe(isSamordningsnummer);
        expect(parsed.birthDate).toEqual({
          year: date.getUTCFullYear(),
          month: date.getUTCMonth() + 1,
          day: date.getUTCDate(),
        });
      }),
    );
  });

  it('refuses every other check digit', () => {
    fc.assert(
      fc.property(validPersonnummer, fc.integer({min: 1, max: 9}), ({value}, shift) => {
        const wrong = `${value.slice(0, 11)}${(Number(value[11]) + shift) % 10}`;
        expectThrowsCode(() => parsePersonnummer(wrong), 'personnummer-checksum', IdentityError);
      }),
    );
  });

  it('throws nothing but IdentityError for any string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({unit: 'binary'}), fc.stringMatching(/^\d{8}-?\d{4}$/)),
        (text) => {
          try {
            expect(parsePersonnummer(text).value).toMatch(/^\d{12}$/);
          } catch (error) {
            expect(error).toBeInstanceOf(IdentityError);
          }
        },
      ),
    );
  });
});
