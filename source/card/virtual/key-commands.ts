import {timingSafeEqual} from 'node:crypto';
import {StatusWord} from '../../apdu/status-word.js';
import {
  concatBytes,
  decodeSingleTlv,
  decodeTlvs,
  encodeTlv,
  encodeTlvs,
  findTlv,
  type Tlv,
} from '../../apdu/tlv.js';
import {
  isAsymmetricSlot,
  KeyOrigin,
  METADATA_ALGORITHM_PIN,
  ObjectId,
  P1_MOVE_KEY_DELETE,
  PinPolicy,
  PinReference,
  Slot,
  TAG_GENERATE_ALGORITHM,
  TAG_GENERATE_TEMPLATE,
  TAG_METADATA_ALGORITHM,
  TAG_METADATA_IS_DEFAULT,
  TAG_METADATA_ORIGIN,
  TAG_METADATA_POLICY,
  TAG_METADATA_PUBLIC_KEY,
  TAG_METADATA_RETRIES,
  TAG_PIN_POLICY,
  TAG_PUBLIC_KEY_TEMPLATE,
  TAG_TOUCH_POLICY,
  TouchPolicy,
} from '../piv/constants.js';
import {requireManagementKey, resolvePinPolicy, resolveTouchPolicy} from './access-rules.js';
import {
  generatePrivateKey,
  importPrivateKey,
  isAlgorithmAvailable,
  publicKeyElements,
} from './asymmetric-keys.js';
import {attestKey} from './attestation.js';
import type {AppletCommand, AppletReply, CommandContext} from './command-context.js';
import {CardStatusError} from './errors.js';
import {
  DEFAULT_MANAGEMENT_KEY,
  DEFAULT_PIN,
  DEFAULT_PUK,
  padReferenceData,
  type ReferenceData,
} from './state.js';

/**
 * The slot keys: GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4 Part 2 clause 3.3.3) and the YubiKey's IMPORT KEY,
 * MOVE / DELETE KEY, GET METADATA and ATTEST. A new key replaces the slot's old one; the slot's certificate
 * object is left as it is (as on a YubiKey).
 */

/**
 * GENERATE ASYMMETRIC KEY PAIR: P2 the slot, data `AC { 80 alg, [AA pin policy], [AB touch policy] }`; answers
 * `7F49 { 81 n, 82 e }` or `7F49 { 86 point }`. Needs the management key (6982); 6A86 for P1 other than 00, 6A88
 * for a reference that is no key slot, 6A80 for an algorithm or policy the card does not offer; an injected
 * key-generation fault answers its status word and leaves the slot as it was.
 */
export async function generateKeyPair(context: CommandContext, command: AppletCommand): Promise<AppletReply> {
  if (command.p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  requireManagementKey(context.security);
  const slot = requireKeySlot(command.p2);
  const items = decodeOrWrongData(() => decodeTlvs(decodeSingleTlv(command.data, TAG_GENERATE_TEMPLATE)));
  const algorithmElement = findTlv(items, TAG_GENERATE_ALGORITHM);
  const algorithm = algorithmElement?.length === 1 ? algorithmElement[0]! : -1;
  if (!isAlgorithmAvailable(algorithm, context.state.firmware))
    throw new CardStatusError(StatusWord.WrongData);
  const policies = readPolicies(slot, items);
  const failure = context.faults.takeKeyGenerationFailure();
  if (failure !== undefined) throw new CardStatusError(failure);
  const privateKey = await generatePrivateKey(algorithm);
  context.state.keys.set(slot, {algorithm, ...policies, origin: KeyOrigin.Generated, privateKey});
  context.commit();
  return {
    data: encodeTlv(TAG_PUBLIC_KEY_TEMPLATE, publicKeyElements(privateKey)),
    operation: {type: 'key-generation', algorithm},
  };
}

/**
 * IMPORT KEY (YubiKey FE): P1 the algorithm, P2 the slot, data the key's elements (see importPrivateKey) and
 * optional AA / AB policies. Needs the management key (6982); 6A86 for an algorithm the card does not offer, 6A88
 * for a reference that is no key slot, 6A80 for malformed or inconsistent key elements.
 */
export function importKey(context: CommandContext, command: AppletCommand): AppletReply {
  requireManagementKey(context.security);
  const algorithm = command.p1;
  if (!isAlgorithmAvailable(algorithm, context.state.firmware))
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const slot = requireKeySlot(command.p2);
  const items = decodeOrWrongData(() => decodeTlvs(command.data));
  const policies = readPolicies(slot, items);
  const privateKey = importPrivateKey(algorithm, items);
  context.state.keys.set(slot, {algorithm, ...policies, origin: KeyOrigin.Imported, privateKey});
  context.commit();
  return {};
}

/**
 * MOVE KEY (YubiKey 5.7 F6): moves the key in slot P2 to the empty slot P1, or deletes it when P1 is FF. Needs the
 * management key (6982); 6A88 for a reference that is no key slot or an empty source, 6985 when the destination
 * holds a key.
 */
export function moveKey(context: CommandContext, command: AppletCommand): AppletReply {
  requireManagementKey(context.security);
  const {keys} = context.state;
  const source = requireKeySlot(command.p2);
  const key = keys.get(source);
  const isDelete = command.p1 === P1_MOVE_KEY_DELETE;
  const destination = isDelete ? undefined : requireKeySlot(command.p1);
  if (!key) throw new CardStatusError(StatusWord.ReferenceNotFound);
  if (destination !== undefined && keys.has(destination))
    throw new CardStatusError(StatusWord.ConditionsNotSatisfied);
  keys.delete(source);
  if (destination !== undefined) keys.set(destination, key);
  context.commit();
  return {};
}

/**
 * GET METADATA (YubiKey 5.3 F7) of the reference in P2: PIN and PUK (01 FF, 05 default, 06 total and remaining
 * tries), the management key (01 algorithm, 02 policies, 05 default) or a key slot (01 algorithm, 02 PIN and touch
 * policy, 03 origin, 04 public key). 6A88 for an empty slot or an unknown reference, 6A86 for P1 other than 00.
 */
export function getMetadata(context: CommandContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {state} = context;
  const reference = command.p2;
  if (reference === PinReference.Pin) return {data: referenceMetadata(state.pin, DEFAULT_PIN)};
  if (reference === PinReference.Puk) return {data: referenceMetadata(state.puk, DEFAULT_PUK)};
  if (reference === Slot.CardManagement) {
    const {algorithm, key, touchPolicy} = state.managementKey;
    const isDefault =
      key.length === DEFAULT_MANAGEMENT_KEY.length && timingSafeEqual(key, DEFAULT_MANAGEMENT_KEY);
    return {
      data: encodeTlvs([
        {tag: TAG_METADATA_ALGORITHM, value: Uint8Array.of(algorithm)},
        {tag: TAG_METADATA_POLICY, value: Uint8Array.of(PinPolicy.Default, touchPolicy)},
        {tag: TAG_METADATA_IS_DEFAULT, value: Uint8Array.of(isDefault ? 1 : 0)},
      ]),
    };
  }
  const key =
    isAsymmetricSlot(reference) || reference === Slot.Attestation ? state.keys.get(reference) : undefined;
  if (!key) throw new CardStatusError(StatusWord.ReferenceNotFound);
  return {
    data: encodeTlvs([
      {tag: TAG_METADATA_ALGORITHM, value: Uint8Array.of(key.algorithm)},
      {tag: TAG_METADATA_POLICY, value: Uint8Array.of(key.pinPolicy, key.touchPolicy)},
      {tag: TAG_METADATA_ORIGIN, value: Uint8Array.of(key.origin)},
      {tag: TAG_METADATA_PUBLIC_KEY, value: publicKeyElements(key.privateKey)},
    ]),
  };
}

/**
 * ATTEST (YubiKey F9): a certificate (DER) for the key generated in slot P1, signed by the attestation key. 6A88
 * for an empty slot or a reference that is no key slot, 6A80 for an imported key or a key kind the certificate
 * code does not take.
 */
export async function attest(context: CommandContext, command: AppletCommand): Promise<AppletReply> {
  const {keys, objects} = context.state;
  const slot = requireKeySlot(command.p1);
  const key = keys.get(slot);
  const attestationKey = keys.get(Slot.Attestation);
  const attestationCertificate = objects.get(ObjectId.Attestation);
  if (!key || !attestationKey || !attestationCertificate)
    throw new CardStatusError(StatusWord.ReferenceNotFound);
  if (key.origin !== KeyOrigin.Generated) throw new CardStatusError(StatusWord.WrongData);
  try {
    const certificate = await attestKey(
      {key: attestationKey, certificate: attestationCertificate},
      slot,
      key,
    );
    return {data: certificate, operation: {type: 'private-key', algorithm: attestationKey.algorithm}};
  } catch {
    throw new CardStatusError(StatusWord.WrongData);
  }
}

/** The metadata of a PIN or PUK: 01 FF, 05 whether it is still the factory value, 06 total and remaining tries. */
function referenceMetadata(reference: ReferenceData, factoryValue: string): Uint8Array {
  const isDefault = timingSafeEqual(reference.value, padReferenceData(factoryValue));
  return concatBytes([
    encodeTlv(TAG_METADATA_ALGORITHM, Uint8Array.of(METADATA_ALGORITHM_PIN)),
    encodeTlv(TAG_METADATA_IS_DEFAULT, Uint8Array.of(isDefault ? 1 : 0)),
    encodeTlv(TAG_METADATA_RETRIES, Uint8Array.of(reference.totalRetries, reference.remainingRetries)),
  ]);
}

/** The AA / AB policies among `items`, resolved for `slot`; 6A80 for a value other than 00-03. */
function readPolicies(slot: Slot, items: readonly Tlv[]): {pinPolicy: PinPolicy; touchPolicy: TouchPolicy} {
  const pin = findTlv(items, TAG_PIN_POLICY);
  const touch = findTlv(items, TAG_TOUCH_POLICY);
  const pinPolicy = pin === undefined ? PinPolicy.Default : pin.length === 1 ? pin[0]! : -1;
  const touchPolicy = touch === undefined ? TouchPolicy.Default : touch.length === 1 ? touch[0]! : -1;
  if (PinPolicy[pinPolicy] === undefined || TouchPolicy[touchPolicy] === undefined)
    throw new CardStatusError(StatusWord.WrongData);
  return {pinPolicy: resolvePinPolicy(slot, pinPolicy), touchPolicy: resolveTouchPolicy(touchPolicy)};
}

function requireKeySlot(reference: number): Slot {
  if (!isAsymmetricSlot(reference)) throw new CardStatusError(StatusWord.ReferenceNotFound);
  return reference;
}

function decodeOrWrongData<T>(decode: () => T): T {
  try {
    return decode();
  } catch {
    throw new CardStatusError(StatusWord.WrongData);
  }
}
