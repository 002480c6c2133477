import pg from 'pg';
import {ServiceSetupError} from '../errors.js';
import {pendingMigrations} from './migrations.js';
import {withoutPassword} from './postgresql-url.js';
import type {SqlValue, Store, StoreQueries, StoreTransaction} from './store.js';

/** Connections per service instance. */
const POOL_SIZE = 10;
/** The advisory lock every instance takes while it migrates, so that instances started together migrate once. */
const MIGRATION_LOCK = 'siths-upgrade migrations';
/** SQLSTATEs after which a transaction is run again from its start: deadlock, serialization failure. */
const RETRIED_STATES = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

/**
 * The PostgreSQL store at `url` (postgresql://user@host/db, or ?host=/dir for a Unix socket), with a pool of
 * connections, and the pending migrations applied under an advisory lock (instances started together wait for
 * each other). The password, when the server wants one, is `password` (read from the file the config names) or
 * what node-postgres finds itself (PGPASSWORD, ~/.pgpass); never part of the URL in the config.
 *
 * Throws ServiceSetupError 'store-failed' when the server cannot be reached or a migration fails.
 */
export async function openPostgresqlStore(url: string, password?: string): Promise<Store> {
  const location = withoutPassword(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: POOL_SIZE,
    ...(password !== undefined && {password}),
  });
  // A connection lost while idle leaves the pool; the next statement opens another.
  pool.on('error', () => undefined);
  const store = new PostgresqlStore(pool, location);
  try {
    await store.transaction(async (tx) => migrate(tx));
    return store;
  } catch (error) {
    await pool.end();
    if (error instanceof ServiceSetupError) throw error;
    throw new ServiceSetupError('store-failed', `cannot open the store at ${location}`, {cause: error});
  }
}

class PostgresqlStore implements Store {
  readonly engine = 'postgresql';
  readonly #statements: PostgresqlStatements;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    readonly location: string,
  ) {
    this.#statements = new PostgresqlStatements(pool);
  }

  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.#statements.all<Row>(sql, params);
  }

  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.#statements.get<Row>(sql, params);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#statements.run(sql, params);
  }

  async transaction<T>(change: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await client.query('BEGIN');
          const result = await change(new PostgresqlStatements(client));
          await client.query('COMMIT');
          return result;
        } catch (error) {
          // A connection that cannot even roll back leaves the pool; the change's own error is the one to tell.
          await client.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
          const isRetried = RETRIED_STATES.has((error as {code?: string}).code ?? '');
          if (broken || attempt >= ATTEMPTS || !isRetried) throw error;
        }
      }
    } finally {
      client.release(broken);
    }
  }

  async schemaVersion(): Promise<number> {
    return currentVersion(this.#statements);
  }

  close(): Promise<void> {
    return (this.#closing ??= this.pool.end());
  }
}

/** Statements on a pooled connection, or on the one client of a transaction. */
class PostgresqlStatements implements StoreTransaction {
  constructor(private readonly client: pg.Pool | pg.PoolClient) {}

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return (await this.#query(sql, params)).rows as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return (await this.#query(sql, params)).rows[0] as Row | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }

  async lock(name: string): Promise<void> {
    await this.#query('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [name]);
  }

  #query(sql: string, params: readonly SqlValue[]) {
    return this.client.query(
      numberedPlaceholders(sql),
      params.map((value) => (value instanceof Uint8Array ? Buffer.from(value) : value)),
    );
  }
}

/** `?` placeholders as PostgreSQL's $1, $2, ... (the store's SQL has no `?` inside its string literals). */
export function numberedPlaceholders(sql: string): string {
  let count = 0;
  return sql.replace(/\?/g, () => `$${++count}`);
}

async function currentVersion(db: StoreQueries): Promise<number> {
  const row = await db.get<{version: number | null}>('SELECT MAX(version) AS version FROM schema_migrations');
  return row?.version ?? 0;
}

async function migrate(tx: StoreTransaction): Promise<void> {
  await tx.lock(MIGRATION_LOCK);
  await tx.run(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const current = await currentVersion(tx);
  for (const migration of pendingMigrations(current)) {
    await tx.run(migration.sql.postgresql);
    await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [
      migration.version,
      new Date().toISOString(),
    ]);
  }
}
