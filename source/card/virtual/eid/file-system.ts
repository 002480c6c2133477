import {StatusWord} from '../../../apdu/status-word.js';
import {decodeTlvs, encodeTlv, encodeTlvs, equalBytes, findTlv, type Tlv} from '../../../apdu/tlv.js';
import {CardStatusError} from '../errors.js';
import {decodeSecurityAttributes, type FileKind} from './security-attributes.js';
import {
  type CardFile,
  type DedicatedFile,
  type KeyFile,
  LIFE_CYCLE_ACTIVATED,
  type TransparentFile,
} from './state.js';

/**
 * The EID card's file system as ISO/IEC 7816-4 clause 5.3 describes it: the tree, paths, and the file control
 * parameters (clause 5.3.3, table 12) a SELECT answers and a CREATE FILE (ISO/IEC 7816-9 clause 6) gives, in the
 * coding OpenSC's iso7816_process_fci and setcos_construct_fci_44 use.
 */

export const FID_MASTER_FILE = 0x3f00;
/** File identifiers no file may have (ISO/IEC 7816-4 clause 5.3.1.1): the MF's, the current-DF and RFU values. */
const RESERVED_FIDS: ReadonlySet<number> = new Set([FID_MASTER_FILE, 0x3fff, 0xffff]);
/** FCP / FCI templates (ISO/IEC 7816-4 table 12). */
export const TAG_FCP = 0x62;
export const TAG_FCI = 0x6f;
const TAG_DATA_SIZE = 0x80;
const TAG_ALLOCATED_SIZE = 0x81;
const TAG_DESCRIPTOR = 0x82;
const TAG_FILE_ID = 0x83;
const TAG_DF_NAME = 0x84;
const TAG_SECURITY_ATTRIBUTES = 0x86;
const TAG_LIFE_CYCLE = 0x8a;
/** File descriptor bytes: a DF, a transparent working EF, and SetCOS's internal EF for RSA keys. */
const DESCRIPTOR: Readonly<Record<FileKind, number>> = {df: 0x38, ef: 0x01, key: 0x11};
const KIND_OF_DESCRIPTOR: ReadonlyMap<number, FileKind> = new Map(
  Object.entries(DESCRIPTOR).map(([kind, byte]) => [byte, kind as FileKind]),
);
const MAX_DF_NAME = 16;
/** Life cycle states a new file may be created in: creation, initialisation, operational (de)activated. */
const CREATABLE_LIFE_CYCLES: ReadonlySet<number> = new Set([0x01, 0x03, 0x05, 0x07]);
/** The most bytes a transparent EF may hold: what READ and UPDATE BINARY's 15-bit offset reaches. */
export const MAX_EF_SIZE = 0x7fff;

/** The file control parameters of `file`: size, descriptor, identifier, DF name, security attributes, life cycle. */
export function fileControlParameters(file: CardFile): Uint8Array {
  const items: Tlv[] = [];
  if (file.kind !== 'df')
    items.push({tag: TAG_DATA_SIZE, value: twoBytes(file.kind === 'ef' ? file.content.length : 0)});
  items.push({tag: TAG_DESCRIPTOR, value: Uint8Array.of(DESCRIPTOR[file.kind])});
  items.push({tag: TAG_FILE_ID, value: twoBytes(file.fid)});
  if (file.kind === 'df' && file.name !== undefined) items.push({tag: TAG_DF_NAME, value: file.name});
  items.push({tag: TAG_SECURITY_ATTRIBUTES, value: file.securityAttributes});
  items.push({tag: TAG_LIFE_CYCLE, value: Uint8Array.of(file.lifeCycle)});
  return encodeTlvs(items);
}

/**
 * The file a CREATE FILE's data describes: a 62 (or 6F) template with 80 or 81 (size, EFs), 82 (descriptor), 83
 * (identifier), 84 (DF name), 86 (security attributes) and 8A (life cycle, default activated); other tags (A5, the
 * DF's PIN list) are accepted and not kept. Throws CardStatusError 6A80 for anything malformed, 6A84 for an EF
 * larger than this card's files can be.
 */
export function fileFromCreateData(data: Uint8Array): CardFile {
  const template = parseTlvs(data);
  const body = template.length === 1 ? template[0]! : undefined;
  if (body === undefined || (body.tag !== TAG_FCP && body.tag !== TAG_FCI)) throw wrongData();
  const items = parseTlvs(body.value);
  const descriptor = findTlv(items, TAG_DESCRIPTOR);
  const kind = descriptor?.length === 1 ? KIND_OF_DESCRIPTOR.get(descriptor[0]!) : undefined;
  const fidBytes = findTlv(items, TAG_FILE_ID);
  if (kind === undefined || fidBytes?.length !== 2) throw wrongData();
  const fid = (fidBytes[0]! << 8) | fidBytes[1]!;
  if (RESERVED_FIDS.has(fid)) throw wrongData();
  const securityAttributes = Uint8Array.from(findTlv(items, TAG_SECURITY_ATTRIBUTES) ?? []);
  decodeSecurityAttributes(kind, securityAttributes);
  const lifeCycleBytes = findTlv(items, TAG_LIFE_CYCLE);
  const lifeCycle = lifeCycleBytes === undefined ? LIFE_CYCLE_ACTIVATED : lifeCycleBytes[0];
  if (lifeCycle === undefined || lifeCycleBytes!.length > 1 || !CREATABLE_LIFE_CYCLES.has(lifeCycle))
    throw wrongData();
  const common = {fid, securityAttributes, lifeCycle};
  switch (kind) {
    case 'df': {
      const name = findTlv(items, TAG_DF_NAME);
      if (name !== undefined && (name.length === 0 || name.length > MAX_DF_NAME)) throw wrongData();
      return {...common, kind, ...(name && {name: Uint8Array.from(name)}), children: []};
    }
    case 'ef': {
      const size = findTlv(items, TAG_DATA_SIZE) ?? findTlv(items, TAG_ALLOCATED_SIZE);
      if (size === undefined || size.length === 0 || size.length > 2) throw wrongData();
      const length = size.reduce((value, byte) => (value << 8) | byte, 0);
      if (length > MAX_EF_SIZE) throw new CardStatusError(StatusWord.NotEnoughMemory);
      return {...common, kind, content: new Uint8Array(length)};
    }
    case 'key':
      return {...common, kind, privateKey: undefined};
  }
}

/** The child of `df` with identifier `fid`. */
export function childWithId(df: DedicatedFile, fid: number): CardFile | undefined {
  return df.children.find((child) => child.fid === fid);
}

/**
 * The file a path names and the DFs from the MF to its parent: `path` is a sequence of 2-byte identifiers, each a
 * child of the one before, the first a child of the last DF of `from` (the MF and its descendants). Throws
 * CardStatusError 6A82 when a step does not exist, 6A80 for a path of odd length or through an EF.
 */
export function walkPath(
  from: readonly DedicatedFile[],
  path: Uint8Array,
): {parents: DedicatedFile[]; file: CardFile} {
  if (path.length === 0 || path.length % 2 !== 0) throw wrongData();
  const parents = [...from];
  let file: CardFile | undefined;
  for (let offset = 0; offset < path.length; offset += 2) {
    if (file !== undefined) {
      if (file.kind !== 'df') throw wrongData();
      parents.push(file);
    }
    file = childWithId(parents.at(-1)!, (path[offset]! << 8) | path[offset + 1]!);
    if (file === undefined) throw new CardStatusError(StatusWord.NotFound);
  }
  return {parents, file: file!};
}

/** The DFs from the MF to the DF named `name` (an AID), found anywhere in the tree. */
export function findDfByName(root: DedicatedFile, name: Uint8Array): DedicatedFile[] | undefined {
  const search = (path: DedicatedFile[]): DedicatedFile[] | undefined => {
    const df = path.at(-1)!;
    if (df.name !== undefined && equalBytes(df.name, name)) return path;
    for (const child of df.children) {
      if (child.kind !== 'df') continue;
      const found = search([...path, child]);
      if (found) return found;
    }
    return undefined;
  };
  return search([root]);
}

/** Whether `file` is an EF (transparent or key). */
export function isElementary(file: CardFile): file is TransparentFile | KeyFile {
  return file.kind !== 'df';
}

/** The TLVs of `bytes`; throws CardStatusError 6A80 when they do not parse. */
export function parseTlvs(bytes: Uint8Array): Tlv[] {
  try {
    return decodeTlvs(bytes);
  } catch {
    throw wrongData();
  }
}

/** `value` in a template: the FCI (6F) or FCP (62) of a SELECT answer. */
export function template(tag: typeof TAG_FCI | typeof TAG_FCP, value: Uint8Array): Uint8Array {
  return encodeTlv(tag, value);
}

function twoBytes(value: number): Uint8Array {
  return Uint8Array.of(value >> 8, value & 0xff);
}

function wrongData(): CardStatusError {
  return new CardStatusError(StatusWord.WrongData);
}
