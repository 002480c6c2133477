import type {ManagementKeyAlgorithm} from '../../protocol/common.js';
import type {StoreQueries} from './store.js';

/**
 * An open management-key relay, kept under the SHA-256 of its id, with the SHA-256 of the card's expected answer
 * E(K, Rh) (the answer itself, made with the card's key, is not stored); single-use.
 */
export interface RelayChallengeRecord {
  readonly idHash: string;
  readonly algorithm: ManagementKeyAlgorithm;
  readonly sessionId: string;
  readonly cardNumber: string;
  readonly responseHash: string;
  readonly expiresAt: Date;
}

export async function insertRelayChallenge(db: StoreQueries, relay: RelayChallengeRecord): Promise<void> {
  await db.run(
    `INSERT INTO relay_challenges (id_hash, algorithm, session_id, card_number, response_hash, expires_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [
      relay.idHash,
      relay.algorithm,
      relay.sessionId,
      relay.cardNumber,
      relay.responseHash,
      relay.expiresAt.toISOString(),
    ],
  );
}

/**
 * Removes the relay of this session and card and returns it (one taker, whichever instance asks); undefined when
 * there is none for them.
 */
export async function takeRelayChallenge(
  db: StoreQueries,
  relay: {idHash: string; sessionId: string; cardNumber: string},
): Promise<RelayChallengeRecord | undefined> {
  const row = await db.get<{algorithm: ManagementKeyAlgorithm; response_hash: string; expires_at: string}>(
    `DELETE FROM relay_challenges WHERE id_hash = ? AND session_id = ? AND card_number = ?
     RETURNING algorithm, response_hash, expires_at`,
    [relay.idHash, relay.sessionId, relay.cardNumber],
  );
  if (!row) return undefined;
  return {
    ...relay,
    algorithm: row.algorithm,
    responseHash: row.response_hash,
    expiresAt: new Date(row.expires_at),
  };
}

export async function deleteExpiredRelayChallenges(db: StoreQueries, now: Date): Promise<void> {
  await db.run('DELETE FROM relay_challenges WHERE expires_at <= ?', [now.toISOString()]);
}
