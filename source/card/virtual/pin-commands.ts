import {timingSafeEqual} from 'node:crypto';
import {StatusWord, triesLeftStatusWord} from '../../apdu/status-word.js';
import {P1_VERIFY_LOGOUT, PinReference} from '../piv/constants.js';
import {MIN_REFERENCE_DATA_CHARACTERS, REFERENCE_DATA_LENGTH, REFERENCE_DATA_PADDING} from '../piv/pin.js';
import {requireManagementKeyAndPin} from './access-rules.js';
import type {AppletCommand, AppletReply, CommandContext} from './command-context.js';
import {CardStatusError} from './errors.js';
import {DEFAULT_PIN, DEFAULT_PUK, isAtLeast, padReferenceData, type ReferenceData} from './state.js';

/**
 * VERIFY, CHANGE REFERENCE DATA, RESET RETRY COUNTER (SP 800-73-4 Part 2 clauses 3.2.1-3.2.3) and the YubiKey's
 * SET PIN RETRIES. A wrong PIN or PUK costs a try, saved before the answer (as a card decrements its counter
 * before it compares); a malformed one costs nothing (6A80). At zero tries the reference is blocked: 6983.
 */

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** Most tries a YubiKey counter takes (SET PIN RETRIES P1 / P2). */
const MAX_RETRIES = 0xff;

/**
 * VERIFY (P2 80, the PIV PIN): with 8 bytes of data checks the PIN; with none reports the status (9000 when
 * verified, 63Cx otherwise, 6983 blocked); P1 FF without data logs out (YubiKey 5.4.3+). 6A88 for any other key
 * reference (the global PIN and the pairing code are not offered), 6A86 for another P1.
 */
export function verify(context: CommandContext, command: AppletCommand): AppletReply {
  const {security, state} = context;
  if (command.p2 !== PinReference.Pin) throw new CardStatusError(StatusWord.ReferenceNotFound);
  if (command.p1 === P1_VERIFY_LOGOUT && isAtLeast(state.firmware, 5, 4, 3)) {
    if (command.data.length !== 0) throw new CardStatusError(StatusWord.WrongData);
    security.isPinVerified = false;
    security.isPinFresh = false;
    return {};
  }
  if (command.p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (command.data.length === 0) {
    if (state.pin.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
    if (security.isPinVerified) return {};
    throw new CardStatusError(triesLeftStatusWord(state.pin.remainingRetries));
  }
  if (!isWellFormed('pin', command.data)) throw new CardStatusError(StatusWord.WrongData);
  try {
    checkReferenceData(context, state.pin, command.data);
  } catch (error) {
    security.isPinVerified = false;
    security.isPinFresh = false;
    throw error;
  }
  security.isPinVerified = true;
  security.isPinFresh = true;
  return {};
}

/**
 * CHANGE REFERENCE DATA (P2 80 PIN, 81 PUK): the current value then the new one, 8 bytes each. 6A80 when either
 * is malformed, 6983 when the reference is blocked, 63Cx for a wrong current value, 6A88 for another reference.
 */
export function changeReferenceData(context: CommandContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const kind = command.p2 === PinReference.Pin ? 'pin' : command.p2 === PinReference.Puk ? 'puk' : undefined;
  if (kind === undefined) throw new CardStatusError(StatusWord.ReferenceNotFound);
  const [current, next] = splitPair(command.data, kind, kind);
  const reference = kind === 'pin' ? context.state.pin : context.state.puk;
  try {
    checkReferenceData(context, reference, current);
  } catch (error) {
    if (kind === 'pin') {
      context.security.isPinVerified = false;
      context.security.isPinFresh = false;
    }
    throw error;
  }
  reference.value = Uint8Array.from(next);
  context.commit();
  return {};
}

/**
 * RESET RETRY COUNTER (P2 80): the PUK then a new PIN, 8 bytes each; unblocks the PIN and gives it all its tries.
 * 6A80 when either is malformed, 6983 when the PUK is blocked, 63Cx for a wrong PUK, 6A88 for another reference.
 */
export function resetRetryCounter(context: CommandContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (command.p2 !== PinReference.Pin) throw new CardStatusError(StatusWord.ReferenceNotFound);
  const [puk, pin] = splitPair(command.data, 'puk', 'pin');
  const {state} = context;
  checkReferenceData(context, state.puk, puk);
  state.pin.value = Uint8Array.from(pin);
  state.pin.remainingRetries = state.pin.totalRetries;
  context.commit();
  return {};
}

/**
 * SET PIN RETRIES (YubiKey FA): P1 the PIN's tries, P2 the PUK's, 1-255 each; the PIN and PUK go back to their
 * defaults (123456, 12345678) and the PIN must be verified again. Needs the management key and the PIN (6982);
 * 6A86 for a zero count.
 */
export function setPinRetries(context: CommandContext, command: AppletCommand): AppletReply {
  requireManagementKeyAndPin(context.security);
  const {p1: pinTries, p2: pukTries} = command;
  if (pinTries === 0 || pukTries === 0 || pinTries > MAX_RETRIES || pukTries > MAX_RETRIES)
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {pin, puk} = context.state;
  Object.assign(pin, {
    value: padReferenceData(DEFAULT_PIN),
    totalRetries: pinTries,
    remainingRetries: pinTries,
  });
  Object.assign(puk, {
    value: padReferenceData(DEFAULT_PUK),
    totalRetries: pukTries,
    remainingRetries: pukTries,
  });
  context.security.isPinVerified = false;
  context.security.isPinFresh = false;
  context.commit();
  return {};
}

/**
 * Compares `offered` with the reference and counts: a match gives back every try, a mismatch costs one (saved)
 * and answers 63Cx; a blocked reference answers 6983 without comparing.
 */
function checkReferenceData(context: CommandContext, reference: ReferenceData, offered: Uint8Array): void {
  if (reference.remainingRetries === 0) throw new CardStatusError(StatusWord.AuthMethodBlocked);
  if (timingSafeEqual(reference.value, offered)) {
    if (reference.remainingRetries !== reference.totalRetries) {
      reference.remainingRetries = reference.totalRetries;
      context.commit();
    }
    return;
  }
  reference.remainingRetries--;
  context.commit();
  throw new CardStatusError(triesLeftStatusWord(reference.remainingRetries));
}

/** Two 8-byte values, each well-formed for its kind, or 6A80. */
function splitPair(data: Uint8Array, first: 'pin' | 'puk', second: 'pin' | 'puk'): [Uint8Array, Uint8Array] {
  if (data.length !== 2 * REFERENCE_DATA_LENGTH) throw new CardStatusError(StatusWord.WrongData);
  const a = data.subarray(0, REFERENCE_DATA_LENGTH);
  const b = data.subarray(REFERENCE_DATA_LENGTH);
  if (!isWellFormed(first, a) || !isWellFormed(second, b)) throw new CardStatusError(StatusWord.WrongData);
  return [a, b];
}

/**
 * Whether 8 bytes are a padded PIN (6-8 ASCII digits, SP 800-73-4 Part 2 clause 2.4.3) or PUK (6-8 bytes other
 * than FF, as the YubiKey takes it), followed only by FF padding.
 */
function isWellFormed(kind: 'pin' | 'puk', value: Uint8Array): boolean {
  if (value.length !== REFERENCE_DATA_LENGTH) return false;
  const padding = value.indexOf(REFERENCE_DATA_PADDING);
  const length = padding === -1 ? REFERENCE_DATA_LENGTH : padding;
  if (
    length < MIN_REFERENCE_DATA_CHARACTERS ||
    value.subarray(length).some((byte) => byte !== REFERENCE_DATA_PADDING)
  )
    return false;
  return kind === 'puk' || value.subarray(0, length).every((byte) => byte >= DIGIT_0 && byte <= DIGIT_9);
}
