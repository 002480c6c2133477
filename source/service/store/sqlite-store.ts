import Database from 'better-sqlite3';
import {ServiceSetupError} from '../errors.js';
import {WriteQueue} from './write-queue.js';
import {pendingMigrations} from './migrations.js';
import type {SqlValue, Store, StoreTransaction} from './store.js';

/**
 * The SQLite store at `path` (':memory:' for tests and the demo), in WAL mode with foreign keys and a busy
 * timeout, with the pending migrations applied, each in one transaction. One service process owns the file:
 * every statement and transaction runs in turn in the process (WriteQueue), so a transaction that awaits a
 * signature is never joined by another request's statements, and its locks need nothing more.
 *
 * Throws ServiceSetupError 'store-failed' when the file cannot be opened or a migration fails.
 */
export function openSqliteStore(path: string): Store {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteStore(db, path);
  } catch (error) {
    db?.close();
    if (error instanceof ServiceSetupError) throw error;
    throw new ServiceSetupError('store-failed', `cannot open the store at ${path}`, {cause: error});
  }
}

class SqliteStore implements Store {
  readonly engine = 'sqlite';
  readonly #queue = new WriteQueue();
  readonly #statements: SqliteStatements;

  constructor(
    private readonly db: Database.Database,
    readonly location: string,
  ) {
    this.#statements = new SqliteStatements(db);
  }

  all<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row[]> {
    return this.#queue.run(() => this.#statements.all<Row>(sql, params));
  }

  get<Row>(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined> {
    return this.#queue.run(() => this.#statements.get<Row>(sql, params));
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.#queue.run(() => this.#statements.run(sql, params));
  }

  transaction<T>(change: (tx: StoreTransaction) => Promise<T>): Promise<T> {
    return this.#queue.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await change(this.#statements);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.db);
  }

  async close(): Promise<void> {
    await this.#queue.run(async () => {
      if (this.db.open) this.db.close();
    });
  }
}

/** Statements run at once on the connection, each prepared once. */
class SqliteStatements implements StoreTransaction {
  readonly #prepared = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  async all<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#statement(sql).all(...params) as Row[];
  }

  async get<Row>(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.#statement(sql).get(...params) as Row | undefined;
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.#statement(sql).run(...params).changes;
  }

  /** The whole transaction already runs alone in the process that owns the file. */
  async lock(): Promise<void> {}

  #statement(sql: string): Database.Statement {
    let statement = this.#prepared.get(sql);
    if (!statement) this.#prepared.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }
}

function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', {simple: true}) as number;
}

function migrate(db: Database.Database): void {
  const current = schemaVersion(db);
  for (const migration of pendingMigrations(current)) {
    db.transaction(() => {
      db.exec(migration.sql.sqlite);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
