import {timingSafeEqual} from 'node:crypto';
import {StatusWord, triesLeftStatusWord} from '../../../apdu/status-word.js';
import type {AppletCommand, AppletReply} from '../command-context.js';
import {CardStatusError} from '../errors.js';
import type {EidContext} from './command-context.js';
import {REFERENCE_DATA_LENGTH, REFERENCE_DATA_PADDING} from './constants.js';
import type {PinRecord} from './state.js';

/**
 * VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER (ISO/IEC 7816-4 clauses 11.5.6, 11.5.7, 11.5.10) for the
 * PINs of the AODF, as OpenSC's iso7816_pin_cmd sends them: P1 00, P2 the PIN's reference, each value padded to 8
 * bytes with 00. A wrong value counts down the PIN's (or the PUK's) retry counter and answers 63Cx; at zero the PIN
 * is blocked (6983) until the PUK unblocks it; when the PUK itself runs out, every PIN it unblocks is blocked for
 * good: the card is dead, as SITHS cards are after more than ten wrong PUKs.
 */

/** VERIFY P1: verify (00), or reset the PIN's security status (FF, ISO/IEC 7816-4:2013 clause 11.5.6). */
const P1_VERIFY = 0x00;
const P1_VERIFY_LOGOUT = 0xff;
/** RESET RETRY COUNTER P1: PUK and new PIN (00), or the PUK only, keeping the PIN (01). */
const P1_UNBLOCK_WITH_NEW_PIN = 0x00;
const P1_UNBLOCK_ONLY = 0x01;
const DIGIT = /^[0-9]$/;

/**
 * VERIFY a PIN. Without data: 9000 when verified, else 63Cx with the tries left (6983 when blocked). FF logs the
 * PIN out. The PUK cannot be verified on its own (6A88).
 */
export function verify(context: EidContext, command: AppletCommand): AppletReply {
  const {p1, p2, data} = command;
  const pin = userPin(context, p2);
  if (p1 === P1_VERIFY_LOGOUT) {
    if (data.length > 0) throw new CardStatusError(StatusWord.WrongLength);
    context.session.verified.delete(p2);
    return {};
  }
  if (p1 !== P1_VERIFY) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (data.length === 0) {
    if (pin.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
    if (context.session.verified.has(p2)) return {};
    throw new CardStatusError(triesLeftStatusWord(pin.remainingRetries));
  }
  if (data.length !== REFERENCE_DATA_LENGTH) throw new CardStatusError(StatusWord.WrongLength);
  context.session.verified.delete(p2);
  checkValue(context, pin, data);
  context.session.verified.add(p2);
  return {};
}

/** CHANGE REFERENCE DATA: the current PIN and the new one, 8 bytes each. The PUK cannot be changed (6985). */
export function changeReferenceData(context: EidContext, command: AppletCommand): AppletReply {
  const {p1, p2, data} = command;
  if (p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const pin = pinRecord(context, p2);
  if (!pin.isChangeable) throw new CardStatusError(StatusWord.ConditionsNotSatisfied);
  if (data.length !== 2 * REFERENCE_DATA_LENGTH) throw new CardStatusError(StatusWord.WrongLength);
  const newValue = data.slice(REFERENCE_DATA_LENGTH);
  if (!isWellFormed(newValue, pin.minLength)) throw new CardStatusError(StatusWord.WrongData);
  if (pin.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
  context.session.verified.delete(p2);
  checkValue(context, pin, data.subarray(0, REFERENCE_DATA_LENGTH), () => (pin.value = newValue));
  context.session.verified.add(p2);
  return {};
}

/**
 * RESET RETRY COUNTER of a PIN with its PUK: P1 00 the PUK and a new PIN, P1 01 the PUK only. A right PUK resets
 * the PUK's and the PIN's counters; the PIN is not verified by it.
 */
export function resetRetryCounter(context: EidContext, command: AppletCommand): AppletReply {
  const {p1, p2, data} = command;
  if (p1 !== P1_UNBLOCK_WITH_NEW_PIN && p1 !== P1_UNBLOCK_ONLY)
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const pin = userPin(context, p2);
  const puk = pinRecord(context, pin.unblockedBy ?? -1);
  const expected = p1 === P1_UNBLOCK_ONLY ? REFERENCE_DATA_LENGTH : 2 * REFERENCE_DATA_LENGTH;
  if (data.length !== expected) throw new CardStatusError(StatusWord.WrongLength);
  const newValue = p1 === P1_UNBLOCK_ONLY ? undefined : data.slice(REFERENCE_DATA_LENGTH);
  if (newValue !== undefined && !isWellFormed(newValue, pin.minLength))
    throw new CardStatusError(StatusWord.WrongData);
  if (puk.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
  context.session.verified.delete(p2);
  checkValue(
    context,
    puk,
    data.subarray(0, REFERENCE_DATA_LENGTH),
    () => {
      pin.remainingRetries = pin.totalRetries;
      if (newValue !== undefined) pin.value = newValue;
    },
    () => {
      if (puk.remainingRetries > 0) return;
      for (const other of context.state.pins.values())
        if (other.unblockedBy === pin.unblockedBy) other.remainingRetries = 0;
    },
  );
  return {};
}

/**
 * Compares `value` with `pin` and commits the outcome: a match resets its counter and runs `onMatch`; a mismatch
 * counts down, runs `onMismatch` and throws 63Cx (63C0 on the last try). A blocked PIN answers 6983 without comparing.
 */
function checkValue(
  context: EidContext,
  pin: PinRecord,
  value: Uint8Array,
  onMatch: () => void = () => undefined,
  onMismatch: () => void = () => undefined,
): void {
  if (pin.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
  if (timingSafeEqual(pin.value, value)) {
    pin.remainingRetries = pin.totalRetries;
    onMatch();
    context.commit();
    return;
  }
  pin.remainingRetries--;
  onMismatch();
  context.commit();
  throw new CardStatusError(triesLeftStatusWord(pin.remainingRetries));
}

function pinRecord(context: EidContext, reference: number): PinRecord {
  const pin = context.state.pins.get(reference);
  if (pin === undefined) throw new CardStatusError(StatusWord.ReferenceNotFound);
  return pin;
}

/** A PIN a person types (not the PUK). */
function userPin(context: EidContext, reference: number): PinRecord {
  const pin = pinRecord(context, reference);
  if (pin.unblockedBy === undefined) throw new CardStatusError(StatusWord.ReferenceNotFound);
  return pin;
}

/** At least `minLength` ASCII digits, then only padding. */
function isWellFormed(value: Uint8Array, minLength: number): boolean {
  const end = value.indexOf(REFERENCE_DATA_PADDING);
  const digits = end === -1 ? value : value.subarray(0, end);
  return (
    digits.length >= minLength &&
    [...digits].every((byte) => DIGIT.test(String.fromCharCode(byte))) &&
    value.subarray(digits.length).every((byte) => byte === REFERENCE_DATA_PADDING)
  );
}
