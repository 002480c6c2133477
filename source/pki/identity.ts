import {IdentityError} from './errors.js';

/**
 * The two identities SITHS certificates carry in the subject serialNumber.
 *
 * HSA-id (Inera, Katalogtjänst HSA): "SE", the directory owner's ten-digit organisationsnummer without hyphen,
 * "-", then at least one letter A-Z/a-z or digit (no å, ä, ö or @), at most 31 characters in all. For example
 * SE2321000016-1234.
 *
 * Personnummer (Skatteverket, folkbokföringslagen 18 §): YYYYMMDD, a three-digit birth number, and a check digit,
 * the Luhn digit over the ten digits YYMMDDNNN. A samordningsnummer is the same with 60 added to the day.
 */

/** An HSA-id, split into its parts. */
export interface HsaId {
  readonly value: string;
  /** Ten digits: the organisationsnummer of the directory owner. */
  readonly organisationNumber: string;
  /** The part after the hyphen. */
  readonly suffix: string;
}

const HSA_ID = /^SE(\d{10})-([A-Za-z0-9]+)$/;
const HSA_ID_MAX_LENGTH = 31;

/** Reads an HSA-id. Throws IdentityError 'hsa-id-malformed'. */
export function parseHsaId(text: string): HsaId {
  const match = HSA_ID.exec(text);
  if (!match || text.length > HSA_ID_MAX_LENGTH) {
    throw new IdentityError(
      'hsa-id-malformed',
      `an HSA-id is SE, ten digits, a hyphen and 1 or more letters or digits, at most ${HSA_ID_MAX_LENGTH} characters (got ${text.length})`,
    );
  }
  return {value: text, organisationNumber: match[1]!, suffix: match[2]!};
}

/** Whether `text` is an HSA-id (see parseHsaId). */
export function isHsaId(text: string): boolean {
  return HSA_ID.test(text) && text.length <= HSA_ID_MAX_LENGTH;
}

/** A personnummer or samordningsnummer. */
export interface Personnummer {
  /** Twelve digits, YYYYMMDDNNNC, as written in certificates (the day is the written one, +60 for samordningsnummer). */
  readonly value: string;
  /** The date of birth. */
  readonly birthDate: {readonly year: number; readonly month: number; readonly day: number};
  readonly isSamordningsnummer: boolean;
}

const PERSONNUMMER = /^(\d{4})(\d{2})(\d{2})-?(\d{3})(\d)$/;
const SAMORDNINGSNUMMER_DAY_OFFSET = 60;

/**
 * Reads a personnummer or samordningsnummer: twelve digits YYYYMMDDNNNC, or with a hyphen before NNNC. Throws
 * IdentityError 'personnummer-malformed', 'personnummer-date', 'personnummer-checksum'. Messages do not quote the
 * number.
 */
export function parsePersonnummer(text: string): Personnummer {
  const match = PERSONNUMMER.exec(text);
  if (!match) {
    throw new IdentityError(
      'personnummer-malformed',
      `a personnummer is twelve digits YYYYMMDDNNNC (got ${text.length} characters)`,
    );
  }
  const [, yearText, monthText, dayText, birthNumber, checkText] = match as unknown as [string, ...string[]];
  const year = Number(yearText);
  const month = Number(monthText);
  const writtenDay = Number(dayText);
  const isSamordningsnummer = writtenDay > SAMORDNINGSNUMMER_DAY_OFFSET;
  const day = isSamordningsnummer ? writtenDay - SAMORDNINGSNUMMER_DAY_OFFSET : writtenDay;
  if (!isCalendarDate(year, month, day)) {
    throw new IdentityError('personnummer-date', 'the date part of the personnummer is not a calendar date');
  }
  const tenDigits = `${yearText!.slice(2)}${monthText}${dayText}${birthNumber}`;
  if (luhnCheckDigit(tenDigits) !== Number(checkText)) {
    throw new IdentityError('personnummer-checksum', 'the check digit of the personnummer is wrong');
  }
  return {
    value: `${yearText}${monthText}${dayText}${birthNumber}${checkText}`,
    birthDate: {year, month, day},
    isSamordningsnummer,
  };
}

/** Whether `text` is a valid personnummer or samordningsnummer (see parsePersonnummer). */
export function isPersonnummer(text: string): boolean {
  try {
    parsePersonnummer(text);
    return true;
  } catch {
    return false;
  }
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  // Day 0 of the next month is the last day of this one; setUTCFullYear, unlike Date.UTC, keeps years 0-99.
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month, 0);
  return day <= lastDay.getUTCDate();
}

/** The Luhn check digit of a digit string: weights 2, 1, 2, ... from the left, digit sums of the products. */
function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (const [index, character] of [...digits].entries()) {
    const product = Number(character) * (index % 2 === 0 ? 2 : 1);
    sum += product > 9 ? product - 9 : product;
  }
  return (10 - (sum % 10)) % 10;
}
