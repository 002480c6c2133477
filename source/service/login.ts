import {randomBytes, verify} from 'node:crypto';
import type {CardProfile} from '../protocol/common.js';
import {LOGIN_CHALLENGE_BYTES, loginToBeSigned} from '../protocol/session.js';
import type {Authority} from './authorities.js';
import {
  inspectCertificate,
  previousCertificateRecord,
  sha256Hex,
  type CertificateFacts,
} from './certificate-facts.js';
import type {DirectoryCard, DirectoryPerson} from './config.js';
import type {ServiceContext} from './context.js';
import {RefusalError} from './errors.js';
import {RateLimiter} from './rate-limiter.js';
import {newSessionToken} from './sessions.js';
import {appendAudit} from './store/audit-log.js';
import {findCertificate, insertCertificate, type CertificateRecord} from './store/certificates.js';
import {insertSession} from './store/sessions.js';

/** How long a login challenge can be answered. */
const CHALLENGE_LIFETIME_MS = 2 * 60 * 1000;

interface PendingChallenge {
  readonly toBeSigned: Uint8Array;
  readonly certificate: Uint8Array;
  readonly cardNumber: string;
  readonly cardProfile: CardProfile;
  readonly expiresAt: Date;
}

/** Whom a login certificate identifies, after every check. */
interface LoginIdentity {
  readonly facts: CertificateFacts;
  readonly issuer: Authority;
  readonly person: DirectoryPerson;
  readonly card: DirectoryCard;
  /** The store's record of the certificate, when the service knows it already. */
  readonly known: CertificateRecord | undefined;
}

/**
 * Login by signature: a single-use challenge for a checked certificate and card, then the card's signature of
 * it opens a session bound to that certificate and card. Challenges live in memory (a refused or forged attempt
 * writes nothing); a successful login writes the session, the earlier certificate when first seen, and the audit
 * entry in one transaction. Challenges are rate-limited by what is presented from an address (the certificate,
 * the card number), so one client sending garbage does not lock out the others behind the same address (a ward's
 * thin clients, a VDI host, a NAT), under a generous ceiling per address; failed signatures are limited per
 * certificate.
 */
export class Login {
  readonly #challenges = new Map<string, PendingChallenge>();
  /** Keyed by address and presented certificate, and by address and card number. */
  readonly #challengesPerPresentation: RateLimiter;
  readonly #challengesPerAddress: RateLimiter;
  readonly #failuresPerCertificate: RateLimiter;

  constructor(private readonly context: ServiceContext) {
    const {limits} = context.settings;
    this.#challengesPerPresentation = new RateLimiter(limits.loginChallengesPerMinute, 60_000, context.now);
    this.#challengesPerAddress = new RateLimiter(
      limits.loginChallengesPerAddressPerMinute,
      60_000,
      context.now,
    );
    this.#failuresPerCertificate = new RateLimiter(
      limits.loginFailuresPerCertificate,
      limits.loginFailureWindowMinutes * 60_000,
      context.now,
    );
  }

  /**
   * Checks the certificate and the card and returns a fresh challenge.
   * Throws RefusalError 'too-many-attempts', 'certificate-malformed', 'certificate-untrusted',
   * 'certificate-expired', 'certificate-not-yet-valid', 'certificate-revoked', 'certificate-not-for-login',
   * 'person-unknown', 'card-unknown', 'card-mismatch'.
   */
  challenge(input: {certificate: Uint8Array; cardNumber: string; cardProfile: CardProfile; client: string}): {
    challengeId: string;
    toBeSigned: Uint8Array;
    expiresAt: Date;
  } {
    // The presented bytes are hashed before they are parsed: garbage is keyed too, and only throttles itself.
    const keys = [
      `${input.client} certificate ${sha256Hex(input.certificate)}`,
      `${input.client} card ${input.cardNumber}`,
    ];
    this.#throttle(this.#challengesPerAddress, input.client);
    for (const key of keys) this.#throttle(this.#challengesPerPresentation, key);
    this.#challengesPerAddress.record(input.client);
    for (const key of keys) this.#challengesPerPresentation.record(key);
    const identity = this.#identify(input.certificate, input.cardNumber);
    this.#throttle(this.#failuresPerCertificate, identity.facts.id);
    this.#prune();
    const challengeId = randomBytes(24).toString('base64url');
    const toBeSigned = loginToBeSigned(new Uint8Array(randomBytes(LOGIN_CHALLENGE_BYTES)));
    const expiresAt = new Date(this.context.now().getTime() + CHALLENGE_LIFETIME_MS);
    this.#challenges.set(challengeId, {
      toBeSigned,
      certificate: identity.facts.der,
      cardNumber: input.cardNumber,
      cardProfile: input.cardProfile,
      expiresAt,
    });
    return {challengeId, toBeSigned, expiresAt};
  }

  /**
   * Checks the card's signature of the challenge (which is used up either way) and opens a session.
   * Throws RefusalError 'challenge-unknown' (unknown, used or expired), 'too-many-attempts', 'signature-invalid',
   * and the certificate refusals of `challenge` when something changed meanwhile.
   */
  login(input: {challengeId: string; signature: Uint8Array}): {
    token: string;
    person: DirectoryPerson;
    card: DirectoryCard;
    certificateSerial: string;
    expiresAt: Date;
  } {
    this.#prune();
    const pending = this.#challenges.get(input.challengeId);
    if (!pending)
      throw new RefusalError('challenge-unknown', 'no open login challenge with this id; ask for a new one');
    this.#challenges.delete(input.challengeId);
    const identity = this.#identify(pending.certificate, pending.cardNumber);
    this.#throttle(this.#failuresPerCertificate, identity.facts.id);
    if (!isSignatureValid(identity.facts, pending.toBeSigned, input.signature)) {
      this.#failuresPerCertificate.record(identity.facts.id);
      throw new RefusalError('signature-invalid', "the signature does not verify with the certificate's key");
    }
    return this.#openSession(identity, pending.cardProfile);
  }

  #openSession(identity: LoginIdentity, cardProfile: CardProfile) {
    const {db, settings} = this.context;
    const now = this.context.now();
    const expiresAt = new Date(now.getTime() + settings.sessionMinutes * 60_000);
    const {token, id} = newSessionToken();
    const {facts, person, card, issuer} = identity;
    db.transaction(() => {
      if (!identity.known) {
        insertCertificate(
          db,
          previousCertificateRecord(
            facts,
            {
              authority: issuer.id,
              hsaId: person.hsaId,
              cardNumber: card.number,
              identity: facts.holder!.identity,
              purpose: 'authentication',
            },
            now,
          ),
        );
        appendAudit(db, {
          at: now,
          actor: person.hsaId,
          cardNumber: card.number,
          action: 'previous-certificate-recorded',
          detail: {serial: facts.serial, authority: issuer.id},
        });
      }
      insertSession(db, {
        tokenHash: id,
        hsaId: person.hsaId,
        cardNumber: card.number,
        cardProfile,
        certificateId: facts.id,
        createdAt: now,
        expiresAt,
        endedAt: undefined,
      });
      appendAudit(db, {
        at: now,
        actor: person.hsaId,
        cardNumber: card.number,
        action: 'logged-in',
        detail: {serial: facts.serial, authority: issuer.id, cardProfile},
      });
    })();
    return {token, person, card, certificateSerial: facts.serial, expiresAt};
  }

  /** Ties a login certificate to a person and the presented card, or refuses. */
  #identify(certificate: Uint8Array, cardNumber: string): LoginIdentity {
    const {authorities, directory, db} = this.context;
    const facts = inspectCertificate(certificate);
    const issuer = authorities.verifyLoginCertificate(facts, this.context.now());
    const known = findCertificate(db, facts.id);
    if (known?.revokedAt)
      throw new RefusalError('certificate-revoked', `certificate ${facts.serial} is revoked`);
    if ((known?.purpose ?? facts.purpose) !== 'authentication') {
      throw new RefusalError('certificate-not-for-login', 'log in with the authentication certificate');
    }
    const person = facts.holder && directory.personByIdentity(facts.holder.identity, facts.holder.value);
    if (!person || (known && known.hsaId !== person.hsaId)) {
      throw new RefusalError('person-unknown', 'the certificate names no person in the directory');
    }
    const holder = directory.card(cardNumber);
    if (!holder) throw new RefusalError('card-unknown', `card ${cardNumber} is not in the directory`);
    const boundCard = known?.cardNumber ?? facts.cardNumber;
    if (holder.person.hsaId !== person.hsaId || (boundCard !== undefined && boundCard !== cardNumber)) {
      throw new RefusalError(
        'card-mismatch',
        `card ${cardNumber} does not belong to the certificate's holder`,
      );
    }
    return {facts, issuer, person, card: holder.card, known};
  }

  #throttle(limiter: RateLimiter, key: string): void {
    const retryAfterSeconds = limiter.retryAfterSeconds(key);
    if (retryAfterSeconds > 0) {
      throw new RefusalError('too-many-attempts', 'too many login attempts; wait and try again', {
        retryAfterSeconds,
      });
    }
  }

  #prune(): void {
    const now = this.context.now().getTime();
    for (const [id, pending] of this.#challenges) {
      if (pending.expiresAt.getTime() <= now) this.#challenges.delete(id);
    }
  }
}

/** RSA PKCS#1 v1.5 or ECDSA (DER) over SHA-256 of `toBeSigned`, with the certificate's key. */
function isSignatureValid(facts: CertificateFacts, toBeSigned: Uint8Array, signature: Uint8Array): boolean {
  const key = facts.x509.publicKey;
  try {
    return verify(
      'sha256',
      toBeSigned,
      key.asymmetricKeyType === 'ec' ? {key, dsaEncoding: 'der'} : key,
      signature,
    );
  } catch {
    return false;
  }
}
