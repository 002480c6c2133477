import type {Signer} from '../pki/signer.js';
import type {IdentityKind, Purpose, ReaderView} from './state.js';

/**
 * The interfaces through which the engine reaches the world (docs/architecture.md, "The engine and its
 * ports"): the readers and the card, the upgrade service, the clock, randomness and the support log. The CLI
 * wires real adapters; tests wire the virtual card, a real reference service and a fast clock.
 *
 * The card port is card-agnostic: the PIV profile and the two-PIN SITHS card's PKCS#15 profile implement it.
 * Slots are key references as numbers (PIV: 0x9a, 0x9c, 0x82, 0x83; SITHS EID: the key file's reference, 0x01...).
 */

/** Which applet the card answers as: PIV, or the Setec EID applet of SITHS cards (PKCS#15, two PINs). */
export type CardProfile = 'piv' | 'siths-eid';

/**
 * Which PIN: the one that unlocks login and authentication keys ("Pinkod för Legitimering"), or the one that
 * unlocks signature keys ("Pinkod för Underskrift"). A card with one PIN (PIV) answers both roles with it.
 */
export type PinRole = 'authentication' | 'signature';

/** The PIN of a role, held by the engine; the card layer pads and sends it but neither keeps nor zeroes it. */
export type PinSource = (role: PinRole) => Uint8Array;

/** Key algorithms the plan may ask for. */
export type KeyAlgorithm = 'rsa-2048' | 'ecc-p256';

/**
 * PIN policy for a generated key (PIV: AA tag). 'default' leaves it to the card. On the SITHS EID card 'once'
 * guards the key with the authentication PIN and 'always' with the signature PIN before each use (userConsent).
 */
export type PinPolicy = 'default' | 'never' | 'once' | 'always';

/** Answers the card's management-key challenge without the key reaching this process (relay) or with a local key. */
export interface ManagementKeyAuthenticator {
  /** Decrypts the card's witness and picks a challenge for the card. `algorithm` is the PIV algorithm id. */
  respond(
    algorithm: number,
    witness: Uint8Array,
  ): Promise<{decryptedWitness: Uint8Array; challenge: Uint8Array}>;
  /** Checks the card's encryption of the challenge; rejects when it is wrong. */
  verify(cardResponse: Uint8Array): Promise<void>;
}

/** The identity objects of a card. */
export interface CardIdentity {
  /** The card number printed on the card (PIV: from the CHUID). */
  readonly cardNumber?: string;
  /** A stable identifier when there is no card number (PIV: the CHUID GUID as hex, or the serial). */
  readonly cardId: string;
}

/**
 * A card's proof that it generated a key (PIV key attestation, docs/architecture.md "Key attestation"), both
 * certificates DER.
 */
export interface KeyAttestation {
  /** The attestation certificate of the slot's key, signed by the card's attestation key. */
  readonly certificate: Uint8Array;
  /** The card's attestation certificate (PIV F9), signed by the card maker's attestation root. */
  readonly intermediate: Uint8Array;
}

/** A certificate as it lies in a slot. */
export interface SlotCertificate {
  readonly slot: number;
  /** DER. */
  readonly certificate: Uint8Array;
}

/**
 * An open card. Every method sends its own APDUs and may be called inside `exclusive` to hold the card across
 * several of them; the engine never holds the card across a PIN prompt or a network call (invariant 7).
 * Errors: TransportError (source/apdu/transports/errors.ts) and the card layer's typed errors
 * (source/card/errors.ts: InvalidPinError {triesLeft}, PinBlockedError, PukBlockedError, PinFormatError, ...).
 */
export interface CardPort {
  readonly readerName: string;
  readonly profile: CardProfile;
  /** 1 for PIV (one PIN for login and signature), 2 for cards with a separate signature PIN. */
  readonly pinCount: 1 | 2;
  /** Holds the card exclusively while `work` runs. */
  exclusive<T>(work: () => Promise<T>): Promise<T>;
  readIdentity(): Promise<CardIdentity>;
  /** Every certificate on the card, by slot. */
  readCertificates(): Promise<readonly SlotCertificate[]>;
  /** The certificate in `slot` (DER), or undefined when the slot holds none. */
  readCertificate(slot: number): Promise<Uint8Array | undefined>;
  /** The public key (SPKI DER) of the key in `slot`, when the card can tell (PIV: F7 metadata); else undefined. */
  readPublicKey(slot: number): Promise<Uint8Array | undefined>;
  /**
   * Tries left for the PIN of `role` (default authentication); undefined when it is verified already (a PIV card
   * does not tell the count then).
   */
  pinTriesLeft(role?: PinRole): Promise<number | undefined>;
  /**
   * Tries left for the PUK, without using one, on a card that can tell (PIV has no command for it; YubiKey-like
   * cards answer F7 GET METADATA for 81); absent or undefined otherwise, and the engine goes by what wrong PUKs
   * made the card say.
   */
  pukTriesLeft?(): Promise<number | undefined>;
  /** Verifies the PIN of `role` (ASCII digits; default authentication). The caller owns and zeroes `pin`. */
  verifyPin(pin: Uint8Array, role?: PinRole): Promise<void>;
  changePin(current: Uint8Array, next: Uint8Array, role?: PinRole): Promise<void>;
  /** Sets a new PIN for `role` with the PUK (one PUK for both PINs on cards with two). */
  unblockPin(puk: Uint8Array, next: Uint8Array, role?: PinRole): Promise<void>;
  /**
   * Authenticates with the card's management key, on cards that need one to generate keys and write objects
   * (PIV). Absent on cards whose writes the authentication PIN allows (the SITHS EID card).
   */
  authenticateManagementKey?(authenticator: ManagementKeyAuthenticator): Promise<void>;
  /** Generates a key pair in `slot`; returns its SPKI DER. */
  generateKey(slot: number, algorithm: KeyAlgorithm, pinPolicy: PinPolicy): Promise<Uint8Array>;
  /**
   * The card's proof that it generated the key in `slot`, on cards that can attest (PIV: Yubico ATTEST);
   * undefined when this card cannot attest that key. Absent on profiles without attestation (the SITHS EID card).
   */
  attestKey?(slot: number): Promise<KeyAttestation | undefined>;
  /**
   * A signer for the key in `slot` whose public key is `publicKey`. A key that needs a PIN before each use (PIV
   * 9C or PIN policy always; a SITHS signature key, userConsent) re-verifies with what `pins` returns for the
   * key's PIN; the card layer neither keeps nor zeroes it (the engine owns the PIN buffers).
   */
  signer(slot: number, publicKey: Uint8Array, pins?: PinSource): Signer;
  writeCertificate(slot: number, certificate: Uint8Array): Promise<void>;
  deleteCertificate(slot: number): Promise<void>;
  /**
   * Brings the card's own bookkeeping in line with the certificates it holds, after an interruption may have
   * left it behind (PIV: Key History must count the retired certificates, or OpenSC does not show them).
   */
  finishLayout(): Promise<void>;
  /** Destroys the key in `slot` (delete where the card can, else overwrite with a throwaway key). */
  destroyKey(slot: number): Promise<void>;
  /** Reconnects after a reset or re-insert; the security state (PIN, management key) is gone afterwards. */
  reconnect(): Promise<void>;
  close(): Promise<void>;
}

/** Finds readers, watches them, and opens the card in one. */
export interface CardReaders {
  /** The readers now. Rejects with a TransportError ('pcscd-not-running', 'pcsclite-missing', 'access-denied'). */
  list(): Promise<readonly ReaderView[]>;
  /** Calls `onChange` whenever readers or cards come or go; returns a function that stops watching. */
  watch(onChange: (readers: readonly ReaderView[]) => void, onError: (error: unknown) => void): () => void;
  /** Opens the card in `readerName`. */
  open(readerName: string): Promise<CardPort>;
}

/** A certificate the service knows (issued by it, or an earlier one it saw). */
export interface ServiceCertificate {
  /** Serial number, lower-case hex. */
  readonly serial: string;
  readonly identity: IdentityKind;
  readonly purpose: Purpose;
  readonly origin: 'service' | 'previous';
  readonly cardNumber: string;
  /** The plan item it was issued for (service certificates). */
  readonly itemId?: string;
  readonly status: 'valid' | 'revoked' | 'expired';
  /** Reported installed on the card. */
  readonly installed: boolean;
  readonly issuer: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** DER. */
  readonly certificate: Uint8Array;
}

/** A certificate with its chain, as issuance and re-fetch return it. */
export interface IssuedCertificate {
  readonly certificate: ServiceCertificate;
  /** Intermediates, DER, nearest first, without the root. */
  readonly chain: readonly Uint8Array[];
  /** The root the service says the chain ends at, DER. The engine checks against its own trust anchors. */
  readonly root: Uint8Array;
}

/** One certificate of the upgrade plan. */
export interface ServicePlanItem {
  /** Stable id, e.g. 'personnummer-authentication'. */
  readonly id: string;
  readonly identity: IdentityKind;
  readonly purpose: Purpose;
  readonly keyAlgorithm: KeyAlgorithm;
  /** Key reference (PIV 0x9a, 0x9c, 0x82, 0x83; SITHS EID key references such as 0x03...0x06). */
  readonly slot: number;
  readonly pinPolicy: PinPolicy;
  /** The subject the service will issue (from its directory). */
  readonly subject: {readonly commonName: string; readonly serialNumber: string};
  /** The valid certificate already issued for this item (resume: same key, same certificate). */
  readonly issued?: ServiceCertificate;
}

export interface ServicePlan {
  readonly cardNumber: string;
  readonly termsVersion: string;
  readonly isTermsAccepted: boolean;
  /** In installation order. */
  readonly items: readonly ServicePlanItem[];
}

/** The person and card a session is bound to. */
export interface SessionIdentity {
  readonly person: {
    readonly hsaId: string;
    readonly personnummer: string;
    readonly name: string;
    readonly organisation: string;
  };
  readonly card: {readonly number: string; readonly status: string};
}

/** A logged-in session with the upgrade service. Errors: ServiceError (source/service-client/errors.ts). */
export interface ServiceSession {
  readonly identity: SessionIdentity;
  terms(): Promise<{version: string; text: {sv: string; en: string}}>;
  acceptTerms(version: string): Promise<void>;
  plan(): Promise<ServicePlan>;
  /** A management-key authenticator that relays the card's challenge to the service (the key stays there). */
  managementKeyRelay(): ManagementKeyAuthenticator;
  /**
   * Submits a certification request (DER) for a plan item, with the card's attestation of the key where it has
   * one (a PIV card: the service requires it); idempotent per public key.
   */
  issue(
    itemId: string,
    certificationRequest: Uint8Array,
    attestation?: KeyAttestation,
  ): Promise<IssuedCertificate>;
  /**
   * Declares the person's certificates on the card (DER) before the upgrade writes anything, so the service
   * revokes them at completion even if the run that overwrites them never finishes; idempotent. Returns the
   * card's earlier valid certificates that completion revokes.
   */
  declareCertificates(certificates: readonly Uint8Array[]): Promise<readonly ServiceCertificate[]>;
  /**
   * Reports the installed certificates (serials); the service then revokes every other certificate it recorded
   * for the card. Returns those it revoked now.
   */
  complete(installed: readonly string[]): Promise<readonly ServiceCertificate[]>;
  listCertificates(): Promise<readonly ServiceCertificate[]>;
  revoke(serial: string): Promise<void>;
  /** This card's valid service certificates with their chains and target slots (re-fetch). */
  refetch(): Promise<readonly (IssuedCertificate & {readonly slot: number})[]>;
}

/** The upgrade service before login. */
export interface ServicePort {
  /**
   * Starts a login with the card's authentication certificate and card number; returns the bytes the card's
   * authentication key must sign (the engine checks they are a login challenge) and a function that finishes
   * the login with that signature.
   */
  beginLogin(input: {certificate: Uint8Array; cardNumber: string; cardProfile: CardProfile}): Promise<{
    toBeSigned: Uint8Array;
    finish(signature: Uint8Array): Promise<ServiceSession>;
  }>;
}

/** Time, injectable so tests run fast and estimates are testable. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms`; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Randomness (challenges for test e-id). */
export interface Random {
  bytes(length: number): Uint8Array;
}

/** One line of the support log. Never holds PINs, PUKs or key material. */
export interface LogEntry {
  readonly event: string;
  readonly [field: string]: unknown;
}

/** The support log sink (JSON lines in a file the CLI chooses). */
export interface Log {
  write(entry: LogEntry): void;
}

/** Everything the engine needs, in one object (docs/architecture.md, "The engine and its ports"). */
export interface EngineDeps {
  readonly readers: CardReaders;
  readonly service: ServicePort;
  readonly clock: Clock;
  readonly random: Random;
  readonly log: Log;
  /** The trust anchors the new certificates must chain to (invariant 5), DER. */
  readonly trustAnchors: readonly Uint8Array[];
  /** Issuing CAs under the trust anchors, DER: lets the engine tell new certificates on the card offline. */
  readonly intermediates?: readonly Uint8Array[];
  readonly language: 'sv' | 'en';
  /** Use this reader (from --reader or config); otherwise the engine picks or asks. */
  readonly preferredReader?: string;
}
