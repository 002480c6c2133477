import {createPrivateKey} from 'node:crypto';
import {algorithmOfKey} from '../asymmetric-keys.js';
import {bytes, check, hex, parseStateText, readStateFile, writeStateFile} from '../state-file.js';
import {REFERENCE_DATA_LENGTH} from './constants.js';
import {decodeSecurityAttributes} from './security-attributes.js';
import type {CardFile, EidCardState, PinRecord} from './state.js';

/**
 * The EID card's state file: JSON with the PINs and PUK in hex, the file tree with each file's content in hex and
 * each key file's private key as PKCS#8 PEM; written atomically, mode 0600, as the PIV card's (../state-file.ts).
 */

export const EID_STATE_FORMAT = 'siths-upgrade/virtual-eid-card';
const FORMAT_VERSION = 1;

interface StateJson {
  readonly format: typeof EID_STATE_FORMAT;
  readonly version: typeof FORMAT_VERSION;
  readonly capacity: number;
  readonly pins: readonly PinJson[];
  readonly root: FileJson;
}

interface PinJson {
  readonly reference: number;
  readonly value: string;
  readonly totalRetries: number;
  readonly remainingRetries: number;
  readonly unblockedBy?: number;
  readonly isChangeable: boolean;
  readonly minLength: number;
  readonly signaturesPerVerification?: 1;
}

interface FileJson {
  readonly kind: CardFile['kind'];
  readonly fid: number;
  readonly securityAttributes: string;
  readonly lifeCycle: number;
  readonly name?: string;
  readonly children?: readonly FileJson[];
  readonly content?: string;
  readonly privateKey?: string;
}

/** The state as the file's JSON text. */
export function serializeEidCardState(state: EidCardState): string {
  const json: StateJson = {
    format: EID_STATE_FORMAT,
    version: FORMAT_VERSION,
    capacity: state.capacity,
    pins: [...state.pins].map(([reference, pin]) => ({
      reference,
      value: hex(pin.value),
      totalRetries: pin.totalRetries,
      remainingRetries: pin.remainingRetries,
      ...(pin.unblockedBy !== undefined && {unblockedBy: pin.unblockedBy}),
      isChangeable: pin.isChangeable,
      minLength: pin.minLength,
      ...(pin.signaturesPerVerification !== undefined && {
        signaturesPerVerification: pin.signaturesPerVerification,
      }),
    })),
    root: fileJson(state.root),
  };
  return `${JSON.stringify(json, undefined, 2)}\n`;
}

/** Reads state from the file's JSON text. Throws VirtualCardError 'state-file-invalid' for anything off. */
export function parseEidCardState(text: string): EidCardState {
  return parseStateText(text, (json) => fromJson(json as StateJson));
}

/** Writes the state to `file` atomically and durably. Throws VirtualCardError 'state-file-failed'. */
export function saveEidCardState(file: string, state: EidCardState): void {
  writeStateFile(file, serializeEidCardState(state));
}

/** Reads the state from `file`. Throws VirtualCardError 'state-file-invalid' when it is missing or unusable. */
export function loadEidCardState(file: string): EidCardState {
  return parseEidCardState(readStateFile(file));
}

function fileJson(file: CardFile): FileJson {
  const common = {
    kind: file.kind,
    fid: file.fid,
    securityAttributes: hex(file.securityAttributes),
    lifeCycle: file.lifeCycle,
  };
  switch (file.kind) {
    case 'df':
      return {
        ...common,
        ...(file.name !== undefined && {name: hex(file.name)}),
        children: file.children.map(fileJson),
      };
    case 'ef':
      return {...common, content: hex(file.content)};
    case 'key':
      return {
        ...common,
        ...(file.privateKey !== undefined && {
          privateKey: file.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
        }),
      };
  }
}

function fromJson(json: StateJson): EidCardState {
  check(json.format === EID_STATE_FORMAT && json.version === FORMAT_VERSION, 'format or version');
  check(Number.isInteger(json.capacity) && json.capacity > 0, 'capacity');
  check(Array.isArray(json.pins), 'PINs');
  const root = fileFromJson(json.root);
  check(root.kind === 'df' && root.fid === 0x3f00, 'master file');
  return {
    capacity: json.capacity,
    pins: new Map(json.pins.map((pin) => [byte(pin.reference, 'PIN reference'), pinFromJson(pin)])),
    root,
  };
}

function pinFromJson(json: PinJson): PinRecord {
  const value = bytes(json.value, 'PIN');
  const {totalRetries, remainingRetries, minLength} = json;
  check(value.length === REFERENCE_DATA_LENGTH, 'PIN');
  check(Number.isInteger(totalRetries) && totalRetries >= 1 && totalRetries <= 15, 'PIN retries');
  check(
    Number.isInteger(remainingRetries) && remainingRetries >= 0 && remainingRetries <= totalRetries,
    'PIN retries',
  );
  check(Number.isInteger(minLength) && minLength >= 1 && minLength <= REFERENCE_DATA_LENGTH, 'PIN length');
  check(typeof json.isChangeable === 'boolean', 'PIN changeability');
  check(
    json.signaturesPerVerification === undefined || json.signaturesPerVerification === 1,
    'PIN signatures',
  );
  return {
    value,
    totalRetries,
    remainingRetries,
    ...(json.unblockedBy !== undefined && {unblockedBy: byte(json.unblockedBy, 'PUK reference')}),
    isChangeable: json.isChangeable,
    minLength,
    ...(json.signaturesPerVerification !== undefined && {signaturesPerVerification: 1 as const}),
  };
}

function fileFromJson(json: FileJson): CardFile {
  check(typeof json === 'object' && json !== null, 'file');
  check(Number.isInteger(json.fid) && json.fid >= 0 && json.fid <= 0xffff, 'file identifier');
  const securityAttributes = bytes(json.securityAttributes, 'security attributes');
  check(['df', 'ef', 'key'].includes(json.kind), 'file kind');
  try {
    decodeSecurityAttributes(json.kind, securityAttributes);
  } catch {
    check(false, 'security attributes');
  }
  const common = {fid: json.fid, securityAttributes, lifeCycle: byte(json.lifeCycle, 'life cycle')};
  switch (json.kind) {
    case 'df':
      check(Array.isArray(json.children), 'DF children');
      return {
        ...common,
        kind: 'df',
        ...(json.name !== undefined && {name: bytes(json.name, 'DF name')}),
        children: json.children!.map(fileFromJson),
      };
    case 'ef':
      return {...common, kind: 'ef', content: bytes(json.content, 'file content')};
    case 'key': {
      if (json.privateKey === undefined) return {...common, kind: 'key', privateKey: undefined};
      const privateKey = createPrivateKey({key: json.privateKey, format: 'pem'});
      check(privateKey.asymmetricKeyType === 'rsa' && algorithmOfKey(privateKey) !== undefined, 'key');
      return {...common, kind: 'key', privateKey};
    }
  }
}

function byte(value: unknown, what: string): number {
  check(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xff, what);
  return value as number;
}
