import {createHash, X509Certificate} from 'node:crypto';
import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import {
  CardDataError,
  FeatureNotSupportedError,
  PinRequiredError,
  SlotEmptyError,
} from '../../card/errors.js';
import {sha256DigestInfo} from '../../card/digest-info.js';
import {
  commitDirectories,
  type Credential,
  credentialsOf,
  exists,
  fidOf,
  isReferenced,
  type Pkcs15Application,
  pinEncodingOf,
  readApplication,
  removeSpareDirectories,
  withFid,
} from '../../card/pkcs15/application.js';
import type {CdfEntry, PinObject, PrkdfEntry} from '../../card/pkcs15/objects.js';
import {type KeyLocation, Pkcs15Session} from '../../card/pkcs15/session.js';
import {
  createFileCommand,
  FileDescriptor,
  keyFileAttributes,
  keyFileIdOf,
  signConditionOf,
  transparentFileAttributes,
} from '../../card/pkcs15/setec-eid.js';
import type {Signer} from '../../pki/signer.js';
import type {
  CardIdentity,
  CardPort,
  KeyAlgorithm,
  PinPolicy,
  PinRole,
  PinSource,
  SlotCertificate,
} from '../ports.js';

/** The high bytes of key and certificate file identifiers when the card has none yet to follow. */
const DEFAULT_KEY_FILE_HIGH = 0x4b;
const DEFAULT_CERTIFICATE_FILE_HIGH = 0x43;
const RSA_BITS = 2048;

/**
 * The engine's card port over the two-PIN SITHS card (Setec EID applet, PKCS#15; source/card/pkcs15/). Slots are
 * key references (the low byte of a key file's identifier). Two PINs: Legitimering (authentication keys, and every
 * write) and Underskrift (signature keys, verified again before each signature: userConsent).
 *
 * The application (EF.DIR to the CDFs, about 14 short APDUs) is read when the card is opened and kept for the
 * connection, as OpenSC's PKCS#11 module keeps a bound card's directories until the card is removed or reset, for
 * what does not change them: identity, certificates, public keys, PINs, signatures, key generation (which needs only
 * the key file's path and the PINs' references). Every write of the directories (a certificate installed, a
 * credential or key deleted, the layout finished) starts from the application as the card holds it, read again
 * unless it was read in the same hold, because another PC/SC program may have written the card between two holds
 * and a directory switch from a stale copy would lose that; the write's own result is kept after it. It is read
 * again after a reconnect (a reset, a re-insert) and after any hold that failed (a torn write leaves the directories
 * unknown). Every write is ordered so that a tear after any APDU leaves a card the next run finishes
 * (docs/siths-eid-card.md, "How the tool writes the card").
 */
export class EidCard implements CardPort {
  readonly profile = 'siths-eid';
  readonly pinCount = 2;
  readonly #session: Pkcs15Session;
  /** The engine's PIN source from the last signer: the signature PIN deletes an old signature key. */
  #pins: PinSource | undefined;
  /** How deep the holds of the card are. */
  #holds = 0;
  /** The application as last read or as this class's writes left it; undefined: read it from the card. */
  #kept: Promise<Pkcs15Application> | undefined;
  /** Whether #kept was read from the card in the current outermost hold. */
  #isReadInHold = false;
  /** Counts what #forget dropped, so that a write that ran meanwhile does not bring an older application back. */
  #generation = 0;

  constructor(session: Pkcs15Session, application?: Pkcs15Application) {
    this.#session = session;
    if (application) this.#kept = Promise.resolve(application);
  }

  get readerName(): string {
    return this.#session.readerName;
  }

  exclusive<T>(work: () => Promise<T>): Promise<T> {
    return this.#session.exclusive(async () => {
      if (this.#holds++ === 0) this.#isReadInHold = false;
      try {
        return await work();
      } catch (error) {
        this.#forget();
        throw error;
      } finally {
        this.#holds--;
      }
    });
  }

  /**
   * Holds the card for `work`, which writes it, starting from the application as the card holds it
   * (#applicationOnCard), and answers the application as its writes left it: that is kept (a failed write is
   * forgotten by exclusive).
   */
  #writing(work: (application: Pkcs15Application) => Promise<Pkcs15Application>): Promise<void> {
    return this.exclusive(async () => {
      const application = await this.#applicationOnCard();
      const generation = this.#generation;
      const written = await work(application);
      if (generation === this.#generation) this.#kept = Promise.resolve(written);
    });
  }

  /** The card number is TokenInfo's serial number (packed BCD: its hex digits). */
  async readIdentity(): Promise<CardIdentity> {
    const {tokenInfo} = await this.#application();
    const serial =
      tokenInfo.serialNumber && Buffer.from(tokenInfo.serialNumber).toString('hex').toUpperCase();
    if (serial === undefined) throw new CardDataError('PKCS#15 TokenInfo has no serial number');
    const cardNumber = serial.replace(/F+$/, '');
    return {cardNumber, cardId: cardNumber};
  }

  /** The CDF's user certificates that have a private key, each under its key's reference. */
  async readCertificates(): Promise<readonly SlotCertificate[]> {
    return this.exclusive(async () => {
      const certificates: SlotCertificate[] = [];
      for (const credential of credentialsOf(await this.#application())) {
        const certificate = await this.#readCertificateFile(credential);
        if (certificate) certificates.push({slot: credential.key.keyReference!, certificate});
      }
      return certificates;
    });
  }

  /** Reads the certificate file from the card (never kept): this is the read-back after a write. */
  async readCertificate(slot: number): Promise<Uint8Array | undefined> {
    return this.exclusive(async () => {
      const credential = credentialOf(await this.#application(), slot);
      return credential && this.#readCertificateFile(credential);
    });
  }

  /** GET DATA 0101 of the slot's key file; undefined when there is no key there. */
  async readPublicKey(slot: number): Promise<Uint8Array | undefined> {
    return this.exclusive(async () => {
      const path = keyPathOf(await this.#application(), slot);
      try {
        return await this.#session.readPublicKey(path);
      } catch (error) {
        if (error instanceof SlotEmptyError || error instanceof PinRequiredError) return undefined;
        throw error;
      }
    });
  }

  /** Tries left of the role's PIN (VERIFY without data: no try used); undefined when it is verified. */
  async pinTriesLeft(role: PinRole = 'authentication'): Promise<number | undefined> {
    const state = await this.#session.pinState(await this.#encoding(role));
    if (state.type === 'blocked') return 0;
    return state.type === 'unverified' ? state.triesLeft : undefined;
  }

  /** The PUK's tries left when VERIFY without data on its reference tells (the virtual card answers 6A88: undefined). */
  async pukTriesLeft(): Promise<number | undefined> {
    const {puk} = (await this.#application()).pins;
    if (puk === undefined) return undefined;
    const state = await this.#session.pinState(pinEncodingOf(puk, 'puk'));
    if (state.type === 'blocked') return 0;
    return state.type === 'unverified' ? state.triesLeft : undefined;
  }

  async verifyPin(pin: Uint8Array, role: PinRole = 'authentication'): Promise<void> {
    await this.#session.verifyPin(await this.#encoding(role), pin);
  }

  async changePin(current: Uint8Array, next: Uint8Array, role: PinRole = 'authentication'): Promise<void> {
    await this.#session.changePin(await this.#encoding(role), current, next);
  }

  async unblockPin(puk: Uint8Array, next: Uint8Array, role: PinRole = 'authentication'): Promise<void> {
    const {pins} = await this.#application();
    if (pins.puk === undefined) throw new FeatureNotSupportedError('a PUK');
    await this.#session.unblockPin(
      pinEncodingOf(pins[role], 'pin'),
      pinEncodingOf(pins.puk, 'puk'),
      puk,
      next,
    );
  }

  /**
   * Generates an RSA-2048 key on the card in the slot's key file: a file a torn run left is deleted first, then the
   * file is created with PSO after the signature PIN (policy 'always': userConsent) or the authentication PIN
   * (anything else), and generate and delete after the authentication PIN. Throws FeatureNotSupportedError for ECC.
   */
  async generateKey(slot: number, algorithm: KeyAlgorithm, pinPolicy: PinPolicy): Promise<Uint8Array> {
    if (algorithm !== 'rsa-2048') throw new FeatureNotSupportedError(`${algorithm} keys`);
    return this.exclusive(async () => {
      const application = await this.#application();
      const path = keyPathOf(application, slot);
      const owner = pinEncodingOf(
        application.pins[pinPolicy === 'always' ? 'signature' : 'authentication'],
        'pin',
      );
      const writer = {
        type: 'pin',
        reference: pinEncodingOf(application.pins.authentication, 'pin').reference,
      } as const;
      if (await exists(this.#session, path)) await this.#deleteKeyFile(path);
      const {data} = createFileCommand({
        fileId: fidOf(path),
        descriptor: FileDescriptor.KeyFile,
        securityAttributes: keyFileAttributes({
          readPublicKey: {type: 'always'},
          generate: writer,
          delete: writer,
          sign: {type: 'pin', reference: owner.reference},
        }),
      });
      await this.#session.createFile(path.subarray(0, path.length - 2), data!);
      return this.#session.generateRsaKey(path, RSA_BITS);
    });
  }

  /**
   * A signer for the slot's key: MSE + PSO over the SHA-256 DigestInfo. A key under the signature PIN verifies
   * `pins('signature')` before each signature; an authentication key verifies `pins('authentication')` when the
   * card answers that it needs the PIN (6982), then signs again.
   */
  signer(slot: number, publicKey: Uint8Array, pins?: PinSource): Signer {
    if (pins) this.#pins = pins;
    const sign = async (toBeSigned: Uint8Array): Promise<Uint8Array> =>
      this.exclusive(async () => {
        const application = await this.#application();
        const location: KeyLocation = {path: keyPathOf(application, slot), keyReference: slot};
        const role = await this.#keyRole(application, slot, location.path);
        const digestInfo = sha256DigestInfo(toBeSigned);
        if (role === 'signature' && pins) await this.verifyPin(pins('signature'), 'signature');
        try {
          return await this.#session.sign(location, digestInfo);
        } catch (error) {
          if (!(error instanceof PinRequiredError) || pins === undefined) throw error;
          await this.verifyPin(pins(role), role);
          return this.#session.sign(location, digestInfo);
        }
      });
    return {publicKey, algorithm: 'rsa-pkcs1-sha256', sign};
  }

  /**
   * Writes the certificate into a file of its own (created at `43<slot>` or the next identifier no directory names;
   * one a torn run left is deleted first), in pieces that fit T=0, then adds the certificate (CDF) and its private
   * key (PrKDF: ID = SHA-1 of the modulus, usage and PIN after the key file's sign condition) in one directory switch.
   */
  async writeCertificate(slot: number, certificate: Uint8Array): Promise<void> {
    await this.#writing(async (application) => {
      const existing = credentialOf(application, slot);
      const path = existing?.certificatePath ?? certificatePathFor(application, slot);
      if (await exists(this.#session, path)) await this.#session.deleteFile(path);
      const writer = {
        type: 'pin',
        reference: pinEncodingOf(application.pins.authentication, 'pin').reference,
      } as const;
      const {data} = createFileCommand({
        fileId: fidOf(path),
        descriptor: FileDescriptor.TransparentEf,
        size: certificate.length,
        securityAttributes: transparentFileAttributes({
          read: {type: 'always'},
          update: writer,
          delete: writer,
        }),
      });
      await this.#session.createFile(path.subarray(0, path.length - 2), data!);
      await this.#session.updateFile(path, certificate);

      const keyPath = keyPathOf(application, slot);
      const role = await this.#keyRole(application, slot, keyPath);
      const pin = application.pins[role];
      const id = keyId(certificate);
      const isSignature = role === 'signature';
      const key: PrkdfEntry = {
        type: 'rsa',
        label: `${pin.label} key`,
        objectFlags: ['private'],
        authId: pin.authId,
        ...(isSignature && {userConsent: 1}),
        id,
        usage: isSignature ? ['nonRepudiation'] : ['sign'],
        isNative: true,
        keyReference: slot,
        path: keyPath,
        modulusLength: RSA_BITS,
      };
      const certificateObject: CdfEntry = {
        type: 'x509',
        label: `${pin.label} cert`,
        objectFlags: [],
        id,
        isAuthority: false,
        path,
      };
      const others = (entries: readonly PrkdfEntry[] | readonly CdfEntry[]) =>
        entries.filter((entry) => !isOfSlot(application, entry, slot, existing));
      return commitDirectories(this.#session, application, {
        privateKeys: [...(others(application.privateKeys.entries) as PrkdfEntry[]), key],
        certificates: [...(others(application.certificates.entries) as CdfEntry[]), certificateObject],
      });
    });
  }

  /**
   * Removes the slot's whole credential, key first: the key file, then the certificate file, then both directory
   * entries in one switch. The CDF entry is what makes the next run find an old credential, so it goes last; a tear
   * before it leaves a credential the next run deletes again, a tear after the files leaves entries whose files are
   * gone, which finishLayout removes. Idempotent (a file already gone is no error).
   */
  async deleteCertificate(slot: number): Promise<void> {
    await this.#writing(async (application) => {
      const credential = credentialOf(application, slot);
      if (credential === undefined) return application;
      await this.#deleteKeyFile(credential.keyPath);
      if (credential.certificatePath) await this.#session.deleteFile(credential.certificatePath);
      return commitDirectories(this.#session, application, {
        privateKeys: application.privateKeys.entries.filter((entry) => entry !== credential.key),
        certificates: application.certificates.entries.filter((entry) => entry !== credential.certificate),
      });
    });
  }

  /** Deletes the slot's key file and PrKDF entry, when deleteCertificate has not already. Idempotent. */
  async destroyKey(slot: number): Promise<void> {
    await this.#writing(async (application) => {
      await this.#deleteKeyFile(keyPathOf(application, slot));
      const entries = application.privateKeys.entries.filter(
        (entry) => !(entry.type === 'rsa' && entry.keyReference === slot),
      );
      if (entries.length === application.privateKeys.entries.length) return application;
      return commitDirectories(this.#session, application, {privateKeys: entries});
    });
  }

  /**
   * Brings the directories in line with the files: PrKDF and CDF entries whose files are gone (a torn deletion)
   * are removed in one switch, then spare directory files a torn switch left are deleted.
   */
  async finishLayout(): Promise<void> {
    await this.#writing(async (read) => {
      let application = read;
      const present = async (path: Uint8Array) => exists(this.#session, path);
      const keep = async <Entry extends PrkdfEntry | CdfEntry>(
        entries: readonly Entry[],
      ): Promise<Entry[]> => {
        const kept: Entry[] = [];
        for (const entry of entries)
          if (entry.type === 'unknown' || (await present(resolve(application, entry.path)))) kept.push(entry);
        return kept;
      };
      const privateKeys = await keep(application.privateKeys.entries);
      const certificates = await keep(application.certificates.entries);
      const changes = {
        ...(privateKeys.length !== application.privateKeys.entries.length && {privateKeys}),
        ...(certificates.length !== application.certificates.entries.length && {certificates}),
      };
      if (Object.keys(changes).length > 0)
        application = await commitDirectories(this.#session, application, changes);
      await removeSpareDirectories(this.#session, application);
      return application;
    });
  }

  reconnect(): Promise<void> {
    this.#forget();
    return this.#session.reconnect();
  }

  /** Logs both PINs out (VERIFY P1 FF); a card that does not is reset as it is released. */
  async close(): Promise<void> {
    let isLoggedOut = true;
    try {
      const {pins} = await this.#application();
      await this.#session.logOut(pinEncodingOf(pins.authentication, 'pin'));
      await this.#session.logOut(pinEncodingOf(pins.signature, 'pin'));
    } catch {
      isLoggedOut = false;
    }
    await this.#session.close({reset: !isLoggedOut});
  }

  #application(): Promise<Pkcs15Application> {
    if (this.#kept !== undefined) return this.#kept;
    const reading = readApplication(this.#session);
    reading.catch(() => {
      if (this.#kept === reading) this.#forget();
    });
    this.#kept = reading;
    this.#isReadInHold = this.#holds > 0;
    return reading;
  }

  /** The application as the card holds it: read again unless it was read in this hold (a write starts so). */
  #applicationOnCard(): Promise<Pkcs15Application> {
    if (!this.#isReadInHold) this.#forget();
    return this.#application();
  }

  /** The application is read from the card the next time it is needed. */
  #forget(): void {
    this.#kept = undefined;
    this.#isReadInHold = false;
    this.#generation++;
  }

  async #encoding(role: PinRole) {
    return pinEncodingOf((await this.#application()).pins[role], 'pin');
  }

  async #readCertificateFile(credential: Credential): Promise<Uint8Array | undefined> {
    if (credential.certificatePath === undefined) return undefined;
    try {
      return await this.#session.readFile(credential.certificatePath);
    } catch (error) {
      if (error instanceof SlotEmptyError) return undefined;
      throw error;
    }
  }

  /** Which PIN guards the key: its PrKDF entry's authId, else the key file's sign condition. */
  async #keyRole(application: Pkcs15Application, slot: number, path: Uint8Array): Promise<PinRole> {
    const entry = credentialOf(application, slot)?.key;
    if (entry?.authId !== undefined)
      return roleOfPin(application, (pin) => bytesEqual(pin.authId, entry.authId!));
    const attributes = (await this.#session.selectFile(path)).securityAttributes;
    const condition = attributes && signConditionOf(attributes);
    if (condition?.type !== 'pin') return 'authentication';
    return roleOfPin(application, (pin) => pin.reference === condition.reference);
  }

  /** Deletes a key file (gone already: no error); one guarded by the signature PIN after that PIN's VERIFY. */
  async #deleteKeyFile(path: Uint8Array): Promise<void> {
    try {
      await this.#session.deleteFile(path);
    } catch (error) {
      if (!(error instanceof PinRequiredError) || this.#pins === undefined) throw error;
      await this.verifyPin(this.#pins('signature'), 'signature');
      await this.#session.deleteFile(path);
    }
  }
}

/**
 * Opens the card behind `transport` as a Setec EID card (the caller has recognised it: setec-eid.ts). `trace`
 * receives the redacted APDUs. Reads the PKCS#15 application, which the port keeps; throws CardDataError
 * (`card-data-malformed`) when it is not there or does not parse, and TransportError; closes the transport then.
 */
export async function openEidCard(
  transport: Transport,
  options: {trace?: TraceSink} = {},
): Promise<CardPort> {
  const session = Pkcs15Session.open(transport, {trace: options.trace});
  try {
    return new EidCard(session, await readApplication(session));
  } catch (error) {
    await transport.close().catch(() => undefined);
    throw error;
  }
}

function credentialOf(application: Pkcs15Application, slot: number): Credential | undefined {
  return credentialsOf(application).find((credential) => credential.key.keyReference === slot);
}

/** The slot's key file: its PrKDF entry's path, else `<high byte of the other key files><slot>` in the application DF. */
function keyPathOf(application: Pkcs15Application, slot: number): Uint8Array {
  const entry = credentialOf(application, slot);
  if (entry) return entry.keyPath;
  const other = credentialsOf(application)[0]?.keyPath;
  const high = other ? fidOf(other) >> 8 : DEFAULT_KEY_FILE_HIGH;
  return withFid(Uint8Array.from([...application.path, 0, 0]), keyFileIdOf(high, slot));
}

/** `43<slot>` (the high byte of the card's certificate files), or the next identifier no directory names. */
function certificatePathFor(application: Pkcs15Application, slot: number): Uint8Array {
  const other = credentialsOf(application).find((credential) => credential.certificatePath)?.certificatePath;
  const high = other ? fidOf(other) >> 8 : DEFAULT_CERTIFICATE_FILE_HIGH;
  const base = Uint8Array.from([...application.path, 0, 0]);
  for (let offset = 0; offset < 0x100; offset++) {
    const candidate = withFid(base, (high << 8) | ((slot + offset) & 0xff));
    if (!isReferenced(application, candidate)) return candidate;
  }
  throw new CardDataError('PKCS#15: no free identifier for a certificate file');
}

function isOfSlot(
  application: Pkcs15Application,
  entry: PrkdfEntry | CdfEntry,
  slot: number,
  existing: Credential | undefined,
): boolean {
  if (entry.type === 'rsa') return entry.keyReference === slot;
  if (entry.type === 'x509') return existing?.certificate === entry;
  return false;
}

function roleOfPin(application: Pkcs15Application, matches: (pin: PinObject) => boolean): PinRole {
  return matches(application.pins.signature) ? 'signature' : 'authentication';
}

/** The PKCS#15 ID of a new key and its certificate: SHA-1 of the modulus (as pkcs15-init names keys). */
function keyId(certificate: Uint8Array): Uint8Array {
  const {n} = new X509Certificate(certificate).publicKey.export({format: 'jwk'});
  if (n === undefined) throw new CardDataError('the certificate does not hold an RSA key');
  return new Uint8Array(createHash('sha1').update(Buffer.from(n, 'base64url')).digest());
}

function resolve(application: Pkcs15Application, path: Uint8Array): Uint8Array {
  const isAbsolute = path[0] === 0x3f && path[1] === 0x00;
  return isAbsolute ? path : Uint8Array.from([...application.path, ...path]);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
