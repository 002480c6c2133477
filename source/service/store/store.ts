/** A value a statement takes or a row holds: text, a number, NULL, or bytes (BLOB, BYTEA). */
export type SqlValue = string | number | null | Uint8Array;

export type StoreEngine = 'sqlite' | 'postgresql';

/** Whether `location` names a PostgreSQL store (a postgresql:// or postgres:// URL) rather than a SQLite file. */
export function isPostgresqlLocation(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/**
 * Statements on the store. SQL is written once for both engines: `?` placeholders (numbered for PostgreSQL by
 * the engine), TEXT times in ISO 8601 UTC, bytes as BLOB/BYTEA (read back as Buffer), and only what both
 * dialects share (ON CONFLICT, RETURNING, CAST(... AS INTEGER) for counts).
 */
export interface StoreQueries {
  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /** Returns the number of rows the statement changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

/** The statements of one transaction, and the locks it holds until it ends. */
export interface StoreTransaction extends StoreQueries {
  /**
   * Waits for and holds `name` until the transaction ends, across every service instance on the store: two
   * transactions that lock the same name run one after the other. Take the locks of a change before reading what
   * it checks, in the order card, key, authority (sorted), so that no two changes wait for each other.
   */
  lock(name: string): Promise<void>;
}

/**
 * The service's store: SQLite (one service process owns the file; the embedded default) or PostgreSQL (shared by
 * any number of service instances). Opened by openStore (source/service/store/open-store.ts).
 */
export interface Store extends StoreQueries {
  readonly engine: StoreEngine;
  /** Where the store is, for messages: a path, or the PostgreSQL URL without any password. */
  readonly location: string;
  /**
   * Runs `change` in one transaction: committed when it resolves, rolled back when it throws. The change may
   * await (sign a certificate or a CRL) while it holds its locks.
   */
  transaction<T>(change: (tx: StoreTransaction) => Promise<T>): Promise<T>;
  /** The highest migration applied. */
  schemaVersion(): Promise<number>;
  /** Closing again does nothing more. */
  close(): Promise<void>;
}

/** Every lock name of a change, built here so that the names of one kind never collide with another's. */
export const storeLocks = {
  card: (cardNumber: string) => `card ${cardNumber}`,
  publicKey: (publicKeyHash: string) => `key ${publicKeyHash}`,
  authority: (authorityId: string) => `authority ${authorityId}`,
  rateLimit: (limiter: string, key: string) => `rate ${limiter} ${key}`,
} as const;
