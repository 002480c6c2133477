import {createPrivateKey, randomBytes} from 'node:crypto';
import {closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeSync} from 'node:fs';
import {dirname} from 'node:path';
import {isAsymmetricSlot, KeyOrigin, PinPolicy, Slot, TouchPolicy} from '../piv/constants.js';
import {managementKeyCipher} from '../piv/management-key.js';
import {REFERENCE_DATA_LENGTH} from '../piv/pin.js';
import {algorithmOfKey} from './asymmetric-keys.js';
import {VirtualCardError} from './errors.js';
import type {CardState, ReferenceData, StoredKey} from './state.js';

/**
 * The virtual card's state file: JSON with the PIN, PUK and management key in hex and the private keys as PKCS#8
 * PEM (the only file these may be written to; it is created mode 0600). Every save replaces the file atomically
 * (write a temporary file, fsync, rename, fsync the directory), so a process killed at any moment leaves either
 * the old state or the new one, never a mix: the card's EEPROM.
 */

export const PIV_STATE_FORMAT = 'siths-upgrade/virtual-piv-card';
const FORMAT_VERSION = 1;
const FILE_MODE = 0o600;

interface StateFileJson {
  readonly format: typeof PIV_STATE_FORMAT;
  readonly version: typeof FORMAT_VERSION;
  readonly firmware: string;
  readonly serial: number;
  readonly pin: ReferenceDataJson;
  readonly puk: ReferenceDataJson;
  readonly managementKey: {readonly algorithm: number; readonly key: string; readonly touchPolicy: number};
  readonly keys: readonly {
    readonly slot: string;
    readonly algorithm: number;
    readonly pinPolicy: number;
    readonly touchPolicy: number;
    readonly origin: number;
    readonly privateKey: string;
  }[];
  readonly objects: readonly {readonly id: string; readonly value: string}[];
}

interface ReferenceDataJson {
  readonly value: string;
  readonly totalRetries: number;
  readonly remainingRetries: number;
}

/** The state as the file's JSON text. */
export function serializeCardState(state: CardState): string {
  const json: StateFileJson = {
    format: PIV_STATE_FORMAT,
    version: FORMAT_VERSION,
    firmware: `${state.firmware.major}.${state.firmware.minor}.${state.firmware.patch}`,
    serial: state.serial,
    pin: referenceJson(state.pin),
    puk: referenceJson(state.puk),
    managementKey: {
      algorithm: state.managementKey.algorithm,
      key: hex(state.managementKey.key),
      touchPolicy: state.managementKey.touchPolicy,
    },
    keys: [...state.keys].map(([slot, key]) => ({
      slot: slot.toString(16),
      algorithm: key.algorithm,
      pinPolicy: key.pinPolicy,
      touchPolicy: key.touchPolicy,
      origin: key.origin,
      privateKey: key.privateKey.export({type: 'pkcs8', format: 'pem'}).toString(),
    })),
    objects: [...state.objects].map(([id, value]) => ({id: id.toString(16), value: hex(value)})),
  };
  return `${JSON.stringify(json, undefined, 2)}\n`;
}

/** Reads state from the file's JSON text. Throws VirtualCardError 'state-file-invalid' for anything off. */
export function parseCardState(text: string): CardState {
  return parseStateText(text, (json) => fromJson(json as StateFileJson));
}

/**
 * A state from a state file's JSON text, read by `fromJson`. Throws VirtualCardError 'state-file-invalid' for text
 * that does not parse, and passes on what `fromJson` throws (its own 'state-file-invalid' through {@link check}).
 */
export function parseStateText<State>(text: string, fromJson: (json: unknown) => State): State {
  try {
    return fromJson(JSON.parse(text));
  } catch (error) {
    if (error instanceof VirtualCardError) throw error;
    throw new VirtualCardError('state-file-invalid', 'the virtual card state file does not parse', {
      cause: error,
    });
  }
}

/** The `format` a state file's JSON text names (PIV or EID card), or undefined when it names none. */
export function stateFileFormat(text: string): string | undefined {
  try {
    const {format} = JSON.parse(text) as {format?: unknown};
    return typeof format === 'string' ? format : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Writes the state to `file`, replacing it atomically and durably. Throws VirtualCardError 'state-file-failed'
 * when it cannot be written (the old file is then left as it was).
 */
export function saveCardState(file: string, state: CardState): void {
  writeStateFile(file, serializeCardState(state));
}

/** Reads the state from `file`. Throws VirtualCardError 'state-file-invalid' when it is missing or unusable. */
export function loadCardState(file: string): CardState {
  return parseCardState(readStateFile(file));
}

/**
 * Replaces a virtual card's state file with `text`, atomically and durably (see the top of this file), mode 0600.
 * Throws VirtualCardError 'state-file-failed' when it cannot be written (the old file is then left as it was).
 */
export function writeStateFile(file: string, text: string): void {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const descriptor = openSync(temporary, 'w', FILE_MODE);
    try {
      writeSync(descriptor, text);
      fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temporary, file);
    const directory = openSync(dirname(file), 'r');
    try {
      fsyncSync(directory);
    } finally {
      closeSync(directory);
    }
  } catch (error) {
    rmSync(temporary, {force: true});
    throw new VirtualCardError('state-file-failed', `cannot write the virtual card state file ${file}`, {
      cause: error,
    });
  }
}

/** The text of a virtual card's state file. Throws VirtualCardError 'state-file-invalid' when it cannot be read. */
export function readStateFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new VirtualCardError('state-file-invalid', `cannot read the virtual card state file ${file}`, {
      cause: error,
    });
  }
}

/**
 * The state in `file` when the file exists, else a new state from `create`, saved there at once. Throws
 * VirtualCardError 'state-file-invalid' (the file exists but does not load) or 'state-file-failed'.
 */
export async function loadOrCreateState<State>(
  file: string,
  load: (file: string) => State,
  save: (file: string, state: State) => void,
  create: () => Promise<State>,
): Promise<State> {
  try {
    return load(file);
  } catch (error) {
    const cause = error instanceof VirtualCardError ? error.cause : undefined;
    if ((cause as NodeJS.ErrnoException | undefined)?.code !== 'ENOENT') throw error;
  }
  const state = await create();
  save(file, state);
  return state;
}

function fromJson(json: StateFileJson): CardState {
  check(json.format === PIV_STATE_FORMAT && json.version === FORMAT_VERSION, 'format or version');
  const firmware = /^(\d+)\.(\d+)\.(\d+)$/.exec(json.firmware);
  check(firmware !== null, 'firmware');
  check(Number.isInteger(json.serial) && json.serial >= 0 && json.serial <= 0xffff_ffff, 'serial');
  const {algorithm, key, touchPolicy} = json.managementKey;
  const cipher = managementKeyCipher(algorithm);
  const keyBytes = bytes(key, 'management key');
  check(cipher !== undefined && keyBytes.length === cipher.keyLength, 'management key');
  check(TouchPolicy[touchPolicy] !== undefined, 'management key touch policy');
  return {
    firmware: {major: Number(firmware![1]), minor: Number(firmware![2]), patch: Number(firmware![3])},
    serial: json.serial,
    pin: referenceData(json.pin, 'PIN'),
    puk: referenceData(json.puk, 'PUK'),
    managementKey: {algorithm, key: keyBytes, touchPolicy},
    keys: new Map(json.keys.map((entry) => storedKey(entry))),
    objects: new Map(
      json.objects.map(({id, value}) => {
        check(/^[0-9a-f]{2,6}$/.test(id), 'object id');
        return [Number.parseInt(id, 16), bytes(value, 'object')];
      }),
    ),
  };
}

function storedKey(entry: StateFileJson['keys'][number]): [Slot, StoredKey] {
  const slot = Number.parseInt(entry.slot, 16);
  check(isAsymmetricSlot(slot) || slot === Slot.Attestation, 'key slot');
  const privateKey = createPrivateKey({key: entry.privateKey, format: 'pem'});
  check(algorithmOfKey(privateKey) === entry.algorithm, 'key algorithm');
  check(PinPolicy[entry.pinPolicy] !== undefined && entry.pinPolicy !== PinPolicy.Default, 'PIN policy');
  check(
    TouchPolicy[entry.touchPolicy] !== undefined && entry.touchPolicy !== TouchPolicy.Default,
    'touch policy',
  );
  check(KeyOrigin[entry.origin] !== undefined, 'key origin');
  return [
    slot as Slot,
    {
      algorithm: entry.algorithm,
      pinPolicy: entry.pinPolicy,
      touchPolicy: entry.touchPolicy,
      origin: entry.origin,
      privateKey,
    },
  ];
}

function referenceData(json: ReferenceDataJson, what: string): ReferenceData {
  const value = bytes(json.value, what);
  const {totalRetries, remainingRetries} = json;
  check(value.length === REFERENCE_DATA_LENGTH, what);
  check(Number.isInteger(totalRetries) && totalRetries >= 1 && totalRetries <= 0xff, `${what} retries`);
  check(
    Number.isInteger(remainingRetries) && remainingRetries >= 0 && remainingRetries <= totalRetries,
    `${what} retries`,
  );
  return {value, totalRetries, remainingRetries};
}

function referenceJson(reference: ReferenceData): ReferenceDataJson {
  return {
    value: hex(reference.value),
    totalRetries: reference.totalRetries,
    remainingRetries: reference.remainingRetries,
  };
}

export function bytes(text: unknown, what: string): Uint8Array {
  check(typeof text === 'string' && /^([0-9a-f]{2})*$/.test(text), what);
  return new Uint8Array(Buffer.from(text as string, 'hex'));
}

export function hex(value: Uint8Array): string {
  return Buffer.from(value).toString('hex');
}

export function check(condition: boolean, what: string): asserts condition {
  if (!condition) throw new VirtualCardError('state-file-invalid', `the state file's ${what} is not valid`);
}
