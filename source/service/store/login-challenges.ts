import type {CardProfile} from '../../protocol/common.js';
import type {StoreQueries} from './store.js';

/** An open login challenge, kept under the SHA-256 of its id; single-use. */
export interface LoginChallengeRecord {
  readonly idHash: string;
  readonly toBeSigned: Uint8Array;
  readonly certificate: Uint8Array;
  readonly cardNumber: string;
  readonly cardProfile: CardProfile;
  readonly expiresAt: Date;
}

export async function insertLoginChallenge(db: StoreQueries, challenge: LoginChallengeRecord): Promise<void> {
  await db.run(
    `INSERT INTO login_challenges (id_hash, to_be_signed, certificate, card_number, card_profile, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [
      challenge.idHash,
      challenge.toBeSigned,
      challenge.certificate,
      challenge.cardNumber,
      challenge.cardProfile,
      challenge.expiresAt.toISOString(),
    ],
  );
}

/**
 * Removes the challenge and returns it: of two requests that answer one challenge at once, on any instances, one
 * gets it. Undefined when there is none (unknown, used, or deleted as expired).
 */
export async function takeLoginChallenge(
  db: StoreQueries,
  idHash: string,
): Promise<LoginChallengeRecord | undefined> {
  const row = await db.get<{
    to_be_signed: Buffer;
    certificate: Buffer;
    card_number: string;
    card_profile: CardProfile;
    expires_at: string;
  }>('DELETE FROM login_challenges WHERE id_hash = ? RETURNING *', [idHash]);
  if (!row) return undefined;
  return {
    idHash,
    toBeSigned: new Uint8Array(row.to_be_signed),
    certificate: new Uint8Array(row.certificate),
    cardNumber: row.card_number,
    cardProfile: row.card_profile,
    expiresAt: new Date(row.expires_at),
  };
}

export async function deleteExpiredLoginChallenges(db: StoreQueries, now: Date): Promise<void> {
  await db.run('DELETE FROM login_challenges WHERE expires_at <= ?', [now.toISOString()]);
}
