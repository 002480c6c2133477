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
import {
  deleteExpiredLoginChallenges,
  insertLoginChallenge,
  takeLoginChallenge,
} from './store/login-challenges.js';
import {insertSession} from './store/sessions.js';
import {storeLocks, type StoreQueries} from './store/store.js';

/** How long a login challenge can be answered. */
const CHALLENGE_LIFETIME_MS = 2 * 60 * 1000;

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
 * it opens a session bound to that certificate and card, whichever instance each request lands on. Challenges and
 * the rate limits' events are in the store (they expire; a refused or forged attempt records no session,
 * certificate or audit entry); a successful login writes the session, the earlier certificate when first seen,
 * and the audit entry in one transaction. Challenges are rate-limited by what is presented from an address (the certificate,
 * the card number), so one client sending garbage does not lock out the others behind the same address (a ward's
 * thin clients, a VDI host, a NAT), under a generous ceiling per address; failed signatures are limited per
 * certificate.
 */
export class Login {
  /** Keyed by address and presented certificate, and by address and card number. */
  readonly #challengesPerPresentation: RateLimiter;
  readonly #challengesPerAddress: RateLimiter;
  readonly #failuresPerCertificate: RateLimiter;

  constructor(private readonly context: ServiceContext) {
    const {limits} = context.settings;
    this.#challengesPerPresentation = new RateLimiter(
      'challenges per presentation',
      limits.loginChallengesPerMinute,
      60_000,
      context.now,
    );
    this.#challengesPerAddress = new RateLimiter(
      'challenges per address',
      limits.loginChallengesPerAddressPerMinute,
      60_000,
      context.now,
    );
    this.#failuresPerCertificate = new RateLimiter(
      'failures per certificate',
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
  async challenge(input: {
    certificate: Uint8Array;
    cardNumber: string;
    cardProfile: CardProfile;
    client: string;
  }): Promise<{challengeId: string; toBeSigned: Uint8Array; expiresAt: Date}> {
    // The presented bytes are hashed before they are parsed: garbage is keyed too, and only throttles itself.
    await this.#admit([
      [this.#challengesPerAddress, input.client],
      [this.#challengesPerPresentation, `${input.client} certificate ${sha256Hex(input.certificate)}`],
      [this.#challengesPerPresentation, `${input.client} card ${input.cardNumber}`],
    ]);
    const {store} = this.context;
    const identity = await this.#identify(input.certificate, input.cardNumber);
    await this.#throttle(store, this.#failuresPerCertificate, identity.facts.id);
    const now = this.context.now();
    await deleteExpiredLoginChallenges(store, now);
    const challengeId = randomBytes(24).toString('base64url');
    const toBeSigned = loginToBeSigned(new Uint8Array(randomBytes(LOGIN_CHALLENGE_BYTES)));
    const expiresAt = new Date(now.getTime() + CHALLENGE_LIFETIME_MS);
    await insertLoginChallenge(store, {
      idHash: challengeIdHash(challengeId),
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
  async login(input: {challengeId: string; signature: Uint8Array}): Promise<{
    token: string;
    person: DirectoryPerson;
    card: DirectoryCard;
    certificateSerial: string;
    expiresAt: Date;
  }> {
    const {store} = this.context;
    const pending = await takeLoginChallenge(store, challengeIdHash(input.challengeId));
    if (!pending || pending.expiresAt.getTime() <= this.context.now().getTime())
      throw new RefusalError('challenge-unknown', 'no open login challenge with this id; ask for a new one');
    const identity = await this.#identify(pending.certificate, pending.cardNumber);
    await this.#throttle(store, this.#failuresPerCertificate, identity.facts.id);
    if (!isSignatureValid(identity.facts, pending.toBeSigned, input.signature)) {
      await this.#failuresPerCertificate.record(store, identity.facts.id);
      throw new RefusalError('signature-invalid', "the signature does not verify with the certificate's key");
    }
    return this.#openSession(identity, pending.cardProfile);
  }

  async #openSession(identity: LoginIdentity, cardProfile: CardProfile) {
    const {store, settings} = this.context;
    const now = this.context.now();
    const expiresAt = new Date(now.getTime() + settings.sessionMinutes * 60_000);
    const {token, id} = newSessionToken();
    const {facts, person, card, issuer} = identity;
    await store.transaction(async (tx) => {
      // Another login with the same certificate may record it first, on any instance: audited once.
      const isFirstSeen =
        !identity.known &&
        (await insertCertificate(
          tx,
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
        ));
      if (isFirstSeen) {
        await appendAudit(tx, {
          at: now,
          actor: person.hsaId,
          cardNumber: card.number,
          action: 'previous-certificate-recorded',
          detail: {serial: facts.serial, authority: issuer.id},
        });
      }
      await insertSession(tx, {
        tokenHash: id,
        hsaId: person.hsaId,
        cardNumber: card.number,
        cardProfile,
        certificateId: facts.id,
        createdAt: now,
        expiresAt,
        endedAt: undefined,
      });
      await appendAudit(tx, {
        at: now,
        actor: person.hsaId,
        cardNumber: card.number,
        action: 'logged-in',
        detail: {serial: facts.serial, authority: issuer.id, cardProfile},
      });
    });
    return {token, person, card, certificateSerial: facts.serial, expiresAt};
  }

  /** Ties a login certificate to a person and the presented card, or refuses. */
  async #identify(certificate: Uint8Array, cardNumber: string): Promise<LoginIdentity> {
    const {authorities, directory, store} = this.context;
    const facts = inspectCertificate(certificate);
    const issuer = authorities.verifyLoginCertificate(facts, this.context.now());
    const known = await findCertificate(store, facts.id);
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

  /**
   * Refuses when any of the limited keys is over its limit, else records an event for each, in one transaction
   * under the keys' locks. Throws RefusalError 'too-many-attempts'.
   */
  async #admit(limited: readonly (readonly [RateLimiter, string])[]): Promise<void> {
    const locks = [
      ...new Set(limited.map(([limiter, key]) => storeLocks.rateLimit(limiter.name, key))),
    ].sort();
    await this.context.store.transaction(async (tx) => {
      for (const lock of locks) await tx.lock(lock);
      for (const [limiter, key] of limited) await this.#throttle(tx, limiter, key);
      for (const [limiter, key] of limited) await limiter.record(tx, key);
    });
  }

  async #throttle(db: StoreQueries, limiter: RateLimiter, key: string): Promise<void> {
    const retryAfterSeconds = await limiter.retryAfterSeconds(db, key);
    if (retryAfterSeconds > 0) {
      throw new RefusalError('too-many-attempts', 'too many login attempts; wait and try again', {
        retryAfterSeconds,
      });
    }
  }
}

/** The store keeps a challenge under the SHA-256 of its id: the id answers it, as a token opens a session. */
function challengeIdHash(challengeId: string): string {
  return sha256Hex(Buffer.from(challengeId));
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
