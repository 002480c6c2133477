import type {CardProfile} from '../../protocol/common.js';
import type {StoreQueries} from './store.js';

/** A completed upgrade of a card: which certificates it installed and which earlier ones it revoked. */
export interface CompletionRecord {
  readonly hsaId: string;
  readonly cardNumber: string;
  /** The applet the card answered as: the plan the completion checked was this profile's. */
  readonly cardProfile: CardProfile;
  readonly completedAt: Date;
  /** Certificate ids. */
  readonly installed: readonly string[];
  readonly revoked: readonly string[];
}

export async function insertCompletion(db: StoreQueries, completion: CompletionRecord): Promise<void> {
  await db.run(
    `INSERT INTO completions (hsa_id, card_number, card_profile, completed_at, installed, revoked)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [
      completion.hsaId,
      completion.cardNumber,
      completion.cardProfile,
      completion.completedAt.toISOString(),
      JSON.stringify(completion.installed),
      JSON.stringify(completion.revoked),
    ],
  );
}
