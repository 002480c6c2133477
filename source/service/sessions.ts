import {createHash, randomBytes} from 'node:crypto';
import type {CardProfile} from '../protocol/common.js';
import type {ServiceContext} from './context.js';
import type {DirectoryCard, DirectoryPerson} from './config.js';
import {RefusalError} from './errors.js';
import {findCertificate} from './store/certificates.js';
import {endSession, findSession} from './store/sessions.js';
import type {StoreQueries} from './store/store.js';

/** A request's authenticated session: the person, and the card the session is bound to. */
export interface AuthenticatedSession {
  /** SHA-256 of the token, hex: the session's id in the store. */
  readonly id: string;
  readonly person: DirectoryPerson;
  readonly card: DirectoryCard;
  /** The applet the card answered as at login: the session's plan is this profile's. */
  readonly cardProfile: CardProfile;
  /** Id (fingerprint) of the certificate the session logged in with. */
  readonly certificateId: string;
  readonly expiresAt: Date;
}

/** A new bearer token and the id (hash) under which the store keeps its session. */
export function newSessionToken(): {token: string; id: string} {
  const token = randomBytes(32).toString('base64url');
  return {token, id: sessionIdOf(token)};
}

function sessionIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Finds the session of an `Authorization: Bearer <token>` header, and checks on every request that the
 * certificate it logged in with is still valid and not revoked (a revoked or expired one ends the session).
 * Throws RefusalError 'session-missing', 'session-invalid' (unknown, ended, or the directory no longer ties the
 * person to the card), 'session-certificate-revoked', 'session-certificate-expired' or 'session-expired'.
 */
export async function authenticate(
  context: ServiceContext,
  authorization: string | undefined,
): Promise<AuthenticatedSession> {
  const token = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(authorization ?? '')?.[1];
  if (token === undefined)
    throw new RefusalError('session-missing', 'send Authorization: Bearer <token> from login');
  const session = await findSession(context.store, sessionIdOf(token));
  if (!session) throw new RefusalError('session-invalid', 'no such session; log in again');
  // Before the end of the session: a session its revocation ended keeps saying why.
  await requireLoginCertificateCurrent(context, {
    id: session.tokenHash,
    certificateId: session.certificateId,
  });
  if (session.endedAt) throw new RefusalError('session-invalid', 'no such session; log in again');
  if (session.expiresAt.getTime() <= context.now().getTime()) {
    throw new RefusalError('session-expired', 'the session has expired; log in again');
  }
  const holder = context.directory.card(session.cardNumber);
  if (!holder || holder.person.hsaId !== session.hsaId) {
    throw new RefusalError('session-invalid', 'the directory no longer ties this card to this person');
  }
  return {
    id: session.tokenHash,
    person: holder.person,
    card: holder.card,
    cardProfile: session.cardProfile,
    certificateId: session.certificateId,
    expiresAt: session.expiresAt,
  };
}

/**
 * Ends the session and throws RefusalError 'session-certificate-revoked' or 'session-certificate-expired' when
 * the certificate it logged in with is revoked or outside its validity now. Authenticate calls it on every
 * request; issuance calls it again inside its transaction (`db`), under the card's lock, after any revocation
 * that held it before.
 */
export async function requireLoginCertificateCurrent(
  context: ServiceContext,
  session: {readonly id: string; readonly certificateId: string},
  db: StoreQueries = context.store,
): Promise<void> {
  const {id} = session;
  // The login recorded its certificate (login.ts), and records are never deleted.
  const certificate = await findCertificate(db, session.certificateId);
  const now = context.now();
  if (!certificate || certificate.revokedAt) {
    await endSession(db, id, now);
    throw new RefusalError(
      'session-certificate-revoked',
      'the certificate this session logged in with is revoked; the session has ended',
    );
  }
  if (certificate.notAfter.getTime() <= now.getTime() || certificate.notBefore.getTime() > now.getTime()) {
    await endSession(db, id, now);
    throw new RefusalError(
      'session-certificate-expired',
      'the certificate this session logged in with is no longer valid; the session has ended',
    );
  }
}

/** Throws RefusalError 'card-not-received' unless the session's card may be upgraded (the SITHS rule). */
export function requireReceivedCard(session: AuthenticatedSession): void {
  if (session.card.status !== 'received') {
    throw new RefusalError(
      'card-not-received',
      `card ${session.card.number} has status "${session.card.status}"; only a received card may be upgraded`,
    );
  }
}
