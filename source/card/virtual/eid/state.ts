import type {KeyObject} from 'node:crypto';
import {REFERENCE_DATA_LENGTH, REFERENCE_DATA_PADDING} from './constants.js';

/**
 * What the virtual EID card keeps across power cycles: its PINs and PUK with their retry counters, and its file
 * system (ISO/IEC 7816-4 clause 5.3) with the private keys inside key files. The card changes it only after a
 * command has been checked in full, then saves it (as the PIV card does: see ../command-context.ts).
 */
export interface EidCardState {
  /** Reference data by reference (81 Legitimering, 82 Underskrift, 83 PUK). */
  readonly pins: Map<number, PinRecord>;
  /** The master file 3F00. */
  readonly root: DedicatedFile;
  /** Bytes of EEPROM for files (see {@link storageBytes}); CREATE FILE answers 6A84 beyond it. */
  readonly capacity: number;
}

/** A PIN or the PUK. */
export interface PinRecord {
  /** {@link REFERENCE_DATA_LENGTH} bytes: the ASCII digits, then 00 padding. */
  value: Uint8Array;
  readonly totalRetries: number;
  remainingRetries: number;
  /** The reference of the PUK that unblocks this PIN; none for the PUK itself. */
  readonly unblockedBy?: number;
  /** Whether CHANGE REFERENCE DATA may change it (the PUK may not). */
  readonly isChangeable: boolean;
  /** At least this many digits before the padding: what CHANGE and RESET RETRY COUNTER accept as a new value. */
  readonly minLength: number;
  /**
   * The SetCOS PIN record's "signatures per verification" (card-setcos.c setcos_create_pin_internal): 1 makes
   * every signature under this PIN need a VERIFY of its own (the PrKDF's userConsent, enforced by the card).
   * Undefined: any number.
   */
  readonly signaturesPerVerification?: 1;
}

/** The life cycle status byte (ISO/IEC 7816-4 clause 5.3.3.2, table 13): creation, or operational and activated. */
export const LIFE_CYCLE_CREATION = 0x01;
export const LIFE_CYCLE_ACTIVATED = 0x07;

interface FileCommon {
  /** The file identifier, 2 bytes. */
  readonly fid: number;
  /** The FCP's tag-86 bytes as created (security-attributes.ts reads them). */
  readonly securityAttributes: Uint8Array;
  lifeCycle: number;
}

/** A DF (the MF, the PKCS#15 application): its children in creation order. */
export interface DedicatedFile extends FileCommon {
  readonly kind: 'df';
  /** The DF name (an AID), when it has one. */
  readonly name?: Uint8Array;
  readonly children: CardFile[];
}

/** A transparent working EF of fixed size, zero-filled where never written. */
export interface TransparentFile extends FileCommon {
  readonly kind: 'ef';
  readonly content: Uint8Array;
}

/** An internal EF holding an RSA key pair (SetCOS descriptor 11), empty until GENERATE KEY PAIR. */
export interface KeyFile extends FileCommon {
  readonly kind: 'key';
  privateKey: KeyObject | undefined;
}

export type CardFile = DedicatedFile | TransparentFile | KeyFile;

/** What a file costs in EEPROM beyond its content: its FCP and allocation (an estimate, not a real card's figure). */
const FILE_OVERHEAD_BYTES = 32;
/** What a key file takes: room for an RSA-2048 private key in CRT form and its public part. */
export const KEY_FILE_BYTES = 1024;

/** The EEPROM bytes `file` and everything under it take. */
export function storageBytes(file: CardFile): number {
  switch (file.kind) {
    case 'df':
      return file.children.reduce((sum, child) => sum + storageBytes(child), FILE_OVERHEAD_BYTES);
    case 'ef':
      return FILE_OVERHEAD_BYTES + file.content.length;
    case 'key':
      return FILE_OVERHEAD_BYTES + KEY_FILE_BYTES;
  }
}

/** The stored form of a PIN or PUK given as text: its ASCII digits, then 00 up to 8 bytes. */
export function padPin(text: string): Uint8Array {
  const out = new Uint8Array(REFERENCE_DATA_LENGTH).fill(REFERENCE_DATA_PADDING);
  out.set(new TextEncoder().encode(text).subarray(0, REFERENCE_DATA_LENGTH));
  return out;
}

/** The key reference of a key file: the low byte of its file identifier (as MSE's tag 84 and the PrKDF name it). */
export function keyReferenceOf(file: KeyFile): number {
  return file.fid & 0xff;
}
