import type {CardProfile} from '../../protocol/common.js';
import type {StoreQueries} from './store.js';

/** A login session. The token itself is never stored: only its SHA-256. */
export interface SessionRecord {
  readonly tokenHash: string;
  readonly hsaId: string;
  readonly cardNumber: string;
  /** The applet the card answered as at login; the session plans for it. */
  readonly cardProfile: CardProfile;
  /** Id (fingerprint) of the certificate the session logged in with. */
  readonly certificateId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly endedAt: Date | undefined;
}

interface SessionRow {
  token_hash: string;
  hsa_id: string;
  card_number: string;
  card_profile: CardProfile;
  certificate_id: string;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
}

export async function insertSession(db: StoreQueries, session: SessionRecord): Promise<void> {
  await db.run(
    `INSERT INTO sessions
       (token_hash, hsa_id, card_number, card_profile, certificate_id, created_at, expires_at, ended_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, NULL)`,
    [
      session.tokenHash,
      session.hsaId,
      session.cardNumber,
      session.cardProfile,
      session.certificateId,
      session.createdAt.toISOString(),
      session.expiresAt.toISOString(),
    ],
  );
}

export async function findSession(db: StoreQueries, tokenHash: string): Promise<SessionRecord | undefined> {
  const row = await db.get<SessionRow>('SELECT * FROM sessions WHERE token_hash = ?', [tokenHash]);
  if (!row) return undefined;
  return {
    tokenHash: row.token_hash,
    hsaId: row.hsa_id,
    cardNumber: row.card_number,
    cardProfile: row.card_profile,
    certificateId: row.certificate_id,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    endedAt: row.ended_at === null ? undefined : new Date(row.ended_at),
  };
}

export async function endSession(db: StoreQueries, tokenHash: string, at: Date): Promise<void> {
  await db.run('UPDATE sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL', [
    at.toISOString(),
    tokenHash,
  ]);
}
