import {EXTENDED_MAX_LE, SHORT_MAX_LE, type CommandApdu} from '../../apdu/command.js';
import {ApduError} from '../../apdu/errors.js';
import {ApduProtocol} from '../../apdu/protocol.js';
import {StatusWord, triesLeft as triesLeftOf} from '../../apdu/status-word.js';
import {
  concatBytes,
  decodeSingleTlv,
  decodeTlvs,
  encodeTlv,
  encodeTlvs,
  findTlv,
  type Tlv,
} from '../../apdu/tlv.js';
import type {TraceSink} from '../../apdu/trace.js';
import type {Transport} from '../../apdu/transports/transport.js';
import type {Signer} from '../../pki/signer.js';
import {
  CardDataError,
  CardFullError,
  CardNotPivError,
  FeatureNotSupportedError,
  InvalidPinError,
  InvalidPukError,
  ManagementKeyError,
  ManagementKeyRequiredError,
  PinBlockedError,
  PinFormatError,
  PinRequiredError,
  PukBlockedError,
  SlotEmptyError,
} from '../errors.js';
import {hasExtendedLength} from './atr.js';
import {
  Algorithm,
  INS_ATTEST,
  INS_CHANGE_REFERENCE_DATA,
  INS_GENERAL_AUTHENTICATE,
  INS_GENERATE_ASYMMETRIC,
  INS_GET_DATA,
  INS_GET_METADATA,
  INS_GET_SERIAL,
  INS_GET_VERSION,
  INS_MOVE_KEY,
  INS_PUT_DATA,
  INS_RESET_RETRY_COUNTER,
  INS_SELECT,
  INS_VERIFY,
  KeyOrigin,
  ObjectId,
  objectIdForSlot,
  P1_DATA,
  P1_MOVE_KEY_DELETE,
  P1_SELECT_BY_NAME,
  P1_VERIFY_LOGOUT,
  P2_DATA,
  PIV_AID,
  PinPolicy,
  PinReference,
  Slot,
  TAG_AUTH_CHALLENGE,
  TAG_AUTH_RESPONSE,
  TAG_AUTH_WITNESS,
  TAG_DYNAMIC_AUTHENTICATION,
  TAG_GENERATE_ALGORITHM,
  TAG_GENERATE_TEMPLATE,
  TAG_METADATA_ALGORITHM,
  TAG_METADATA_ORIGIN,
  TAG_METADATA_POLICY,
  TAG_METADATA_PUBLIC_KEY,
  TAG_METADATA_RETRIES,
  TAG_PIN_POLICY,
  TAG_PUBLIC_KEY_TEMPLATE,
  TAG_TOUCH_POLICY,
  TouchPolicy,
} from './constants.js';
import {
  isCounted,
  isRetiredSlot,
  keyHistoryCounting,
  onCardCountAfter,
  RETIRED_SLOTS,
  STANDARD_SLOTS,
} from './layout.js';
import {managementKeyCipher, type ManagementKeyAuthenticator} from './management-key.js';
import {
  decodeApplicationProperties,
  decodeCertificateObject,
  decodeChuid,
  decodeDiscovery,
  decodeFascn,
  decodeKeyHistory,
  encodeCertificateObject,
  encodeKeyHistory,
  objectSelector,
  putDataBody,
  unwrapDataObject,
  type ApplicationProperties,
  type Chuid,
  type Discovery,
  type Fascn,
  type KeyHistory,
  type StoredCertificate,
} from './objects.js';
import {withReferenceData, type Secret} from './pin.js';
import {describeSpki, spkiFromTemplate} from './public-key.js';
import {signatureInput} from './signature.js';

/** VERIFY, CHANGE REFERENCE DATA and RESET RETRY COUNTER act on the PIV Card Application PIN (P2 80). */
const KEY_REFERENCE_PIN = PinReference.Pin;
/** Ne for "everything": sent as 00 00 in an extended APDU, as 00 in a short one (the rest comes by GET RESPONSE). */
const LE_ALL = EXTENDED_MAX_LE;
/** Ne for answers that always fit one short APDU (SELECT, version, serial): short APDUs even on extended cards. */
const LE_SHORT = SHORT_MAX_LE;
/**
 * The largest certificate stored uncompressed: a YubiKey object holds 3052 certificate bytes
 * (docs/piv-card.md section 7).
 */
const MAX_UNCOMPRESSED_CERTIFICATE = 3052;
/** Yubico firmware versions that bring each extension (yubikit piv.py; docs/piv-card.md sections 1 and 3). */
const VERSION_POLICIES = [4, 0, 0] as const;
const VERSION_ATTEST = [4, 3, 0] as const;
const VERSION_SERIAL = [5, 0, 0] as const;
const VERSION_METADATA = [5, 3, 0] as const;
const VERSION_MOVE_DELETE = [5, 7, 0] as const;
/** Algorithms a card offers only from Yubico 5.7 (docs/piv-card.md section 3). */
const ALGORITHMS_FROM_5_7: ReadonlySet<Algorithm> = new Set([
  Algorithm.Rsa3072,
  Algorithm.Rsa4096,
  Algorithm.Ed25519,
  Algorithm.X25519,
]);
/** Status words meaning "this card has no such command": the extension is not offered. */
const NOT_OFFERED: ReadonlySet<number> = new Set([
  StatusWord.InsNotSupported,
  StatusWord.FunctionNotSupported,
  StatusWord.ClaNotSupported,
  StatusWord.IncorrectP1P2,
  StatusWord.WrongP1P2,
]);

/** The first byte of a DER certificate (SEQUENCE). */
const DER_SEQUENCE = 0x30;
/**
 * What ATTEST answers besides "not offered" when the card cannot attest the slot's key: no attestation key or no
 * key in the slot (6A88), a key imported rather than generated on the card (6A80).
 */
const NOT_ATTESTABLE: ReadonlySet<number> = new Set([StatusWord.ReferenceNotFound, StatusWord.WrongData]);

/** A key's attestation (Yubico PIV attestation), both certificates DER. */
export interface KeyAttestation {
  /** The certificate ATTEST answered for the slot's key, signed by the card's attestation key (F9). */
  readonly certificate: Uint8Array;
  /** The F9 attestation certificate (object 5FFF01), signed by the card maker's attestation root. */
  readonly intermediate: Uint8Array;
}

/** A card's firmware version (Yubico GET VERSION). */
export interface FirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** Who the card is: what its CHUID and the Yubico serial say. */
export interface PivIdentity {
  /**
   * The card number: the FASC-N's agency code, system code and credential number digits (14 digits), as the
   * CHUID carries it. Undefined without a CHUID or a FASC-N that decodes.
   */
  readonly cardNumber?: string;
  /** A stable identifier of the card: the card number, else the CHUID GUID in hex, else the serial, else the CHUID FASC-N in hex. */
  readonly cardId: string;
  /** The CHUID GUID, 32 lower-case hex digits, when the CHUID has a GUID that is not all zero. */
  readonly guid?: string;
  readonly fascn?: Fascn;
  /** The Yubico serial number (fw 5.0+). */
  readonly serial?: number;
  readonly version?: FirmwareVersion;
  /** The card has a CHUID at all (Windows and OpenSC container naming want one). */
  readonly hasChuid: boolean;
}

/** A certificate found in a slot. */
export interface SlotCertificate extends StoredCertificate {
  readonly slot: Slot;
}

/** What F7 GET METADATA says about a key slot (Yubico 5.3+). */
export interface SlotMetadata {
  readonly algorithm: Algorithm;
  readonly pinPolicy: PinPolicy;
  readonly touchPolicy: TouchPolicy;
  /** The key was generated on the card (false: imported). */
  readonly isGenerated: boolean;
  /** SubjectPublicKeyInfo DER of the slot's public key. */
  readonly publicKey: Uint8Array;
}

/** The PIN's state as VERIFY without data reports it (SP 800-73-4 Part 2 clause 3.2.1). */
export type PinStatus =
  | {readonly type: 'verified'}
  | {readonly type: 'unverified'; readonly triesLeft: number}
  | {readonly type: 'blocked'};

/**
 * Supplies the PIN for a key that needs it before each use (9C, or a key with PIN policy "always"). Called
 * outside any exclusive hold; the session does not keep what it returns, and does not zero it: the provider owns
 * the buffer (see source/card/piv/pin.ts).
 */
export type PinProvider = () => Secret | Promise<Secret>;

export interface PivSessionOptions {
  /** Receives a redacted line per APDU. */
  readonly trace?: TraceSink;
  /**
   * Use extended-length APDUs: true or false to decide, undefined to follow the card (the ATR's card
   * capabilities, ISO/IEC 7816-4 clause 8.1.1.2.7). Short APDUs chain and fetch in 255/256-byte pieces.
   */
  readonly extended?: boolean;
  /** The PIN provider signers use for keys that need the PIN before each signature. */
  readonly pinProvider?: PinProvider;
}

export interface GenerateKeyOptions {
  /** PIN policy (Yubico AA, 4.0+); Default leaves it to the card. */
  readonly pinPolicy?: PinPolicy;
  /** Touch policy (Yubico AB, 4.0+); Default leaves it to the card. */
  readonly touchPolicy?: TouchPolicy;
}

export interface WriteCertificateOptions {
  /** Store gzip-compressed (CertInfo 01). Default: only when the certificate is over 3052 bytes. */
  readonly isCompressed?: boolean;
}

/** How {@link PivSession.destroyKey} got rid of a key. */
export type KeyDestruction = 'deleted' | 'overwritten';

/**
 * A PIV card application session (SP 800-73-4 Part 2) over one transport, in the shape of yubikit's
 * `PivSession`: each method checks what the card offers, builds its TLVs, sends, and parses into a typed
 * result; wire values are the enums of constants.ts. One SELECT per session (and per {@link reconnect}); what it
 * reads (version, serial, objects, metadata) is cached, so nothing is read twice, and what it writes updates the
 * cache.
 *
 * Exclusive holds: every method's APDUs run in one hold of the card; {@link exclusive} holds it across
 * several methods (reentrant). No hold spans a call to a PIN provider or a management-key authenticator, so a
 * prompt or a network call never holds the card (docs/architecture.md, invariant 7) unless the caller wraps
 * it in {@link exclusive}.
 *
 * Every method may reject with TransportError (source/apdu/transports/errors.ts) when the card or reader goes,
 * and with ApduError (source/apdu/errors.ts) for a status word it has no better name for.
 */
export class PivSession {
  readonly #transport: Transport;
  readonly #protocol: ApduProtocol;
  readonly #pinProvider: PinProvider | undefined;
  #holds = 0;
  #memo = new Map<string, Promise<unknown>>();
  /** Object values by object id; null for an object the card does not hold. */
  #objects = new Map<number, Uint8Array | null>();
  /**
   * Keys generated in this session, by slot: the public key (SPKI) from the GENERATE answer and the PIN policy
   * the GENERATE asked for (Default: the card chose).
   */
  #generated = new Map<Slot, {readonly publicKey: Uint8Array; readonly pinPolicy: PinPolicy}>();
  #application: ApplicationProperties;

  private constructor(
    transport: Transport,
    protocol: ApduProtocol,
    application: ApplicationProperties,
    /** Commands go in extended-length APDUs (decided at {@link open}). */
    readonly isExtended: boolean,
    pinProvider: PinProvider | undefined,
  ) {
    this.#transport = transport;
    this.#protocol = protocol;
    this.#application = application;
    this.#pinProvider = pinProvider;
  }

  /**
   * Selects the PIV application: one APDU. Throws CardNotPivError (`not-a-piv-card`) when the card answers
   * 6A82 ("application not available"), CardDataError when the answer does not parse.
   */
  static async open(transport: Transport, options: PivSessionOptions = {}): Promise<PivSession> {
    const isExtended = options.extended ?? hasExtendedLength(transport.atr);
    const protocol = new ApduProtocol(transport, {extended: isExtended, trace: options.trace});
    const application = await transport.exclusive(() => select(protocol));
    return new PivSession(transport, protocol, application, isExtended, options.pinProvider);
  }

  get readerName(): string {
    return this.#transport.readerName;
  }

  /** What the SELECT answer said: AID with version, label, algorithms. */
  get application(): ApplicationProperties {
    return this.#application;
  }

  /** Holds the card exclusively while `work` runs; calls inside it (and nested holds) share the one hold. */
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
   * Reconnects after a card reset or a re-insert (maybe of another card): forgets everything cached and selects
   * again. The PIN and management key must be verified again. Throws as {@link open}.
   */
  async reconnect(): Promise<void> {
    this.#memo.clear();
    this.#objects.clear();
    this.#generated.clear();
    await this.#transport.reconnect();
    this.#application = await this.exclusive(() => select(this.#protocol));
  }

  /**
   * Logs the PIN out (VERIFY P1 FF, SP 800-73-4 Part 2 clause 3.2.1) and releases the card; a card that cannot log
   * out (YubiKeys before 5.4.3) is reset as it is released instead, so no other program finds the PIN verified.
   */
  async close(): Promise<void> {
    const isLoggedOut = await this.#logOut().catch(() => false);
    await this.#transport.close({reset: !isLoggedOut});
  }

  async #logOut(): Promise<boolean> {
    const answer = await this.exclusive(() =>
      sendOr(
        this.#protocol,
        {cla: 0, ins: INS_VERIFY, p1: P1_VERIFY_LOGOUT, p2: KEY_REFERENCE_PIN},
        () => undefined,
      ),
    );
    return answer !== undefined;
  }

  /** The firmware version (Yubico GET VERSION, one APDU once), or undefined on a card without it. */
  version(): Promise<FirmwareVersion | undefined> {
    return this.#once('version', async () => {
      const data = await this.#sendOptional({cla: 0, ins: INS_GET_VERSION, p1: 0, p2: 0, le: LE_SHORT});
      if (data === undefined) return undefined;
      if (data.length < 3) throw new CardDataError(`GET VERSION answered ${data.length} bytes, not 3`);
      return {major: data[0]!, minor: data[1]!, patch: data[2]!};
    });
  }

  /** The Yubico serial number (fw 5.0+; one APDU once), or undefined where the card has none. */
  serial(): Promise<number | undefined> {
    return this.#once('serial', async () => {
      if (!(await this.#offers(VERSION_SERIAL))) return undefined;
      const data = await this.#sendOptional({cla: 0, ins: INS_GET_SERIAL, p1: 0, p2: 0, le: LE_SHORT});
      if (data === undefined) return undefined;
      if (data.length !== 4) throw new CardDataError(`GET SERIAL answered ${data.length} bytes, not 4`);
      return new DataView(data.buffer, data.byteOffset, 4).getUint32(0);
    });
  }

  /** The CHUID, or undefined when the card has none (6A82 or 53 00). Throws CardDataError when it does not parse. */
  async chuid(): Promise<Chuid | undefined> {
    const value = await this.#readObject(ObjectId.Chuid);
    return value === undefined ? undefined : decodeChuid(value);
  }

  /**
   * Who the card is: CHUID, serial and version; three APDUs the first time (CHUID, GET VERSION, GET SERIAL on a
   * Yubico 5), none after. A FASC-N that does not decode is left out rather than failing the read.
   * Throws CardDataError when the CHUID does not parse.
   */
  async readIdentity(): Promise<PivIdentity> {
    return this.exclusive(async () => {
      const chuid = await this.chuid();
      const version = await this.version();
      const serial = await this.serial();
      const fascn = chuid?.fascn && tryDecodeFascn(chuid.fascn);
      const cardNumber = fascn && `${fascn.agencyCode}${fascn.systemCode}${fascn.credentialNumber}`;
      const guid = chuid?.guid && chuid.guid.some((byte) => byte !== 0) ? toHex(chuid.guid) : undefined;
      const cardId =
        cardNumber ??
        guid ??
        (serial === undefined ? undefined : String(serial)) ??
        (chuid?.fascn && toHex(chuid.fascn));
      if (cardId === undefined)
        throw new CardDataError('the card has neither a CHUID with a FASC-N or GUID nor a serial number');
      return {cardNumber, cardId, guid, fascn, serial, version, hasChuid: chuid !== undefined};
    });
  }

  /** The Discovery object, or undefined when the card has none. Throws CardDataError when it does not parse. */
  discovery(): Promise<Discovery | undefined> {
    return this.#once('discovery', async () => {
      // Discovery is asked for with its one-byte tag and comes back bare as 7E L V (SP 800-73-4 Part 1 table 18).
      const data = await this.#getData(ObjectId.Discovery);
      return data === undefined || data.length === 0 ? undefined : decodeDiscovery(data);
    });
  }

  /** The Key History object, or undefined when the card has none. Throws CardDataError when it does not parse. */
  async keyHistory(): Promise<KeyHistory | undefined> {
    const value = await this.#readObject(ObjectId.KeyHistory);
    return value === undefined ? undefined : decodeKeyHistory(value);
  }

  /**
   * The certificate in `slot`, or undefined when its object is missing or empty: one GET DATA the first time.
   * Reads the 70/71 form, gzip (CertInfo 01), and raw certificates without the 70 wrapper. Throws CardDataError
   * when the object holds something else. `isFresh` reads the card again instead of the cache (a read-back
   * after a write, docs/architecture.md, invariant 2).
   */
  async readCertificate(
    slot: Slot,
    options: {readonly isFresh?: boolean} = {},
  ): Promise<StoredCertificate | undefined> {
    if (options.isFresh) this.#objects.delete(objectIdForSlot(slot));
    const value = await this.#readObject(objectIdForSlot(slot));
    if (value === undefined) return undefined;
    try {
      return decodeCertificateObject(value);
    } catch (error) {
      throw new CardDataError(`the certificate object of slot ${hex(slot)} does not parse`, {cause: error});
    }
  }

  /**
   * Every certificate on the card, by slot: 9A, 9C, 9D, 9E, then the retired slots 82.. that Key History counts,
   * and on from there while slots hold certificates (so a certificate written before its Key History update was
   * torn off is still found). `isExhaustive` reads all twenty retired slots instead. APDUs: 4 + Key History +
   * retired slots read, each at most once per session. Throws CardDataError when an object does not parse.
   */
  async readCertificates(options: {readonly isExhaustive?: boolean} = {}): Promise<SlotCertificate[]> {
    return this.exclusive(async () => {
      const found: SlotCertificate[] = [];
      for (const slot of STANDARD_SLOTS) {
        const stored = await this.readCertificate(slot);
        if (stored) found.push({slot, ...stored});
      }
      const counted = options.isExhaustive
        ? RETIRED_SLOTS.length
        : ((await this.keyHistory())?.onCardCertificates ?? 0);
      for (const slot of RETIRED_SLOTS) {
        const stored = await this.readCertificate(slot);
        if (stored) found.push({slot, ...stored});
        else if (!isCounted(slot, counted)) break;
      }
      return found;
    });
  }

  /**
   * The PUK's tries left, without using one (Yubico F7 metadata of reference 81: tag 06, total then remaining;
   * fw 5.3+). Undefined on a card without metadata: PIV itself has no command for it. Not cached: each call asks.
   */
  async pukTriesLeft(): Promise<number | undefined> {
    try {
      const items = await this.exclusive(() => this.#metadata(PinReference.Puk));
      const retries = items === undefined ? undefined : findTlv(items, TAG_METADATA_RETRIES);
      if (retries?.length !== 2) throw new CardDataError('the PUK metadata lacks its retry counters');
      return retries[1];
    } catch (error) {
      if (error instanceof FeatureNotSupportedError) return undefined;
      throw error;
    }
  }

  /**
   * What the card says about the key in `slot` (Yubico F7, fw 5.3+), or undefined when the slot holds no key
   * (6A88). One APDU the first time. Throws FeatureNotSupportedError on a card without metadata.
   */
  slotMetadata(slot: Slot): Promise<SlotMetadata | undefined> {
    return this.#once(`metadata:${slot}`, () =>
      this.exclusive(async () => {
        const items = await this.#metadata(slot);
        if (items === undefined) return undefined;
        const algorithm = findTlv(items, TAG_METADATA_ALGORITHM)?.[0];
        const policy = findTlv(items, TAG_METADATA_POLICY);
        const template = findTlv(items, TAG_METADATA_PUBLIC_KEY);
        if (algorithm === undefined || template === undefined)
          throw new CardDataError(`the metadata of slot ${hex(slot)} lacks the algorithm or public key`);
        return {
          algorithm,
          pinPolicy: policy?.[0] ?? PinPolicy.Default,
          touchPolicy: policy?.[1] ?? TouchPolicy.Default,
          isGenerated: findTlv(items, TAG_METADATA_ORIGIN)?.[0] === KeyOrigin.Generated,
          publicKey: spkiFromTemplate(algorithm, template),
        };
      }),
    );
  }

  /**
   * The public key (SPKI DER) of the key in `slot` when the card can tell: generated in this session, or from F7
   * metadata. Undefined when the slot holds no key or the card has no metadata.
   */
  async readPublicKey(slot: Slot): Promise<Uint8Array | undefined> {
    const generated = this.#generated.get(slot);
    if (generated) return generated.publicKey;
    try {
      return (await this.slotMetadata(slot))?.publicKey;
    } catch (error) {
      if (error instanceof FeatureNotSupportedError) return undefined;
      throw error;
    }
  }

  /**
   * Whether the session knows, without asking the card, if the key in `slot` wants the PIN before each use: 9C
   * always does; a key generated in this session with a policy of its own has that policy; otherwise only read
   * metadata tells ({@link slotMetadata}).
   */
  knowsPinPolicy(slot: Slot): boolean {
    return (
      slot === Slot.Signature ||
      (this.#generated.get(slot)?.pinPolicy ?? PinPolicy.Default) !== PinPolicy.Default ||
      this.#memo.has(`metadata:${slot}`)
    );
  }

  /** The PIN's state: one VERIFY without data (SP 800-73-4 Part 2 clause 3.2.1). Never costs a try. */
  async pinStatus(): Promise<PinStatus> {
    const status = await this.exclusive(() =>
      sendOr(this.#protocol, {cla: 0, ins: INS_VERIFY, p1: 0, p2: KEY_REFERENCE_PIN}, (error): PinStatus => {
        if (error.sw === StatusWord.AuthMethodBlocked) return {type: 'blocked'};
        const tries = triesLeftOf(error.sw);
        if (tries === undefined) throw error;
        return tries === 0 ? {type: 'blocked'} : {type: 'unverified', triesLeft: tries};
      }),
    );
    return status instanceof Uint8Array ? {type: 'verified'} : status;
  }

  /**
   * Verifies the PIN (6-8 ASCII digits; see pin.ts for who zeroes what). One APDU. Throws PinFormatError before
   * sending anything when the PIN is malformed, InvalidPinError {triesLeft} (1 = the next wrong PIN blocks it),
   * PinBlockedError.
   */
  async verifyPin(pin: Secret): Promise<void> {
    await withReferenceData([['pin', pin]], ([padded]) => this.exclusive(() => this.#verifyPadded(padded!)));
  }

  /**
   * Changes the PIN (CHANGE REFERENCE DATA, SP 800-73-4 Part 2 clause 3.2.2). One APDU. Throws PinFormatError
   * before sending when either PIN is malformed, InvalidPinError {triesLeft}, PinBlockedError.
   */
  async changePin(current: Secret, next: Secret): Promise<void> {
    await withReferenceData(
      [
        ['pin', current],
        ['pin', next],
      ],
      (blocks) =>
        this.exclusive(() => this.#sendSecret(INS_CHANGE_REFERENCE_DATA, concatBytes(blocks), 'pin')),
    );
  }

  /**
   * Unblocks the PIN with the PUK and sets a new PIN (RESET RETRY COUNTER, SP 800-73-4 Part 2 clause 3.2.3).
   * One APDU. Throws PinFormatError before sending when the PUK or PIN is malformed, InvalidPukError {triesLeft},
   * PukBlockedError.
   */
  async unblockPin(puk: Secret, next: Secret): Promise<void> {
    await withReferenceData(
      [
        ['puk', puk],
        ['pin', next],
      ],
      (blocks) => this.exclusive(() => this.#sendSecret(INS_RESET_RETRY_COUNTER, concatBytes(blocks), 'puk')),
    );
  }

  /**
   * Authenticates with the management key (9B), mutually (SP 800-73-4 Part 2 appendix A.1; docs/piv-card.md
   * section 4): asks the card for its algorithm (F7 9B, once; 3DES when the card cannot tell), gets the
   * card's witness, lets `authenticator` decrypt it and pick a challenge, sends both, and lets
   * `authenticator` check the card's answer. Three APDUs the first time, two after. The authenticator runs
   * outside any hold of the card. Throws ManagementKeyError (`rejected-by-card`, or what the authenticator
   * throws), FeatureNotSupportedError for an algorithm the session does not know.
   */
  async authenticate(authenticator: ManagementKeyAuthenticator): Promise<void> {
    const algorithm = await this.#managementKeyAlgorithm();
    const blockLength = managementKeyCipher(algorithm)?.blockLength;
    if (blockLength === undefined)
      throw new FeatureNotSupportedError(`management key algorithm ${hex(algorithm)}`);
    const witnessAnswer = await this.exclusive(() =>
      this.#generalAuthenticate(algorithm, Slot.CardManagement, [
        {tag: TAG_AUTH_WITNESS, value: new Uint8Array()},
      ]),
    );
    const witness = findTlv(witnessAnswer, TAG_AUTH_WITNESS);
    if (witness?.length !== blockLength)
      throw new CardDataError('the card sent no witness of one cipher block');
    const {decryptedWitness, challenge} = await authenticator.respond(algorithm, witness);
    let answer: Tlv[];
    try {
      answer = await this.exclusive(() =>
        this.#generalAuthenticate(algorithm, Slot.CardManagement, [
          {tag: TAG_AUTH_WITNESS, value: decryptedWitness},
          {tag: TAG_AUTH_CHALLENGE, value: challenge},
        ]),
      );
    } catch (error) {
      if (error instanceof ApduError && error.sw === StatusWord.SecurityStatusNotSatisfied)
        throw new ManagementKeyError('rejected-by-card', {cause: error});
      throw error;
    } finally {
      decryptedWitness.fill(0);
    }
    const response = findTlv(answer, TAG_AUTH_RESPONSE);
    if (response === undefined) throw new CardDataError('the card sent no response to the challenge');
    await authenticator.verify(response);
  }

  /**
   * Generates a key pair in `slot` (GENERATE ASYMMETRIC KEY PAIR, SP 800-73-4 Part 2 clause 3.3.2) and returns
   * its SubjectPublicKeyInfo DER. PIN and touch policies other than Default need a card that offers them (Yubico
   * 4+); RSA 3072/4096 and the 25519 keys need Yubico 5.7+. One APDU (plus GET VERSION once when a policy or newer
   * algorithm asks). Throws ManagementKeyRequiredError, FeatureNotSupportedError, CardFullError, CardDataError.
   */
  async generateKey(slot: Slot, algorithm: Algorithm, options: GenerateKeyOptions = {}): Promise<Uint8Array> {
    const pinPolicy = options.pinPolicy ?? PinPolicy.Default;
    const touchPolicy = options.touchPolicy ?? TouchPolicy.Default;
    return this.exclusive(async () => {
      if (ALGORITHMS_FROM_5_7.has(algorithm) && (await this.#isBelow(VERSION_MOVE_DELETE)))
        throw new FeatureNotSupportedError(`algorithm ${Algorithm[algorithm] ?? hex(algorithm)}`);
      const template: Tlv[] = [{tag: TAG_GENERATE_ALGORITHM, value: Uint8Array.of(algorithm)}];
      if (pinPolicy !== PinPolicy.Default || touchPolicy !== TouchPolicy.Default) {
        if (!(await this.#offers(VERSION_POLICIES)))
          throw new FeatureNotSupportedError('PIN and touch policies');
        if (pinPolicy !== PinPolicy.Default)
          template.push({tag: TAG_PIN_POLICY, value: Uint8Array.of(pinPolicy)});
        if (touchPolicy !== TouchPolicy.Default)
          template.push({tag: TAG_TOUCH_POLICY, value: Uint8Array.of(touchPolicy)});
      }
      this.#forgetKey(slot);
      const data = await this.#sendWriting({
        cla: 0,
        ins: INS_GENERATE_ASYMMETRIC,
        p1: 0,
        p2: slot,
        data: encodeTlv(TAG_GENERATE_TEMPLATE, encodeTlvs(template)),
        le: LE_ALL,
      });
      let publicKey: Uint8Array;
      try {
        publicKey = spkiFromTemplate(algorithm, decodeSingleTlv(data, TAG_PUBLIC_KEY_TEMPLATE));
      } catch (error) {
        if (error instanceof CardDataError) throw error;
        throw new CardDataError('the GENERATE answer is not a 7F49 public key template', {cause: error});
      }
      this.#generated.set(slot, {publicKey, pinPolicy});
      return publicKey;
    });
  }

  /**
   * The card's proof that it generated the key in `slot` (Yubico ATTEST, INS F9 with P1 = slot, firmware 4.3+;
   * docs/piv-card.md section 1) with the F9 attestation certificate (GET DATA 5FFF01) that signed it; undefined
   * when the card cannot attest it (no ATTEST, no attestation key or certificate, an empty slot, an imported key).
   * Two APDUs, the F9 certificate read once per session. Throws CardDataError when an answer is no certificate.
   */
  async attest(slot: Slot): Promise<KeyAttestation | undefined> {
    if (await this.#isBelow(VERSION_ATTEST)) return undefined;
    return this.exclusive(async () => {
      const certificate = await sendOr(
        this.#protocol,
        {cla: 0, ins: INS_ATTEST, p1: slot, p2: 0, le: LE_ALL},
        (error) => {
          if (NOT_OFFERED.has(error.sw) || NOT_ATTESTABLE.has(error.sw)) return undefined;
          throw error;
        },
      );
      if (certificate === undefined) return undefined;
      if (certificate[0] !== DER_SEQUENCE)
        throw new CardDataError(`the attestation of slot ${hex(slot)} is not a certificate`);
      const value = await this.#readObject(ObjectId.Attestation);
      if (value === undefined) return undefined;
      let intermediate: Uint8Array | undefined;
      try {
        intermediate = decodeCertificateObject(value)?.certificate;
      } catch (error) {
        throw new CardDataError('the F9 attestation certificate does not parse', {cause: error});
      }
      return intermediate === undefined ? undefined : {certificate, intermediate};
    });
  }

  /**
   * A Signer (source/pki/signer.ts) for the key in `slot` whose public key is `publicKey` (SPKI DER). Each
   * signature is one GENERAL AUTHENTICATE (chained and fetched in pieces on short APDUs); for 9C, or a key whose
   * metadata says PIN policy "always", it first asks `pinProvider` (default: the session's) outside any hold and
   * sends VERIFY in the same hold as the signature; any other key that the card says needs the PIN (6982) is
   * signed again once after such a VERIFY. `sign` throws PinRequiredError (the card wants the PIN and
   * there is no provider), SlotEmptyError, the errors of {@link verifyPin}. Throws FeatureNotSupportedError now
   * for a key that cannot sign X.509 (not RSA, P-256 or P-384).
   */
  signer(
    slot: Slot,
    publicKey: Uint8Array,
    pinProvider: PinProvider | undefined = this.#pinProvider,
  ): Signer {
    const key = describeSpki(publicKey);
    return {
      publicKey,
      algorithm: key.signatureAlgorithm,
      sign: async (toBeSigned) => {
        const input = signatureInput(key, toBeSigned);
        const signOnce = () =>
          this.#generalAuthenticate(key.algorithm, slot, [
            {tag: TAG_AUTH_RESPONSE, value: new Uint8Array()},
            {tag: TAG_AUTH_CHALLENGE, value: input},
          ]);
        const signWithPin = async () =>
          withReferenceData([['pin', await pinProvider!()]], ([padded]) =>
            this.exclusive(async () => {
              await this.#verifyPadded(padded!);
              return signOnce();
            }),
          );
        const isPinFirst = pinProvider !== undefined && (await this.#needsPinEachUse(slot));
        let answer: Tlv[];
        try {
          answer = isPinFirst ? await signWithPin() : await this.exclusive(signOnce);
        } catch (error) {
          const isPinMissing =
            error instanceof ApduError && error.sw === StatusWord.SecurityStatusNotSatisfied;
          // A key whose policy wants the PIN each time, in a slot other than 9C: verify and try once more.
          if (isPinMissing && pinProvider !== undefined && !isPinFirst)
            answer = await signWithPin().catch(translate);
          else answer = translate(error);
        }
        function translate(error: unknown): never {
          if (error instanceof ApduError && error.sw === StatusWord.SecurityStatusNotSatisfied)
            throw new PinRequiredError(slot, {cause: error});
          if (error instanceof ApduError && error.sw === StatusWord.ReferenceNotFound)
            throw new SlotEmptyError(slot, {cause: error});
          throw error;
        }
        const signature = findTlv(answer, TAG_AUTH_RESPONSE);
        if (!signature?.length) throw new CardDataError('the card sent no signature');
        return Uint8Array.from(signature);
      },
    };
  }

  /**
   * Writes `certificate` (DER) into the certificate object of `slot` (PUT DATA 53 { 70, 71, FE }), and for a
   * retired slot keeps Key History's on-card count right. APDUs: one PUT DATA (or its chained pieces on short
   * APDUs); for a retired slot also Key History read (once per session) and written when its count changes.
   * Throws ManagementKeyRequiredError, CardFullError.
   */
  async writeCertificate(
    slot: Slot,
    certificate: Uint8Array,
    options: WriteCertificateOptions = {},
  ): Promise<void> {
    const isCompressed = options.isCompressed ?? certificate.length > MAX_UNCOMPRESSED_CERTIFICATE;
    await this.exclusive(async () => {
      await this.#writeObject(objectIdForSlot(slot), encodeCertificateObject(certificate, isCompressed));
      await this.#updateKeyHistory(slot);
    });
  }

  /**
   * Empties the certificate object of `slot` (PUT DATA 53 00) and for a retired slot updates Key History (a
   * GET DATA of lower retired slots only when the highest counted one was deleted). Throws
   * ManagementKeyRequiredError.
   */
  async deleteCertificate(slot: Slot): Promise<void> {
    await this.exclusive(async () => {
      await this.#writeObject(objectIdForSlot(slot), new Uint8Array());
      await this.#updateKeyHistory(slot);
    });
  }

  /**
   * Destroys the key in `slot`: DELETE KEY (Yubico F6 FF, fw 5.7+) where the card has it, otherwise overwrites
   * it with a throwaway P-256 key generated in the slot (whose private half never leaves the card). One APDU
   * (plus GET VERSION once). Throws ManagementKeyRequiredError.
   */
  async destroyKey(slot: Slot): Promise<KeyDestruction> {
    return this.exclusive(async () => {
      if (!(await this.#offers(VERSION_MOVE_DELETE))) {
        await this.generateKey(slot, Algorithm.EccP256);
        return 'overwritten';
      }
      this.#forgetKey(slot);
      try {
        await this.#sendWriting({cla: 0, ins: INS_MOVE_KEY, p1: P1_MOVE_KEY_DELETE, p2: slot});
      } catch (error) {
        // 6A88: there is no key to delete, which is what was asked for.
        if (!(error instanceof ApduError && error.sw === StatusWord.ReferenceNotFound)) throw error;
      }
      return 'deleted';
    });
  }

  async #verifyPadded(padded: Uint8Array): Promise<void> {
    try {
      await this.#protocol.send({cla: 0, ins: INS_VERIFY, p1: 0, p2: KEY_REFERENCE_PIN, data: padded});
    } catch (error) {
      if (!(error instanceof ApduError)) throw error;
      // A bare 6300 tells no count: VERIFY without data asks for it.
      if (error.sw === StatusWord.VerificationFailed) {
        const status = await this.pinStatus();
        if (status.type === 'unverified') throw new InvalidPinError(status.triesLeft, {cause: error});
        if (status.type === 'blocked') throw new PinBlockedError({cause: error});
      }
      throw pinError(error, 'pin');
    }
  }

  async #sendSecret(ins: number, data: Uint8Array, reference: 'pin' | 'puk'): Promise<void> {
    try {
      await this.#protocol.send({cla: 0, ins, p1: 0, p2: KEY_REFERENCE_PIN, data});
    } catch (error) {
      throw error instanceof ApduError ? pinError(error, reference) : error;
    } finally {
      data.fill(0);
    }
  }

  async #generalAuthenticate(algorithm: Algorithm, keyReference: number, items: Tlv[]): Promise<Tlv[]> {
    const data = await this.#protocol.send({
      cla: 0,
      ins: INS_GENERAL_AUTHENTICATE,
      p1: algorithm,
      p2: keyReference,
      data: encodeTlv(TAG_DYNAMIC_AUTHENTICATION, encodeTlvs(items)),
      le: LE_ALL,
    });
    try {
      return decodeTlvs(decodeSingleTlv(data, TAG_DYNAMIC_AUTHENTICATION));
    } catch (error) {
      throw new CardDataError('the GENERAL AUTHENTICATE answer is not a 7C template', {cause: error});
    }
  }

  #managementKeyAlgorithm(): Promise<Algorithm> {
    return this.#once('management-key-algorithm', async () => {
      if (await this.#isBelow(VERSION_METADATA)) return Algorithm.TripleDes;
      const items = await this.exclusive(() => this.#metadata(Slot.CardManagement));
      return items === undefined
        ? Algorithm.TripleDes
        : (findTlv(items, TAG_METADATA_ALGORITHM)?.[0] ?? Algorithm.TripleDes);
    });
  }

  /** F7 metadata TLVs of a key reference; undefined for an empty slot (6A88). FeatureNotSupportedError without F7. */
  async #metadata(keyReference: number): Promise<Tlv[] | undefined> {
    if (await this.#isBelow(VERSION_METADATA)) throw new FeatureNotSupportedError('key metadata');
    const data = await sendOr(
      this.#protocol,
      {cla: 0, ins: INS_GET_METADATA, p1: 0, p2: keyReference, le: LE_ALL},
      (error) => {
        if (error.sw === StatusWord.ReferenceNotFound) return undefined;
        if (NOT_OFFERED.has(error.sw)) throw new FeatureNotSupportedError('key metadata', {cause: error});
        throw error;
      },
    );
    if (data === undefined) return undefined;
    try {
      return decodeTlvs(data);
    } catch (error) {
      throw new CardDataError('the key metadata does not parse', {cause: error});
    }
  }

  async #needsPinEachUse(slot: Slot): Promise<boolean> {
    if (slot === Slot.Signature) return true;
    const generatedPolicy = this.#generated.get(slot)?.pinPolicy ?? PinPolicy.Default;
    if (generatedPolicy !== PinPolicy.Default) return generatedPolicy === PinPolicy.Always;
    const metadata = await this.#memo.get(`metadata:${slot}`)?.catch(() => undefined);
    return (metadata as SlotMetadata | undefined)?.pinPolicy === PinPolicy.Always;
  }

  /** The value of an object (inside 53), or undefined when the card does not hold it; cached. */
  async #readObject(objectId: ObjectId): Promise<Uint8Array | undefined> {
    const cached = this.#objects.get(objectId);
    if (cached !== undefined) return cached ?? undefined;
    const data = await this.exclusive(() => this.#getData(objectId));
    const value = data === undefined ? undefined : unwrapDataObject(data);
    const stored = value === undefined || value.length === 0 ? null : value;
    this.#objects.set(objectId, stored);
    return stored ?? undefined;
  }

  /** GET DATA: the answer, or undefined on 6A82. */
  #getData(objectId: ObjectId): Promise<Uint8Array | undefined> {
    return sendOr(
      this.#protocol,
      {cla: 0, ins: INS_GET_DATA, p1: P1_DATA, p2: P2_DATA, data: objectSelector(objectId), le: LE_ALL},
      (error) => {
        if (error.sw === StatusWord.NotFound) return undefined;
        throw error;
      },
    );
  }

  async #writeObject(objectId: ObjectId, value: Uint8Array): Promise<void> {
    this.#objects.delete(objectId);
    await this.#sendWriting({
      cla: 0,
      ins: INS_PUT_DATA,
      p1: P1_DATA,
      p2: P2_DATA,
      data: putDataBody(objectId, value),
    });
    this.#objects.set(objectId, value.length === 0 ? null : value);
  }

  /**
   * Brings Key History's on-card count in line after the certificate of a retired slot changed, by the rule of
   * `onCardCountAfter` (layout.ts); nothing for another slot. Writes Key History only when the count changes (or
   * the card has none yet).
   */
  async #updateKeyHistory(slot: Slot): Promise<void> {
    if (!isRetiredSlot(slot)) return;
    const history = await this.keyHistory();
    const isHeld = (await this.readCertificate(slot)) !== undefined;
    const onCard = await onCardCountAfter(
      history?.onCardCertificates ?? 0,
      slot,
      isHeld,
      async (lower) => (await this.#readObject(objectIdForSlot(lower))) !== undefined,
    );
    const next = keyHistoryCounting(history, onCard);
    if (next !== undefined) await this.#writeObject(ObjectId.KeyHistory, encodeKeyHistory(next));
  }

  /** Sends a command that needs the management key; translates 6982 and 6A84. */
  async #sendWriting(command: CommandApdu): Promise<Uint8Array> {
    try {
      return await this.#protocol.send(command);
    } catch (error) {
      if (error instanceof ApduError && error.sw === StatusWord.SecurityStatusNotSatisfied)
        throw new ManagementKeyRequiredError({cause: error});
      if (error instanceof ApduError && error.sw === StatusWord.NotEnoughMemory)
        throw new CardFullError({cause: error});
      throw error;
    }
  }

  /** Sends a Yubico extension: the answer, or undefined when the card does not have the command. */
  #sendOptional(command: CommandApdu): Promise<Uint8Array | undefined> {
    return this.exclusive(() =>
      sendOr(this.#protocol, command, (error) => {
        if (NOT_OFFERED.has(error.sw)) return undefined;
        throw error;
      }),
    );
  }

  /** Whether the card's firmware is known to be at least `minimum`. */
  async #offers(minimum: readonly [number, number, number]): Promise<boolean> {
    const version = await this.version();
    return version !== undefined && compareVersion(version, minimum) >= 0;
  }

  /** Whether the card's firmware is known to be older than `minimum` (unknown: not below; the card may try). */
  async #isBelow(minimum: readonly [number, number, number]): Promise<boolean> {
    const version = await this.version();
    return version !== undefined && compareVersion(version, minimum) < 0;
  }

  #forgetKey(slot: Slot): void {
    this.#generated.delete(slot);
    this.#memo.delete(`metadata:${slot}`);
  }

  /** Runs `load` once per key and session; a failure is not remembered, so the next call tries again. */
  #once<T>(key: string, load: () => Promise<T>): Promise<T> {
    const cached = this.#memo.get(key);
    if (cached) return cached as Promise<T>;
    const loading = load();
    this.#memo.set(key, loading);
    loading.catch(() => {
      if (this.#memo.get(key) === loading) this.#memo.delete(key);
    });
    return loading;
  }
}

/**
 * Sends `command` and resolves to its data (ApduProtocol.send). A status word other than 9000 comes as an
 * ApduError to `onStatus`, which returns what the status word means for this command or throws the error that
 * names it: the one place the session reads a status word, as yubikit's PivSession catches ApduError.
 */
async function sendOr<T>(
  protocol: ApduProtocol,
  command: CommandApdu,
  onStatus: (error: ApduError) => T,
): Promise<Uint8Array | T> {
  try {
    return await protocol.send(command);
  } catch (error) {
    if (error instanceof ApduError) return onStatus(error);
    throw error;
  }
}

async function select(protocol: ApduProtocol): Promise<ApplicationProperties> {
  const data = await sendOr(
    protocol,
    {cla: 0, ins: INS_SELECT, p1: P1_SELECT_BY_NAME, p2: 0, data: PIV_AID, le: LE_SHORT},
    (error) => {
      // 6A82: the card has no PIV application (ISO/IEC 7816-4 clause 11.1.1).
      if (error.sw === StatusWord.NotFound) throw new CardNotPivError({cause: error});
      throw error;
    },
  );
  return decodeApplicationProperties(data);
}

/** The error a PIN or PUK command's status word means: a wrong or blocked PIN or PUK, a malformed one, or `error` itself. */
function pinError(error: ApduError, reference: 'pin' | 'puk'): Error {
  const tries = triesLeftOf(error.sw);
  const isBlocked = error.sw === StatusWord.AuthMethodBlocked || tries === 0;
  const options = {cause: error};
  if (isBlocked) return reference === 'pin' ? new PinBlockedError(options) : new PukBlockedError(options);
  if (tries !== undefined)
    return reference === 'pin' ? new InvalidPinError(tries, options) : new InvalidPukError(tries, options);
  if (error.sw === StatusWord.WrongData) return new PinFormatError(reference, options);
  return error;
}

function compareVersion(version: FirmwareVersion, minimum: readonly [number, number, number]): number {
  return version.major - minimum[0] || version.minor - minimum[1] || version.patch - minimum[2];
}

function tryDecodeFascn(bytes: Uint8Array): Fascn | undefined {
  try {
    return decodeFascn(bytes);
  } catch {
    return undefined;
  }
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function hex(value: number): string {
  return value.toString(16).toUpperCase().padStart(2, '0');
}
