import {randomBytes, timingSafeEqual} from 'node:crypto';
import {StatusWord} from '../../apdu/status-word.js';
import {decodeSingleTlv, decodeTlvs, encodeTlv, findTlv, type Tlv} from '../../apdu/tlv.js';
import {
  Algorithm,
  ALGORITHM_TRIPLE_DES_LEGACY,
  isAsymmetricSlot,
  P1_SET_MANAGEMENT_KEY,
  P2_SET_MANAGEMENT_KEY_NO_TOUCH,
  P2_SET_MANAGEMENT_KEY_TOUCH,
  Slot,
  TAG_AUTH_CHALLENGE,
  TAG_AUTH_EXPONENTIATION,
  TAG_AUTH_RESPONSE,
  TAG_AUTH_WITNESS,
  TAG_DYNAMIC_AUTHENTICATION,
  TAG_SET_MANAGEMENT_KEY,
  TouchPolicy,
} from '../piv/constants.js';
import {managementKeyCipher} from '../piv/management-key.js';
import {authorizeKeyUse, requireManagementKey, type SecurityState} from './access-rules.js';
import {agreeKey, ecdsaSign, ed25519Sign, isRsa, rsaPrivate} from './asymmetric-keys.js';
import type {AppletCommand, AppletReply, CommandContext} from './command-context.js';
import {CardStatusError} from './errors.js';
import {encryptBlock} from './management-key-cipher.js';
import {isAtLeast} from './state.js';

/**
 * GENERAL AUTHENTICATE (SP 800-73-4 Part 2 clause 3.2.4) with the management key (mutual and single
 * authentication, appendix A.1) and with the slot keys (raw RSA, ECDSA over a digest, key agreement, Ed25519), and
 * the YubiKey's SET MANAGEMENT KEY. Elements of the 7C template are accepted in any order; answers put 82 first.
 */

/**
 * GENERAL AUTHENTICATE. P2 9B: the management key, P1 its algorithm (00 taken as 3DES for a 3DES key, as OpenSC
 * sends it), else 6A86. Requests and answers:
 * - `80 00` -> `80 E(K, Rc)`; then `80 Rc 81 Rh [82 00]` -> `82 E(K, Rh)` and authenticated, or 6982;
 * - `81 00` -> `81 R`; then `82 E(K, R)` -> authenticated, or 6982.
 * Any other P2 is a key slot: `82 00 81 <input>` signs or decrypts, `82 00 85 <point>` agrees a key; 6A88 for an
 * empty slot or a reference that is no slot, 6A86 when P1 is not the key's algorithm, 6982 when the PIN policy is
 * not met, 6A80 for a malformed template or input.
 */
export function generalAuthenticate(context: CommandContext, command: AppletCommand): AppletReply {
  let items: Tlv[];
  try {
    items = decodeTlvs(decodeSingleTlv(command.data, TAG_DYNAMIC_AUTHENTICATION));
  } catch {
    throw new CardStatusError(StatusWord.WrongData);
  }
  return command.p2 === Slot.CardManagement
    ? authenticateManagementKey(context, command.p1, items)
    : operatePrivateKey(context, command, items);
}

function authenticateManagementKey(context: CommandContext, p1: number, items: readonly Tlv[]): AppletReply {
  const {security, state} = context;
  const {algorithm, key} = state.managementKey;
  const isAlgorithm =
    p1 === algorithm || (p1 === ALGORITHM_TRIPLE_DES_LEGACY && algorithm === Algorithm.TripleDes);
  if (!isAlgorithm) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {blockLength} = managementKeyCipher(algorithm)!;
  // Each witness or challenge is good for one answer, right or wrong.
  const pending = security.managementChallenge;
  security.managementChallenge = undefined;
  const witness = findTlv(items, TAG_AUTH_WITNESS);
  const challenge = findTlv(items, TAG_AUTH_CHALLENGE);
  const response = findTlv(items, TAG_AUTH_RESPONSE);

  if (witness?.length === 0 && challenge === undefined && !response?.length) {
    const plaintext = new Uint8Array(randomBytes(blockLength));
    security.managementChallenge = {kind: 'witness', plaintext};
    return {data: template(TAG_AUTH_WITNESS, encryptBlock(algorithm, key, plaintext))};
  }
  if (challenge?.length === 0 && witness === undefined && response === undefined) {
    const plaintext = new Uint8Array(randomBytes(blockLength));
    security.managementChallenge = {kind: 'challenge', plaintext};
    return {data: template(TAG_AUTH_CHALLENGE, plaintext)};
  }
  if (witness?.length && challenge?.length && !response?.length) {
    if (witness.length !== blockLength || challenge.length !== blockLength)
      throw new CardStatusError(StatusWord.WrongData);
    const expected = pending?.kind === 'witness' ? pending.plaintext : undefined;
    requireAnswer(security, expected, witness);
    return {data: template(TAG_AUTH_RESPONSE, encryptBlock(algorithm, key, challenge))};
  }
  if (response?.length && witness === undefined && challenge === undefined) {
    if (response.length !== blockLength) throw new CardStatusError(StatusWord.WrongData);
    const expected =
      pending?.kind === 'challenge' ? encryptBlock(algorithm, key, pending.plaintext) : undefined;
    requireAnswer(security, expected, response);
    return {};
  }
  throw new CardStatusError(StatusWord.WrongData);
}

/** Authenticates the host when `answer` is the `expected` one; otherwise (or with nothing pending) 6982. */
function requireAnswer(security: SecurityState, expected: Uint8Array | undefined, answer: Uint8Array): void {
  const isRight =
    expected !== undefined && expected.length === answer.length && timingSafeEqual(expected, answer);
  security.isManagementKeyAuthenticated = isRight;
  if (!isRight) throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
}

function operatePrivateKey(
  context: CommandContext,
  command: AppletCommand,
  items: readonly Tlv[],
): AppletReply {
  const slot = command.p2;
  const key = isAsymmetricSlot(slot) ? context.state.keys.get(slot) : undefined;
  if (!key) throw new CardStatusError(StatusWord.ReferenceNotFound);
  if (command.p1 !== key.algorithm) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const response = findTlv(items, TAG_AUTH_RESPONSE);
  const challenge = findTlv(items, TAG_AUTH_CHALLENGE);
  const exponentiation = findTlv(items, TAG_AUTH_EXPONENTIATION);
  const isSigning = challenge !== undefined && exponentiation === undefined;
  const isAgreement = exponentiation !== undefined && challenge === undefined;
  if (response?.length !== 0 || (!isSigning && !isAgreement)) throw new CardStatusError(StatusWord.WrongData);
  const {algorithm, privateKey} = key;
  const canSign = algorithm !== Algorithm.X25519;
  const canAgree = !isRsa(algorithm) && algorithm !== Algorithm.Ed25519;
  if ((isSigning && !canSign) || (isAgreement && !canAgree)) throw new CardStatusError(StatusWord.WrongData);
  authorizeKeyUse(context.security, key);
  let result: Uint8Array;
  if (isAgreement) result = agreeKey(privateKey, algorithm, exponentiation!);
  else if (isRsa(algorithm)) result = rsaPrivate(privateKey, challenge!);
  else if (algorithm === Algorithm.Ed25519) result = ed25519Sign(privateKey, challenge!);
  else result = ecdsaSign(privateKey, algorithm, challenge!);
  return {data: template(TAG_AUTH_RESPONSE, result), operation: {type: 'private-key', algorithm}};
}

/**
 * SET MANAGEMENT KEY (YubiKey FF, P1 FF, P2 FF without touch or FE with): `<algorithm> 9B <length> <key>`. AES
 * needs firmware 5.4. Needs the management key (6982); 6A86 for other P1 P2, 6A80 for an unknown algorithm or a
 * key of the wrong length.
 */
export function setManagementKey(context: CommandContext, command: AppletCommand): AppletReply {
  requireManagementKey(context.security);
  const isTouch = command.p2 === P2_SET_MANAGEMENT_KEY_TOUCH;
  if (command.p1 !== P1_SET_MANAGEMENT_KEY || (!isTouch && command.p2 !== P2_SET_MANAGEMENT_KEY_NO_TOUCH))
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const algorithm = command.data[0] ?? -1;
  let key: Uint8Array;
  try {
    key = decodeSingleTlv(command.data.subarray(1), TAG_SET_MANAGEMENT_KEY);
  } catch {
    throw new CardStatusError(StatusWord.WrongData);
  }
  const cipher = managementKeyCipher(algorithm);
  const isAvailable = algorithm === Algorithm.TripleDes || isAtLeast(context.state.firmware, 5, 4);
  if (!cipher || !isAvailable || key.length !== cipher.keyLength)
    throw new CardStatusError(StatusWord.WrongData);
  context.state.managementKey = {
    algorithm,
    key: Uint8Array.from(key),
    touchPolicy: isTouch ? TouchPolicy.Always : TouchPolicy.Never,
  };
  context.commit();
  return {};
}

function template(tag: number, value: Uint8Array): Uint8Array {
  return encodeTlv(TAG_DYNAMIC_AUTHENTICATION, encodeTlv(tag, value));
}
