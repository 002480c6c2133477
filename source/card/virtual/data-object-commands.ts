import {StatusWord} from '../../apdu/status-word.js';
import {decodeTlvs, encodeTlv, type Tlv} from '../../apdu/tlv.js';
import {ObjectId, P1_DATA, P2_DATA, TAG_DATA, TAG_OBJECT_ID} from '../piv/constants.js';
import {requireManagementKey, requireReadAccess} from './access-rules.js';
import type {AppletCommand, AppletReply, CommandContext} from './command-context.js';
import {CardStatusError} from './errors.js';

/**
 * GET DATA and PUT DATA (SP 800-73-4 Part 2 clauses 3.1.2 and 3.3.2) over the card's data objects, with the
 * YubiKey's limits: one object holds at most 3063 bytes (its 3072-byte buffer less the tag list and 53 header),
 * all objects together about 51 KB (docs/piv-card.md section 7).
 */

/** Most bytes inside 53 of one object (YubiKey: 3072-byte object buffer, 3063 data). */
export const MAX_OBJECT_BYTES = 3063;
/** Most bytes of all objects together (YubiKey: about 51 KB of object storage). */
export const OBJECT_STORAGE_BYTES = 51_200;

/** Objects read and written as their own tag with no 53 wrapper and, on PUT DATA, no 5C tag list. */
const BARE_OBJECTS: ReadonlySet<number> = new Set([ObjectId.Discovery, ObjectId.BiometricGroupTemplate]);
const KNOWN_OBJECTS: ReadonlySet<number> = new Set(
  Object.values(ObjectId).filter((value): value is number => typeof value === 'number'),
);

/**
 * GET DATA: 5C L id in, `53 L value` out (Discovery and the BIT group template bare, as `7E L value`). 6A86 for
 * P1 P2 other than 3F FF, 6A80 for a malformed tag list, 6982 for a PIN-protected object without the PIN, 6A82
 * for an unknown or empty object.
 */
export function getData(context: CommandContext, command: AppletCommand): AppletReply {
  requireDataParameters(command);
  const items = decodeOrWrongData(command.data);
  const selector = items.length === 1 && items[0]!.tag === TAG_OBJECT_ID ? items[0]!.value : undefined;
  if (selector === undefined || selector.length === 0 || selector.length > 3)
    throw new CardStatusError(StatusWord.WrongData);
  const objectId = selector.reduce((id, byte) => id * 0x100 + byte, 0);
  requireReadAccess(context.security, objectId);
  const value = context.state.objects.get(objectId);
  if (value === undefined) throw new CardStatusError(StatusWord.NotFound);
  return {data: encodeTlv(BARE_OBJECTS.has(objectId) ? objectId : TAG_DATA, value)};
}

/**
 * PUT DATA: `5C L id 53 L value` (Discovery and the BIT group template bare: `7E L value`); an empty value
 * deletes the object. 6A86 for P1 P2 other than 3F FF, 6982 without the management key, 6A80 for a malformed
 * body or an object the card does not have, 6A84 for an object over 3063 bytes, a full card or an injected
 * memory-full fault.
 */
export function putData(context: CommandContext, command: AppletCommand): AppletReply {
  requireDataParameters(command);
  requireManagementKey(context.security);
  const {objectId, value} = parsePutData(decodeOrWrongData(command.data));
  const {objects} = context.state;
  if (value.length === 0) {
    if (objects.delete(objectId)) context.commit();
    return {};
  }
  const othersBytes = [...objects].reduce((sum, [id, held]) => sum + (id === objectId ? 0 : held.length), 0);
  if (
    value.length > MAX_OBJECT_BYTES ||
    othersBytes + value.length > OBJECT_STORAGE_BYTES ||
    context.faults.isMemoryFull
  )
    throw new CardStatusError(StatusWord.NotEnoughMemory);
  objects.set(objectId, Uint8Array.from(value));
  context.commit();
  return {};
}

function parsePutData(items: readonly Tlv[]): {objectId: number; value: Uint8Array} {
  const [first, second] = items;
  if (items.length === 1 && first && BARE_OBJECTS.has(first.tag))
    return {objectId: first.tag, value: first.value};
  if (
    items.length !== 2 ||
    first?.tag !== TAG_OBJECT_ID ||
    second?.tag !== TAG_DATA ||
    first.value.length === 0 ||
    first.value.length > 3
  )
    throw new CardStatusError(StatusWord.WrongData);
  const objectId = first.value.reduce((id, byte) => id * 0x100 + byte, 0);
  if (!KNOWN_OBJECTS.has(objectId) || BARE_OBJECTS.has(objectId))
    throw new CardStatusError(StatusWord.WrongData);
  return {objectId, value: second.value};
}

function requireDataParameters(command: AppletCommand): void {
  if (command.p1 !== P1_DATA || command.p2 !== P2_DATA) throw new CardStatusError(StatusWord.IncorrectP1P2);
}

function decodeOrWrongData(data: Uint8Array): Tlv[] {
  try {
    return decodeTlvs(data);
  } catch {
    throw new CardStatusError(StatusWord.WrongData);
  }
}
