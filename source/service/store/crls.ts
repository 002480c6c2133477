import type {StoreQueries} from './store.js';

/** The latest CRL published for an authority. */
export interface CrlRecord {
  readonly authority: string;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
}

export async function findCrl(db: StoreQueries, authority: string): Promise<CrlRecord | undefined> {
  const row = await db.get<{
    authority: string;
    number: number;
    this_update: string;
    next_update: string;
    der: Buffer;
  }>('SELECT * FROM crls WHERE authority = ?', [authority]);
  if (!row) return undefined;
  return {
    authority: row.authority,
    number: row.number,
    thisUpdate: new Date(row.this_update),
    nextUpdate: new Date(row.next_update),
    der: new Uint8Array(row.der),
  };
}

/** Stores a newly published CRL, replacing the previous one of the authority. */
export async function saveCrl(db: StoreQueries, crl: CrlRecord): Promise<void> {
  await db.run(
    `INSERT INTO crls (authority, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (authority) DO UPDATE SET number = excluded.number, this_update = excluded.this_update,
       next_update = excluded.next_update, der = excluded.der`,
    [crl.authority, crl.number, crl.thisUpdate.toISOString(), crl.nextUpdate.toISOString(), crl.der],
  );
}
