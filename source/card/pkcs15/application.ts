import {concatBytes, equalBytes} from '../../apdu/tlv.js';
import {CardDataError, SlotEmptyError} from '../errors.js';
import {
  type CdfEntry,
  decodeAodf,
  decodeCdf,
  decodeDir,
  decodeOdf,
  decodePrkdf,
  decodeTokenInfo,
  DirectoryKind,
  encodeCdf,
  encodeOdf,
  encodePrkdf,
  type OdfEntry,
  type PinObject,
  type PrkdfEntry,
  type PrivateRsaKeyObject,
  resolvePath,
  type TokenInfo,
  type X509CertificateObject,
} from './objects.js';
import type {PinEncoding, Pkcs15Session} from './session.js';
import {createFileCommand, FileDescriptor} from './setec-eid.js';

/**
 * The PKCS#15 application of a card as the tool reads and rewrites it, card-agnostic (PKCS#15 v1.1 clause 5;
 * OpenSC pkcs15.c sc_pkcs15_bind_internal): EF.DIR -> the application DF -> ODF -> TokenInfo, AODF, PrKDF, CDF and
 * trusted CDF, every file found through the one before it, never by a fixed identifier (real SITHS cards' file
 * identifiers are not known). The PINs are found by role: the signature PIN guards the keys with nonRepudiation
 * usage or userConsent, the authentication PIN is the other PIN that is not an unblocking PIN, and the PUK is the
 * one the PIN's CommonObjectAttributes.authId names (else the unblockingPin).
 *
 * Directory files are larger than one UPDATE BINARY, so they are never rewritten in place (a tear would leave half
 * a directory): {@link commitDirectories} writes the new content into a spare file beside the current one, switches
 * the ODF to it with one UPDATE BINARY of the same length, then deletes the old file (docs/siths-eid-card.md,
 * "How the tool writes the card"). Throws CardDataError (`card-data-malformed`) for structures that are missing or
 * do not parse.
 */

/** The application DF's path when EF.DIR gives none (OpenSC's default). */
const DEFAULT_APPLICATION_PATH = Uint8Array.of(0x3f, 0x00, 0x50, 0x15);
const EF_DIR_PATH = Uint8Array.of(0x3f, 0x00, 0x2f, 0x00);
/** The ODF and TokenInfo's identifiers within the application DF (PKCS#15 v1.1 clause 5.4.2, fixed by the standard). */
const ODF_FID = Uint8Array.of(0x50, 0x31);
const TOKEN_INFO_FID = Uint8Array.of(0x50, 0x32);
/** The most a single short UPDATE BINARY writes (T=0). */
const MAX_SINGLE_UPDATE = 255;
/**
 * Where a directory's spare may be: its identifier XOR one of these. XOR is its own inverse, so the old file after
 * a switch is the new file's spare, and a tear between the switch and the deletion leaves a file that the next
 * commit reuses and finishLayout deletes.
 */
const SPARE_MASKS: readonly number[] = [0x0010, 0x0020, 0x0040, 0x0080];
/** Room a new directory file gets beyond its objects, when the old one is too small. */
const DIRECTORY_GRANULE = 256;

/** The PINs of the application by role. */
export interface ApplicationPins {
  readonly authentication: PinObject;
  readonly signature: PinObject;
  readonly puk?: PinObject;
}

/** A directory file the tool rewrites (PrKDF, CDF): where it is, how big, and what it holds. */
export interface DirectoryFile<Entry> {
  readonly kind: DirectoryKind;
  /** Absolute path. */
  readonly path: Uint8Array;
  readonly size: number;
  readonly securityAttributes: Uint8Array;
  readonly entries: readonly Entry[];
}

/** What the tool read of a PKCS#15 application. */
export interface Pkcs15Application {
  /** The application DF, absolute. */
  readonly path: Uint8Array;
  readonly odf: readonly OdfEntry[];
  /** The ODF's encoded length as written (without padding): a switch writes the same number of bytes. */
  readonly odfLength: number;
  readonly tokenInfo: TokenInfo;
  readonly pins: ApplicationPins;
  readonly privateKeys: DirectoryFile<PrkdfEntry>;
  readonly certificates: DirectoryFile<CdfEntry>;
  /** The trusted CDF's entries (CA certificates): the tool reads them, never rewrites them. */
  readonly trustedCertificates: readonly CdfEntry[];
}

/** A user certificate and its private key, paired by PKCS#15 ID. */
export interface Credential {
  readonly key: PrivateRsaKeyObject;
  /** Absolute path of the key file. */
  readonly keyPath: Uint8Array;
  readonly certificate?: X509CertificateObject;
  /** Absolute path of the certificate file. */
  readonly certificatePath?: Uint8Array;
}

/**
 * Reads the application: EF.DIR (the first application; OpenSC's default path when there is none), the ODF,
 * TokenInfo, AODF, PrKDF, CDF and trusted CDF. Throws CardDataError when the ODF names no AODF, PrKDF or CDF, or the
 * AODF has no two user PINs.
 */
export async function readApplication(session: Pkcs15Session): Promise<Pkcs15Application> {
  return session.exclusive(async () => {
    const dir = await session.readFile(EF_DIR_PATH).catch((error: unknown) => {
      if (error instanceof SlotEmptyError) return new Uint8Array();
      throw error;
    });
    const path = decodeDir(dir)[0]?.path ?? DEFAULT_APPLICATION_PATH;
    const odfBytes = await session.readFile(concatBytes([path, ODF_FID]));
    const odf = decodeOdf(odfBytes);
    const odfLength = encodeOdf(odf).length;
    const tokenInfo = decodeTokenInfo(await session.readFile(concatBytes([path, TOKEN_INFO_FID])));
    const directoryPath = (kind: DirectoryKind): Uint8Array | undefined => {
      const entry = odf.find((item) => item.type === 'directory' && item.kind === kind);
      return entry?.type === 'directory' ? resolvePath(path, entry.path) : undefined;
    };
    const required = (kind: DirectoryKind, name: string): Uint8Array => {
      const found = directoryPath(kind);
      if (found === undefined) throw new CardDataError(`PKCS#15: the ODF names no ${name}`);
      return found;
    };
    const aodf = decodeAodf((await session.readObjects(required(DirectoryKind.AuthObjects, 'AODF'))).bytes);
    const privateKeys = await readDirectory(
      session,
      DirectoryKind.PrivateKeys,
      required(DirectoryKind.PrivateKeys, 'PrKDF'),
      decodePrkdf,
    );
    const certificates = await readDirectory(
      session,
      DirectoryKind.Certificates,
      required(DirectoryKind.Certificates, 'CDF'),
      decodeCdf,
    );
    const trustedPath = directoryPath(DirectoryKind.TrustedCertificates);
    const trusted =
      trustedPath === undefined ? [] : decodeCdf((await session.readObjects(trustedPath)).bytes);
    const pins = pinsByRole(
      aodf.filter((entry): entry is PinObject => entry.type === 'pin'),
      privateKeys.entries,
    );
    return {path, odf, odfLength, tokenInfo, pins, privateKeys, certificates, trustedCertificates: trusted};
  });
}

/** The encoding VERIFY, CHANGE and RESET RETRY COUNTER need for `pin`. Throws CardDataError without a reference. */
export function pinEncodingOf(pin: PinObject, kind: 'pin' | 'puk'): PinEncoding {
  if (pin.reference === undefined) throw new CardDataError(`PKCS#15 AODF: PIN ${pin.label} has no reference`);
  return {
    kind,
    reference: pin.reference,
    minLength: pin.minLength,
    maxLength: pin.maxLength ?? pin.storedLength,
    storedLength: pin.storedLength,
    needsPadding: pin.flags.includes('needs-padding'),
    padChar: pin.padChar ?? 0,
  };
}

/** The user credentials: each RSA key with a key reference, and the CDF certificate with the same ID, if any. */
export function credentialsOf(application: Pkcs15Application): Credential[] {
  return application.privateKeys.entries.flatMap((key): Credential[] => {
    if (key.type !== 'rsa' || key.keyReference === undefined) return [];
    const certificate = application.certificates.entries.find(
      (entry): entry is X509CertificateObject => entry.type === 'x509' && equalBytes(entry.id, key.id),
    );
    return [
      {
        key,
        keyPath: resolvePath(application.path, key.path),
        ...(certificate && {certificate, certificatePath: resolvePath(application.path, certificate.path)}),
      },
    ];
  });
}

/** Every path the ODF and the directories name (absolute), so that a new file is never put where something is. */
export function referencedPathsOf(application: Pkcs15Application): Uint8Array[] {
  const {path, odf, privateKeys, certificates, trustedCertificates} = application;
  return [
    ...odf.flatMap((entry) => (entry.type === 'directory' ? [resolvePath(path, entry.path)] : [])),
    ...privateKeys.entries.flatMap((entry) => (entry.type === 'rsa' ? [resolvePath(path, entry.path)] : [])),
    ...[...certificates.entries, ...trustedCertificates].flatMap((entry) =>
      entry.type === 'x509' ? [resolvePath(path, entry.path)] : [],
    ),
  ];
}

/** Whether `path` is named by the application's ODF or a directory. */
export function isReferenced(application: Pkcs15Application, path: Uint8Array): boolean {
  return referencedPathsOf(application).some((referenced) => equalBytes(referenced, path));
}

/**
 * Replaces the PrKDF and / or the CDF with `changes`, tear-safe: each new directory goes into its spare file (one
 * the directories do not name; an existing one is a leftover of a torn commit: updated in place when it is large
 * enough, else deleted and created again), then the ODF is switched to the spares in one UPDATE BINARY of the same
 * length, then the old files are deleted (a card that refuses to delete them keeps them as the next spares).
 * Returns the application as it now is. Throws CardDataError when the new ODF would not fit one UPDATE BINARY.
 */
export async function commitDirectories(
  session: Pkcs15Session,
  application: Pkcs15Application,
  changes: {readonly privateKeys?: readonly PrkdfEntry[]; readonly certificates?: readonly CdfEntry[]},
): Promise<Pkcs15Application> {
  return session.exclusive(async () => {
    const moves: {readonly from: Uint8Array; readonly to: Uint8Array}[] = [];
    const write = async <Entry>(directory: DirectoryFile<Entry>, content: Uint8Array) => {
      const spare = spareOf(application, directory.path);
      const size = Math.max(directory.size, roundUp(content.length + 1));
      await writeSpare(session, spare, size, directory.securityAttributes, content);
      moves.push({from: directory.path, to: spare});
      return {...directory, path: spare, size};
    };
    let {privateKeys, certificates} = application;
    if (changes.privateKeys !== undefined)
      privateKeys = {
        ...(await write(privateKeys, encodePrkdf(changes.privateKeys))),
        entries: changes.privateKeys,
      };
    if (changes.certificates !== undefined)
      certificates = {
        ...(await write(certificates, encodeCdf(changes.certificates))),
        entries: changes.certificates,
      };
    if (moves.length === 0) return application;
    const odf = application.odf.map((entry): OdfEntry => {
      if (entry.type !== 'directory') return entry;
      const move = moves.find(({from}) => equalBytes(from, resolvePath(application.path, entry.path)));
      if (move === undefined) return entry;
      // Keep the path as written (absolute or relative): only the file identifier changes.
      const path = entry.path.slice();
      path.set(move.to.subarray(move.to.length - 2), path.length - 2);
      return {...entry, path};
    });
    const odfBytes = encodeOdf(odf);
    if (odfBytes.length !== application.odfLength || odfBytes.length > MAX_SINGLE_UPDATE)
      throw new CardDataError(
        'PKCS#15 ODF: the switched ODF would not be one UPDATE BINARY of the same length',
      );
    // The switch: one APDU, so the card holds the old directories or the new ones, never a mixture.
    await session.updateFile(concatBytes([application.path, ODF_FID]), odfBytes);
    for (const {from} of moves) await deleteIfAllowed(session, from);
    return {...application, odf, privateKeys, certificates};
  });
}

/**
 * Deletes what a torn commit left: spare files of the PrKDF and CDF that no directory names (a card that refuses
 * to delete one keeps it). Sends a SELECT for each possible spare.
 */
export async function removeSpareDirectories(
  session: Pkcs15Session,
  application: Pkcs15Application,
): Promise<void> {
  await session.exclusive(async () => {
    for (const directory of [application.privateKeys.path, application.certificates.path]) {
      for (const mask of SPARE_MASKS) {
        const candidate = withFid(directory, fidOf(directory) ^ mask);
        if (isReferenced(application, candidate)) continue;
        if (await exists(session, candidate)) await deleteIfAllowed(session, candidate);
      }
    }
  });
}

/** Whether the file at `path` exists (SELECT answers it). */
export async function exists(session: Pkcs15Session, path: Uint8Array): Promise<boolean> {
  try {
    await session.selectFile(path);
    return true;
  } catch (error) {
    if (error instanceof SlotEmptyError) return false;
    throw error;
  }
}

/** The file identifier (last two bytes) of `path`. */
export function fidOf(path: Uint8Array): number {
  return (path[path.length - 2]! << 8) | path[path.length - 1]!;
}

/** `path` with its last file identifier replaced by `fid`. */
export function withFid(path: Uint8Array, fid: number): Uint8Array {
  const out = path.slice();
  out[out.length - 2] = fid >> 8;
  out[out.length - 1] = fid & 0xff;
  return out;
}

async function readDirectory<Entry>(
  session: Pkcs15Session,
  kind: DirectoryKind,
  path: Uint8Array,
  decode: (bytes: Uint8Array) => Entry[],
): Promise<DirectoryFile<Entry>> {
  const {info, bytes} = await session.readObjects(path);
  return {
    kind,
    path,
    size: Math.max(info.size, bytes.length),
    securityAttributes: info.securityAttributes ?? new Uint8Array(),
    entries: decode(bytes),
  };
}

function pinsByRole(pins: readonly PinObject[], keys: readonly PrkdfEntry[]): ApplicationPins {
  const userPins = pins.filter((pin) => !pin.flags.includes('unblockingPin') && !pin.flags.includes('soPin'));
  const signatureAuthId = keys.find(
    (key): key is PrivateRsaKeyObject =>
      key.type === 'rsa' &&
      key.authId !== undefined &&
      (key.usage.includes('nonRepudiation') || (key.userConsent ?? 0) > 0),
  )?.authId;
  // A card without signature keys yet (blank): the AODF's order, Legitimering first.
  const signature =
    (signatureAuthId && userPins.find((pin) => equalBytes(pin.authId, signatureAuthId))) ?? userPins[1];
  const authentication = userPins.find((pin) => pin !== signature);
  if (signature === undefined || authentication === undefined)
    throw new CardDataError('PKCS#15 AODF: the card has not two user PINs');
  const pukOf = (pin: PinObject) =>
    (pin.pukAuthId && pins.find((other) => equalBytes(other.authId, pin.pukAuthId!))) ??
    pins.find((other) => other.flags.includes('unblockingPin'));
  const puk = pukOf(authentication);
  return {authentication, signature, ...(puk && {puk})};
}

function spareOf(application: Pkcs15Application, path: Uint8Array): Uint8Array {
  for (const mask of SPARE_MASKS) {
    const candidate = withFid(path, fidOf(path) ^ mask);
    if (!isReferenced(application, candidate)) return candidate;
  }
  throw new CardDataError('PKCS#15: no free identifier for a spare directory file');
}

async function writeSpare(
  session: Pkcs15Session,
  path: Uint8Array,
  size: number,
  securityAttributes: Uint8Array,
  content: Uint8Array,
): Promise<void> {
  let current: number | undefined;
  try {
    current = (await session.selectFile(path)).size;
  } catch (error) {
    if (!(error instanceof SlotEmptyError)) throw error;
  }
  if (current !== undefined && current < size) {
    await session.deleteFile(path);
    current = undefined;
  }
  if (current === undefined) {
    const {data} = createFileCommand({
      fileId: fidOf(path),
      descriptor: FileDescriptor.TransparentEf,
      size,
      securityAttributes,
    });
    await session.createFile(path.subarray(0, path.length - 2), data!);
    await session.updateFile(path, content);
    return;
  }
  // A leftover spare: the whole of it, so no old object survives after the new ones.
  const padded = new Uint8Array(current);
  padded.set(content);
  await session.updateFile(path, padded);
}

async function deleteIfAllowed(session: Pkcs15Session, path: Uint8Array): Promise<void> {
  try {
    await session.deleteFile(path);
  } catch (error) {
    // 6986: the card never allows deleting this file (the fixture's directories): it stays as the next spare.
    if (isCommandNotAllowed(error)) return;
    throw error;
  }
}

function isCommandNotAllowed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'sw' in error && error.sw === 0x6986;
}

function roundUp(length: number): number {
  return Math.ceil(length / DIRECTORY_GRANULE) * DIRECTORY_GRANULE;
}
