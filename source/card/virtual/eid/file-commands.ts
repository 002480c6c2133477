import {SHORT_MAX_LE} from '../../../apdu/command.js';
import {StatusWord} from '../../../apdu/status-word.js';
import type {AppletCommand, AppletReply} from '../command-context.js';
import {CardStatusError} from '../errors.js';
import type {EidContext} from './command-context.js';
import {
  childWithId,
  fileControlParameters,
  fileFromCreateData,
  findDfByName,
  FID_MASTER_FILE,
  TAG_FCI,
  TAG_FCP,
  template,
  walkPath,
} from './file-system.js';
import {
  conditionOf,
  decodeSecurityAttributes,
  type FileOperation,
  requireCondition,
} from './security-attributes.js';
import {
  type CardFile,
  type DedicatedFile,
  LIFE_CYCLE_ACTIVATED,
  storageBytes,
  type TransparentFile,
} from './state.js';

/**
 * The file commands of the EID applet: SELECT, READ BINARY, UPDATE BINARY (ISO/IEC 7816-4 clauses 11.1 and 11.2),
 * CREATE FILE, DELETE FILE and ACTIVATE FILE (ISO/IEC 7816-9 clauses 6, 7 and 9), each under the access condition
 * the file's security attributes give (security-attributes.ts).
 */

/** SELECT P1 (ISO/IEC 7816-4 table 39). */
const P1_SELECT_BY_ID = 0x00;
const P1_SELECT_CHILD_DF = 0x01;
const P1_SELECT_CHILD_EF = 0x02;
const P1_SELECT_PARENT = 0x03;
const P1_SELECT_BY_NAME = 0x04;
const P1_SELECT_PATH_FROM_MF = 0x08;
const P1_SELECT_PATH_FROM_CURRENT = 0x09;
/** SELECT P2 (table 40): return the FCI, the FCP, or nothing; first occurrence only. */
const P2_SELECT_FCI = 0x00;
const P2_SELECT_FCP = 0x04;
const P2_SELECT_NO_RESPONSE = 0x0c;
/** READ / UPDATE BINARY P1 bit 8: a short EF identifier in P1 (not supported), else a 15-bit offset in P1 P2. */
const P1_SHORT_FILE_ID = 0x80;

/**
 * SELECT by identifier, child DF or EF, parent, DF name, or path from the MF or the current DF. The selected file
 * becomes current (an EF's DF becomes the current DF); answers its FCI (6F) or FCP (62) or nothing. Unknown files
 * and names answer 6A82 and leave the selection as it was.
 */
export function select(context: EidContext, command: AppletCommand): AppletReply {
  const {p1, p2, data} = command;
  if (p2 !== P2_SELECT_FCI && p2 !== P2_SELECT_FCP && p2 !== P2_SELECT_NO_RESPONSE)
    throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {parents, file} = findFile(context, p1, data);
  const {session} = context;
  if (file.kind === 'df') {
    session.dfs = [...parents, file];
    session.ef = undefined;
  } else {
    session.dfs = parents;
    session.ef = file;
  }
  if (p2 === P2_SELECT_NO_RESPONSE) return {};
  return {data: template(p2 === P2_SELECT_FCI ? TAG_FCI : TAG_FCP, fileControlParameters(file))};
}

/** READ BINARY from the current transparent EF: Ne bytes (256 without Le) from the offset, fewer at its end. */
export function readBinary(context: EidContext, command: AppletCommand): AppletReply {
  const {file, offset} = binaryTarget(context, command, 'read');
  if (command.data.length > 0) throw new CardStatusError(StatusWord.WrongLength);
  if (offset >= file.content.length) throw new CardStatusError(StatusWord.WrongP1P2);
  const length = Math.min(command.ne ?? SHORT_MAX_LE, file.content.length - offset);
  return {data: file.content.slice(offset, offset + length)};
}

/** UPDATE BINARY of the current transparent EF at the offset; 6A84 for data beyond its end. */
export function updateBinary(context: EidContext, command: AppletCommand): AppletReply {
  const {file, offset} = binaryTarget(context, command, 'update');
  if (command.data.length === 0) throw new CardStatusError(StatusWord.WrongLength);
  if (offset > file.content.length) throw new CardStatusError(StatusWord.WrongP1P2);
  if (offset + command.data.length > file.content.length)
    throw new CardStatusError(StatusWord.NotEnoughMemory);
  file.content.set(command.data, offset);
  context.commit();
  return {};
}

/**
 * CREATE FILE in the current DF (P1 P2 00 00): under the DF's create condition, with an identifier no sibling has
 * (6A89) and room on the card (6A84). The new file becomes current.
 */
export function createFile(context: EidContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0 || command.p2 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {state, session, faults} = context;
  const df = session.dfs.at(-1)!;
  requireFileCondition(context, df, 'create');
  const file = fileFromCreateData(command.data);
  if (childWithId(df, file.fid) !== undefined || file.fid === df.fid)
    throw new CardStatusError(StatusWord.FileExists);
  if (faults.isMemoryFull || storageBytes(state.root) + storageBytes(file) > state.capacity)
    throw new CardStatusError(StatusWord.NotEnoughMemory);
  df.children.push(file);
  context.commit();
  if (file.kind === 'df') {
    session.dfs = [...session.dfs, file];
    session.ef = undefined;
  } else {
    session.ef = file;
  }
  return {};
}

/**
 * DELETE FILE: the child of the current DF that the data names (2 bytes), or without data the current file, under
 * that file's delete condition. A deleted DF takes everything under it. The selection goes to the parent DF.
 */
export function deleteFile(context: EidContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0 || command.p2 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const {session} = context;
  let parent: DedicatedFile;
  let file: CardFile;
  if (command.data.length === 0) {
    file = session.ef ?? session.dfs.at(-1)!;
    if (file.fid === FID_MASTER_FILE && file.kind === 'df' && session.dfs.length === 1)
      throw new CardStatusError(StatusWord.CommandNotAllowed);
    parent = session.ef ? session.dfs.at(-1)! : session.dfs.at(-2)!;
  } else {
    if (command.data.length !== 2) throw new CardStatusError(StatusWord.WrongData);
    parent = session.dfs.at(-1)!;
    const found = childWithId(parent, (command.data[0]! << 8) | command.data[1]!);
    if (found === undefined) throw new CardStatusError(StatusWord.NotFound);
    file = found;
  }
  requireFileCondition(context, file, 'delete');
  parent.children.splice(parent.children.indexOf(file), 1);
  context.commit();
  const parentIndex = session.dfs.indexOf(parent);
  session.dfs = session.dfs.slice(0, parentIndex + 1);
  session.ef = undefined;
  if (session.environment && !isStillOnCard(context, session.environment.keyFile))
    session.environment = undefined;
  return {};
}

/** ACTIVATE FILE (P1 P2 00 00, no data): the current file's life cycle becomes operational, activated (07). */
export function activateFile(context: EidContext, command: AppletCommand): AppletReply {
  if (command.p1 !== 0 || command.p2 !== 0) throw new CardStatusError(StatusWord.IncorrectP1P2);
  if (command.data.length > 0) throw new CardStatusError(StatusWord.WrongLength);
  const file = context.session.ef ?? context.session.dfs.at(-1)!;
  if (file.lifeCycle !== LIFE_CYCLE_ACTIVATED) {
    file.lifeCycle = LIFE_CYCLE_ACTIVATED;
    context.commit();
  }
  return {};
}

/** Throws CardStatusError 6982 / 6986 unless `operation` on `file` is allowed now. */
export function requireFileCondition(context: EidContext, file: CardFile, operation: FileOperation): void {
  requireCondition(
    conditionOf(decodeSecurityAttributes(file.kind, file.securityAttributes), operation),
    context.session.verified,
  );
}

function findFile(
  context: EidContext,
  p1: number,
  data: Uint8Array,
): {parents: DedicatedFile[]; file: CardFile} {
  const {state, session} = context;
  const root = state.root;
  const current = session.dfs;
  const fid = data.length === 2 ? (data[0]! << 8) | data[1]! : undefined;
  switch (p1) {
    case P1_SELECT_BY_ID: {
      if (data.length === 0 || fid === FID_MASTER_FILE) return {parents: [], file: root};
      if (fid === undefined) throw new CardStatusError(StatusWord.WrongData);
      const child = childWithId(current.at(-1)!, fid);
      if (child) return {parents: current, file: child};
      if (fid === current.at(-1)!.fid) return {parents: current.slice(0, -1), file: current.at(-1)!};
      if (current.length > 1 && fid === current.at(-2)!.fid)
        return {parents: current.slice(0, -2), file: current.at(-2)!};
      throw new CardStatusError(StatusWord.NotFound);
    }
    case P1_SELECT_CHILD_DF:
    case P1_SELECT_CHILD_EF: {
      if (fid === undefined) throw new CardStatusError(StatusWord.WrongData);
      const child = childWithId(current.at(-1)!, fid);
      if (child === undefined || (child.kind === 'df') !== (p1 === P1_SELECT_CHILD_DF))
        throw new CardStatusError(StatusWord.NotFound);
      return {parents: current, file: child};
    }
    case P1_SELECT_PARENT:
      if (data.length > 0) throw new CardStatusError(StatusWord.WrongData);
      if (current.length === 1) throw new CardStatusError(StatusWord.NotFound);
      return {parents: current.slice(0, -2), file: current.at(-2)!};
    case P1_SELECT_BY_NAME: {
      const dfs = data.length === 0 ? undefined : findDfByName(root, data);
      if (dfs === undefined) throw new CardStatusError(StatusWord.NotFound);
      return {parents: dfs.slice(0, -1), file: dfs.at(-1)!};
    }
    case P1_SELECT_PATH_FROM_MF:
      return walkPath([root], data);
    case P1_SELECT_PATH_FROM_CURRENT:
      return walkPath(current, data);
    default:
      throw new CardStatusError(StatusWord.IncorrectP1P2);
  }
}

/** The current EF as READ / UPDATE BINARY need it, and the offset from P1 P2, under the operation's condition. */
function binaryTarget(
  context: EidContext,
  command: AppletCommand,
  operation: 'read' | 'update',
): {file: TransparentFile; offset: number} {
  if (command.p1 & P1_SHORT_FILE_ID) throw new CardStatusError(StatusWord.IncorrectP1P2);
  const file = context.session.ef;
  if (file === undefined) throw new CardStatusError(StatusWord.CommandNotAllowed);
  if (file.kind !== 'ef') throw new CardStatusError(StatusWord.IncompatibleFileStructure);
  requireFileCondition(context, file, operation);
  return {file, offset: (command.p1 << 8) | command.p2};
}

function isStillOnCard(context: EidContext, file: CardFile): boolean {
  const contains = (df: DedicatedFile): boolean =>
    df.children.some((child) => child === file || (child.kind === 'df' && contains(child)));
  return contains(context.state.root);
}
