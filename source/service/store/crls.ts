import type {StoreDatabase} from './database.js';

/** The latest CRL published for an authority. */
export interface CrlRecord {
  readonly authority: string;
  readonly number: number;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly der: Uint8Array;
}

export function findCrl(db: StoreDatabase, authority: string): CrlRecord | undefined {
  const row = db.prepare('SELECT * FROM crls WHERE authority = ?').get(authority) as
    {authority: string; number: number; this_update: string; next_update: string; der: Buffer} | undefined;
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
export function saveCrl(db: StoreDatabase, crl: CrlRecord): void {
  db.prepare(
    `INSERT INTO crls (authority, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (authority) DO UPDATE SET number = excluded.number, this_update = excluded.this_update,
       next_update = excluded.next_update, der = excluded.der`,
  ).run(
    crl.authority,
    crl.number,
    crl.thisUpdate.toISOString(),
    crl.nextUpdate.toISOString(),
    Buffer.from(crl.der),
  );
}
