import {StatusWord} from '../../../apdu/status-word.js';
import {CardStatusError} from '../errors.js';
import {INS_GENERATE_KEY_PAIR, INS_PERFORM_SECURITY_OPERATION} from './constants.js';

/**
 * Who may do what to a file of the EID card: the security attributes of its FCP (tag 86) in the SetCOS 4.4 coding
 * that OpenSC writes in setcos_create_file_44 and reads in parse_sec_attr_44 (card-setcos.c). The card stores the
 * bytes as the host sent them at CREATE FILE and reads their meaning from them whenever an operation asks.
 *
 * The coding is a sequence of sub-fields:
 * - simple: `01 bb` (the operations of bitmap bb always allowed), `02 bb pp` (allowed after PIN pp);
 * - adaptive: `82 01 ins` (instruction ins always allowed), `83 01 ins pp` (after PIN pp), for PSO (2A) and
 *   GENERATE KEY PAIR (46) on a key file.
 * Operations no sub-field mentions are never allowed. Key numbers (bit 0x20) and secure messaging are not part of
 * this card: such sub-fields make CREATE FILE answer 6A80.
 */

/** Operations on a file, as the card's commands need them. */
export type FileOperation = 'read' | 'update' | 'delete' | 'create' | 'generate' | 'sign';

/** What an operation needs. */
export type AccessCondition =
  {readonly type: 'always'} | {readonly type: 'never'} | {readonly type: 'pin'; readonly reference: number};

/** The conditions of a file's operations; an operation left out is never allowed. */
export type AccessRules = Readonly<Partial<Record<FileOperation, AccessCondition>>>;

/** The kinds of file, whose bitmaps mean different operations: DF (38), working EF (01), internal key EF (11). */
export type FileKind = 'df' | 'ef' | 'key';

/**
 * What each bit of a simple-coding bitmap allows, bit 0 first (card-setcos.c parse_sec_attr_44: df_idx, ef_idx,
 * efi_idx). INVALIDATE, REHABILITATE and LOCK are not commands of this card.
 */
const BITMAP_OPERATIONS: Readonly<Record<FileKind, readonly (FileOperation | undefined)[]>> = {
  df: ['delete', 'create', 'create', undefined, undefined, undefined, 'delete', undefined],
  ef: ['read', 'update', 'update', undefined, undefined, undefined, 'delete', undefined],
  key: ['read', 'delete', 'generate', undefined, undefined, undefined, 'delete', undefined],
};
/** The instructions of adaptive sub-fields, and the operation each names. */
const ADAPTIVE_OPERATIONS: ReadonlyMap<number, FileOperation> = new Map([
  [INS_PERFORM_SECURITY_OPERATION, 'sign'],
  [INS_GENERATE_KEY_PAIR, 'generate'],
]);
const SIMPLE_ALWAYS = 0x01;
const SIMPLE_PIN = 0x02;
const ADAPTIVE_ALWAYS = 0x82;
const ADAPTIVE_PIN = 0x83;
/** The access-mode byte of an adaptive sub-field: no P1, P2 or option bytes follow the instruction. */
const ADAPTIVE_ACCESS_MODE = 0x01;

const NEVER: AccessCondition = {type: 'never'};

/** The rules `attributes` give a file of `kind`. Throws CardStatusError 6A80 for a coding this card does not have. */
export function decodeSecurityAttributes(kind: FileKind, attributes: Uint8Array): AccessRules {
  const rules: Partial<Record<FileOperation, AccessCondition>> = {};
  let offset = 0;
  while (offset < attributes.length) {
    const header = attributes[offset]!;
    const length = header & 0x0f;
    const field = attributes.subarray(offset + 1, offset + 1 + length);
    if (field.length !== length) throw malformed();
    offset += 1 + length;
    if (header === SIMPLE_ALWAYS || header === SIMPLE_PIN) {
      const condition = header === SIMPLE_ALWAYS ? ALWAYS : pinCondition(field[1]);
      BITMAP_OPERATIONS[kind].forEach((operation, bit) => {
        if (operation !== undefined && (field[0]! >> bit) & 1) rules[operation] = condition;
      });
    } else if ((header === ADAPTIVE_ALWAYS || header === ADAPTIVE_PIN) && kind === 'key') {
      const operation = ADAPTIVE_OPERATIONS.get(field[1]!);
      if (field[0] !== ADAPTIVE_ACCESS_MODE || operation === undefined) throw malformed();
      rules[operation] = header === ADAPTIVE_ALWAYS ? ALWAYS : pinCondition(field[2]);
    } else {
      throw malformed();
    }
  }
  return rules;
}

/** The tag-86 bytes for `rules` on a file of `kind` (what a host sends in CREATE FILE, and the fixtures write). */
export function encodeSecurityAttributes(kind: FileKind, rules: AccessRules): Uint8Array {
  const bytes: number[] = [];
  const conditions = new Map<string, AccessCondition>();
  for (const condition of Object.values(rules)) conditions.set(conditionKey(condition), condition);
  for (const condition of conditions.values()) {
    if (condition.type === 'never') continue;
    let bitmap = 0;
    BITMAP_OPERATIONS[kind].forEach((operation, bit) => {
      if (
        operation !== undefined &&
        !isAdaptive(kind, operation) &&
        sameCondition(rules[operation], condition)
      )
        bitmap |= 1 << bit;
    });
    if (bitmap !== 0)
      bytes.push(
        ...(condition.type === 'always'
          ? [SIMPLE_ALWAYS, bitmap]
          : [SIMPLE_PIN, bitmap, condition.reference]),
      );
  }
  for (const [ins, operation] of ADAPTIVE_OPERATIONS) {
    const condition = rules[operation];
    if (!isAdaptive(kind, operation) || condition === undefined || condition.type === 'never') continue;
    bytes.push(
      ...(condition.type === 'always'
        ? [ADAPTIVE_ALWAYS, ADAPTIVE_ACCESS_MODE, ins]
        : [ADAPTIVE_PIN, ADAPTIVE_ACCESS_MODE, ins, condition.reference]),
    );
  }
  return Uint8Array.from(bytes);
}

/** The condition of `operation` under `rules`: never when the rules do not mention it. */
export function conditionOf(rules: AccessRules, operation: FileOperation): AccessCondition {
  return rules[operation] ?? NEVER;
}

/**
 * Throws CardStatusError 6982 unless `condition` holds with the PINs in `verified` (the security state); 6986 for
 * an operation that is never allowed.
 */
export function requireCondition(condition: AccessCondition, verified: ReadonlySet<number>): void {
  if (condition.type === 'always') return;
  if (condition.type === 'never') throw new CardStatusError(StatusWord.CommandNotAllowed);
  if (!verified.has(condition.reference)) throw new CardStatusError(StatusWord.SecurityStatusNotSatisfied);
}

const ALWAYS: AccessCondition = {type: 'always'};

/** On a key file, signing is only in the adaptive coding (PSO); key generation in the bitmap's UPDATE bit. */
function isAdaptive(kind: FileKind, operation: FileOperation): boolean {
  return kind === 'key' && operation === 'sign';
}

function pinCondition(reference: number | undefined): AccessCondition {
  if (reference === undefined) throw malformed();
  return {type: 'pin', reference};
}

function conditionKey(condition: AccessCondition): string {
  return condition.type === 'pin' ? `pin:${condition.reference}` : condition.type;
}

function sameCondition(a: AccessCondition | undefined, b: AccessCondition): boolean {
  return a !== undefined && conditionKey(a) === conditionKey(b);
}

function malformed(): CardStatusError {
  return new CardStatusError(StatusWord.WrongData);
}
