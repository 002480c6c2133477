import {createPublicKey} from 'node:crypto';
import {SHORT_MAX_LC, SHORT_MAX_LE, type CommandApdu} from '../../apdu/command.js';
import {ApduError} from '../../apdu/errors.js';
import {ApduProtocol} from '../../apdu/protocol.js';
import {StatusWord, triesLeft as triesLeftOf} from '../../apdu/status-word.js';
import {concatBytes, decodeTlvs, findTlv} from '../../apdu/tlv.js';
import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import {
  CardDataError,
  CardFullError,
  InvalidPinError,
  InvalidPukError,
  PinBlockedError,
  PinFormatError,
  PinRequiredError,
  PukBlockedError,
  SlotEmptyError,
} from '../errors.js';
import {
  INS_CHANGE_REFERENCE_DATA,
  INS_CREATE_FILE,
  INS_DELETE_FILE,
  INS_PERFORM_SECURITY_OPERATION,
  INS_READ_BINARY,
  INS_RESET_RETRY_COUNTER,
  INS_SELECT,
  INS_UPDATE_BINARY,
  INS_VERIFY,
} from '../iso7816.js';
import {objectsEnded} from './objects.js';
import {
  type AppletVersion,
  decodeAppletVersion,
  decodePublicKeyAnswer,
  generateKeyPairCommand,
  getPublicKeyCommand,
  getVersionCommand,
  RSA_PUBLIC_EXPONENT,
  setSignatureEnvironmentCommand,
  SignatureAlgorithm,
} from './setec-eid.js';

/**
 * A session with a PKCS#15 card over ISO/IEC 7816-4, -8 and -9 (the two-PIN SITHS card's Setec EID applet): files
 * by path, PINs by the references and encodings the AODF gives, signatures with MANAGE SECURITY ENVIRONMENT and
 * PSO, and the applet's on-card RSA key generation. Short APDUs only (the card is T=0): data over 255 bytes goes in
 * pieces, answers over 256 bytes come by GET RESPONSE, both through the APDU processors. Knows nothing of PKCS#15's
 * ASN.1 (objects.ts) or of which file is which: callers pass paths they found through the ODF. What is particular
 * to the Setec EID applet comes from setec-eid.ts.
 *
 * Status words are translated here, where their meaning is known: 63Cx InvalidPinError / InvalidPukError, 6983
 * PinBlockedError / PukBlockedError, 6982 PinRequiredError, 6A84 CardFullError, 6A82 and 6A88 SlotEmptyError for
 * a missing file or key; anything else an ApduError.
 */

/** SELECT by path from the MF (P1 08, without 3F00) answering the FCI (P2 00) or nothing (P2 0C). */
const P1_SELECT_PATH = 0x08;
const P2_SELECT_FCI = 0x00;
const P2_SELECT_NO_RESPONSE = 0x0c;
const FID_MASTER_FILE = Uint8Array.of(0x3f, 0x00);
/** FCI tags (ISO/IEC 7816-4 table 12). */
const TAG_FCI = 0x6f;
const TAG_FCP = 0x62;
const TAG_DATA_SIZE = 0x80;
const TAG_ALLOCATED_SIZE = 0x81;
const TAG_DESCRIPTOR = 0x82;
const TAG_SECURITY_ATTRIBUTES = 0x86;
/** VERIFY P1 FF: reset the security status of the reference (ISO/IEC 7816-4:2013 clause 11.5.6). */
const P1_VERIFY_LOGOUT = 0xff;
/** PSO COMPUTE DIGITAL SIGNATURE (ISO/IEC 7816-8 clause 11.4). */
const P1_PSO_SIGNATURE = 0x9e;
const P2_PSO_SIGNATURE = 0x9a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** What SELECT said of a file. */
export interface FileInfo {
  /** Bytes of a transparent EF (tag 80, else 81); 0 when the FCI gives none. */
  readonly size: number;
  /** The first descriptor byte (ISO/IEC 7816-4 table 14; SetCOS 11 for a key file), if given. */
  readonly descriptor?: number;
  /** The security attributes (tag 86) as the card keeps them, if given. */
  readonly securityAttributes?: Uint8Array;
}

/** How the card takes a PIN or the PUK: its reference and encoding, from the AODF's PinAttributes. */
export interface PinEncoding {
  readonly kind: 'pin' | 'puk';
  readonly reference: number;
  readonly minLength: number;
  readonly maxLength: number;
  readonly storedLength: number;
  /** Pad to `storedLength` with `padChar` (the AODF's needs-padding flag). */
  readonly needsPadding: boolean;
  readonly padChar: number;
}

/** A PIN's state, told by VERIFY without data: never costs a try. */
export type PinState =
  | {readonly type: 'verified'}
  | {readonly type: 'blocked'}
  | {readonly type: 'unverified'; readonly triesLeft: number | undefined};

/** A private key as the card's security environment names it: its key file's path and key reference. */
export interface KeyLocation {
  /** Absolute path of the key file (3F00 ...). */
  readonly path: Uint8Array;
  readonly keyReference: number;
}

export interface Pkcs15SessionOptions {
  /** Receives a redacted line for every APDU (--trace). */
  readonly trace?: TraceSink;
}

export class Pkcs15Session {
  readonly #transport: Transport;
  readonly #protocol: ApduProtocol;
  #holds = 0;

  private constructor(transport: Transport, protocol: ApduProtocol) {
    this.#transport = transport;
    this.#protocol = protocol;
  }

  /** A session over `transport`; sends nothing. */
  static open(transport: Transport, options: Pkcs15SessionOptions = {}): Pkcs15Session {
    return new Pkcs15Session(transport, new ApduProtocol(transport, {extended: false, trace: options.trace}));
  }

  get readerName(): string {
    return this.#transport.readerName;
  }

  get atr(): Uint8Array {
    return this.#transport.atr;
  }

  /** Holds the card exclusively while `work` runs; nested holds share the one hold. */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    if (this.#holds > 0) return work();
    this.#holds++;
    try {
      return await this.#transport.exclusive(work);
    } finally {
      this.#holds--;
    }
  }

  /**
   * GET DATA DF30: the Setec EID applet's version ('2.0', '2.1'), or undefined when the card answers anything else
   * (not this applet).
   */
  async eidVersion(): Promise<AppletVersion | undefined> {
    const {data, sw} = await this.exclusive(() => this.#protocol.transmit(getVersionCommand()));
    return sw === StatusWord.Success ? decodeAppletVersion(data) : undefined;
  }

  /** Selects the file at `path` (absolute, from 3F00) and reads what its FCI tells. Throws SlotEmptyError 6A82. */
  async selectFile(path: Uint8Array): Promise<FileInfo> {
    const data = await this.#send(selectCommand(path, P2_SELECT_FCI), path);
    return fileInfo(data);
  }

  /** The whole content of the transparent EF at `path`: SELECT, then READ BINARY in pieces of 256 bytes. */
  async readFile(path: Uint8Array): Promise<Uint8Array> {
    return (await this.#read(path)).bytes;
  }

  /**
   * A directory file (AODF, PrKDF, CDF): its FCI and its objects, read in pieces of 256 bytes until the 00/FF
   * padding after them or the file's end. The decoders stop at that padding (as OpenSC's do), so what lies past it
   * is not read: a 1 KB directory with one piece of objects costs one READ BINARY, not four.
   */
  async readObjects(path: Uint8Array): Promise<{info: FileInfo; bytes: Uint8Array}> {
    return this.#read(path, objectsEnded);
  }

  async #read(
    path: Uint8Array,
    isWhole?: (bytes: Uint8Array) => boolean,
  ): Promise<{info: FileInfo; bytes: Uint8Array}> {
    return this.exclusive(async () => {
      const info = await this.selectFile(path);
      const pieces: Uint8Array[] = [];
      for (let offset = 0; offset < info.size; offset += SHORT_MAX_LE) {
        const length = Math.min(SHORT_MAX_LE, info.size - offset);
        const piece = await this.#send(
          {cla: 0, ins: INS_READ_BINARY, p1: offset >> 8, p2: offset & 0xff, le: length},
          path,
        );
        if (piece.length === 0) break;
        pieces.push(piece);
        if (isWhole?.(concatBytes(pieces))) break;
      }
      return {info, bytes: concatBytes(pieces)};
    });
  }

  /** Writes `data` into the EF at `path` from `offset`, in UPDATE BINARY pieces of at most 255 bytes. */
  async updateFile(path: Uint8Array, data: Uint8Array, offset = 0): Promise<void> {
    await this.exclusive(async () => {
      await this.#send(selectCommand(path, P2_SELECT_NO_RESPONSE), path);
      for (let done = 0; done < data.length; done += SHORT_MAX_LC) {
        const at = offset + done;
        await this.#send(
          {
            cla: 0,
            ins: INS_UPDATE_BINARY,
            p1: at >> 8,
            p2: at & 0xff,
            data: data.subarray(done, done + SHORT_MAX_LC),
          },
          path,
        );
      }
    });
  }

  /**
   * Creates a file in the DF at `dfPath` from its FCP (a 62 template whose 83 names the new file). Throws
   * CardFullError when the card has no room, PinRequiredError when the DF's create condition is not met.
   */
  async createFile(dfPath: Uint8Array, fcp: Uint8Array): Promise<void> {
    await this.exclusive(async () => {
      await this.#send(selectCommand(dfPath, P2_SELECT_NO_RESPONSE), dfPath);
      await this.#send({cla: 0, ins: INS_CREATE_FILE, p1: 0, p2: 0, data: fcp}, dfPath);
    });
  }

  /** Deletes the file at `path` (DELETE FILE of the child in its parent DF). A file already gone is no error. */
  async deleteFile(path: Uint8Array): Promise<void> {
    const parent = path.subarray(0, path.length - 2);
    const fid = path.subarray(path.length - 2);
    await this.exclusive(async () => {
      await this.#send(selectCommand(parent, P2_SELECT_NO_RESPONSE), parent);
      const {sw} = await this.#protocol.transmit({cla: 0, ins: INS_DELETE_FILE, p1: 0, p2: 0, data: fid});
      if (sw !== StatusWord.Success && sw !== StatusWord.NotFound) throw translate(sw, INS_DELETE_FILE, path);
    });
  }

  /** The state of the PIN (or PUK) at `encoding.reference`: VERIFY without data. */
  async pinState(encoding: PinEncoding): Promise<PinState> {
    const {sw} = await this.exclusive(() =>
      this.#protocol.transmit({cla: 0, ins: INS_VERIFY, p1: 0, p2: encoding.reference}),
    );
    if (sw === StatusWord.Success) return {type: 'verified'};
    if (sw === StatusWord.AuthMethodBlocked) return {type: 'blocked'};
    const tries = triesLeftOf(sw);
    if (tries === 0) return {type: 'blocked'};
    return {type: 'unverified', triesLeft: tries};
  }

  /** VERIFY the PIN (ASCII digits; the caller owns and zeroes it). Throws PinFormatError before sending a malformed one. */
  async verifyPin(encoding: PinEncoding, pin: Uint8Array): Promise<void> {
    await this.#withEncoded([[encoding, pin]], (data) =>
      this.#sendSecret({cla: 0, ins: INS_VERIFY, p1: 0, p2: encoding.reference, data}, encoding.kind),
    );
  }

  /** Resets the PIN's verified state (VERIFY P1 FF), so that no other program can use it after us. */
  async logOut(encoding: PinEncoding): Promise<void> {
    await this.exclusive(() =>
      this.#protocol.transmit({cla: 0, ins: INS_VERIFY, p1: P1_VERIFY_LOGOUT, p2: encoding.reference}),
    );
  }

  /** CHANGE REFERENCE DATA: the current PIN, then the new one, both encoded. */
  async changePin(encoding: PinEncoding, current: Uint8Array, next: Uint8Array): Promise<void> {
    await this.#withEncoded(
      [
        [encoding, current],
        [encoding, next],
      ],
      (data) =>
        this.#sendSecret(
          {cla: 0, ins: INS_CHANGE_REFERENCE_DATA, p1: 0, p2: encoding.reference, data},
          'pin',
        ),
    );
  }

  /** RESET RETRY COUNTER of the PIN with its PUK and a new PIN (P2: the PIN's reference, as OpenSC sends it). */
  async unblockPin(
    pin: PinEncoding,
    puk: PinEncoding,
    pukValue: Uint8Array,
    next: Uint8Array,
  ): Promise<void> {
    await this.#withEncoded(
      [
        [puk, pukValue],
        [pin, next],
      ],
      (data) =>
        this.#sendSecret({cla: 0, ins: INS_RESET_RETRY_COUNTER, p1: 0, p2: pin.reference, data}, 'puk'),
    );
  }

  /**
   * Signs a DigestInfo with the key at `key`: MSE SET (algorithm 02, the key file, its key reference), then PSO
   * COMPUTE DIGITAL SIGNATURE; the card adds the PKCS#1 v1.5 padding. Throws PinRequiredError when the key's PIN is
   * not verified (for a key with userConsent, before every signature).
   */
  async sign(key: KeyLocation, digestInfo: Uint8Array): Promise<Uint8Array> {
    return this.exclusive(async () => {
      await this.#setSignatureEnvironment(key);
      return this.#send(
        {
          cla: 0,
          ins: INS_PERFORM_SECURITY_OPERATION,
          p1: P1_PSO_SIGNATURE,
          p2: P2_PSO_SIGNATURE,
          data: digestInfo,
          le: SHORT_MAX_LE,
        },
        key.path,
      );
    });
  }

  /**
   * Generates an RSA key pair of `bits` (1024 or 2048) in the key file at `path`, and returns its public key
   * (SubjectPublicKeyInfo DER) as the card reads it back.
   */
  async generateRsaKey(path: Uint8Array, bits: number): Promise<Uint8Array> {
    return this.exclusive(async () => {
      await this.#send(selectCommand(path, P2_SELECT_NO_RESPONSE), path);
      await this.#send(generateKeyPairCommand(bits), path);
      return this.#publicKeyOfSelected(path);
    });
  }

  /** The public key (SPKI DER) of the key file at `path`; SlotEmptyError when it holds none. */
  async readPublicKey(path: Uint8Array): Promise<Uint8Array> {
    return this.exclusive(async () => {
      await this.#send(selectCommand(path, P2_SELECT_NO_RESPONSE), path);
      return this.#publicKeyOfSelected(path);
    });
  }

  /** Reconnects after a reset or re-insert: the card forgets every verified PIN. */
  reconnect(): Promise<void> {
    return this.#transport.reconnect();
  }

  /** Releases the card; `reset` asks the reader to reset it as it goes (Transport.close). */
  close(options?: {readonly reset?: boolean}): Promise<void> {
    return this.#transport.close(options);
  }

  async #publicKeyOfSelected(path: Uint8Array): Promise<Uint8Array> {
    const {modulus} = decodePublicKeyAnswer(await this.#send(getPublicKeyCommand(), path));
    try {
      const key = createPublicKey({
        key: {
          kty: 'RSA',
          n: Buffer.from(modulus).toString('base64url'),
          e: Buffer.from(RSA_PUBLIC_EXPONENT).toString('base64url'),
        },
        format: 'jwk',
      });
      return new Uint8Array(key.export({type: 'spki', format: 'der'}));
    } catch (error) {
      throw new CardDataError('the public key the card answered is not an RSA key', {cause: error});
    }
  }

  async #setSignatureEnvironment(key: KeyLocation): Promise<void> {
    const parent = key.path.subarray(0, key.path.length - 2);
    await this.#send(selectCommand(parent, P2_SELECT_NO_RESPONSE), parent);
    const fid = key.path.subarray(key.path.length - 2);
    await this.#send(
      setSignatureEnvironmentCommand({
        algorithm: SignatureAlgorithm.Pkcs1,
        keyFileId: (fid[0]! << 8) | fid[1]!,
        keyReference: key.keyReference,
      }),
      key.path,
    );
  }

  async #send(command: CommandApdu, path: Uint8Array): Promise<Uint8Array> {
    const {data, sw} = await this.exclusive(() => this.#protocol.transmit(command));
    if (sw !== StatusWord.Success) throw translate(sw, command.ins, path);
    return data;
  }

  async #sendSecret(command: CommandApdu, kind: 'pin' | 'puk'): Promise<void> {
    const {sw} = await this.exclusive(() => this.#protocol.transmit(command));
    if (sw === StatusWord.Success) return;
    const tries = triesLeftOf(sw);
    if (tries !== undefined && tries > 0)
      throw kind === 'pin' ? new InvalidPinError(tries) : new InvalidPukError(tries);
    if (tries === 0 || sw === StatusWord.AuthMethodBlocked)
      throw kind === 'pin' ? new PinBlockedError() : new PukBlockedError();
    if (sw === StatusWord.WrongData || sw === StatusWord.WrongLength) throw new PinFormatError(kind);
    throw new ApduError(sw, command.ins);
  }

  /** Runs `work` with the secrets encoded one after the other, then zeroes the encoding. */
  async #withEncoded(
    secrets: readonly (readonly [PinEncoding, Uint8Array])[],
    work: (data: Uint8Array) => Promise<void>,
  ): Promise<void> {
    const blocks = secrets.map(([encoding, secret]) => encodeSecret(encoding, secret));
    const data = concatBytes(blocks);
    try {
      await work(data);
    } finally {
      for (const block of blocks) block.fill(0);
      data.fill(0);
    }
  }
}

/**
 * A PIN or PUK as the card takes it: its ASCII digits, padded with `padChar` to `storedLength` when the AODF says
 * so. Throws PinFormatError when it is not `minLength` to `maxLength` digits (checked before anything is sent, so
 * a typing mistake costs no try).
 */
export function encodeSecret(encoding: PinEncoding, secret: Uint8Array): Uint8Array {
  const isDigits = secret.every((byte) => byte >= DIGIT_0 && byte <= DIGIT_9);
  if (!isDigits || secret.length < encoding.minLength || secret.length > encoding.maxLength)
    throw new PinFormatError(encoding.kind);
  const length = encoding.needsPadding ? Math.max(encoding.storedLength, secret.length) : secret.length;
  const block = new Uint8Array(length).fill(encoding.padChar);
  block.set(secret);
  return block;
}

function selectCommand(path: Uint8Array, p2: number): CommandApdu {
  const isFromMaster = path.length >= 2 && path[0] === FID_MASTER_FILE[0] && path[1] === FID_MASTER_FILE[1];
  const relative = isFromMaster ? path.subarray(2) : path;
  if (relative.length === 0)
    return {
      cla: 0,
      ins: INS_SELECT,
      p1: 0,
      p2,
      data: FID_MASTER_FILE,
      ...(p2 === P2_SELECT_FCI && {le: SHORT_MAX_LE}),
    };
  return {
    cla: 0,
    ins: INS_SELECT,
    p1: P1_SELECT_PATH,
    p2,
    data: relative,
    ...(p2 === P2_SELECT_FCI && {le: SHORT_MAX_LE}),
  };
}

function fileInfo(answer: Uint8Array): FileInfo {
  try {
    const [template] = decodeTlvs(answer);
    if (template === undefined || (template.tag !== TAG_FCI && template.tag !== TAG_FCP)) return {size: 0};
    const items = decodeTlvs(template.value);
    const size = findTlv(items, TAG_DATA_SIZE) ?? findTlv(items, TAG_ALLOCATED_SIZE);
    const descriptor = findTlv(items, TAG_DESCRIPTOR)?.[0];
    const securityAttributes = findTlv(items, TAG_SECURITY_ATTRIBUTES);
    return {
      size: size?.reduce((value, byte) => value * 256 + byte, 0) ?? 0,
      ...(descriptor !== undefined && {descriptor}),
      ...(securityAttributes !== undefined && {securityAttributes: securityAttributes.slice()}),
    };
  } catch (error) {
    throw new CardDataError('the card answered SELECT with an FCI that does not parse', {cause: error});
  }
}

function translate(sw: number, ins: number, path: Uint8Array): Error {
  switch (sw) {
    case StatusWord.SecurityStatusNotSatisfied:
      return new PinRequiredError(path.at(-1) ?? 0);
    case StatusWord.NotEnoughMemory:
      return new CardFullError();
    case StatusWord.NotFound:
    case StatusWord.ReferenceNotFound:
      return new SlotEmptyError(path.at(-1) ?? 0);
    default:
      return new ApduError(sw, ins);
  }
}
