import Database from 'better-sqlite3';
import {ServiceSetupError} from '../errors.js';
import {MIGRATIONS} from './migrations.js';

export type StoreDatabase = Database.Database;

/**
 * Opens (or creates) the service's SQLite store at `path` (':memory:' for tests), in WAL mode with foreign keys
 * and a busy timeout, and applies the pending migrations, each in one transaction. One service process owns a
 * store file: state changes are serialised in-process (see WriteQueue), not across processes.
 *
 * Throws ServiceSetupError 'store-failed' when the file cannot be opened or a migration fails.
 */
export function openStore(path: string): StoreDatabase {
  let db: StoreDatabase | undefined;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof ServiceSetupError) throw error;
    throw new ServiceSetupError('store-failed', `cannot open the store at ${path}`, {cause: error});
  }
}

/** The schema version of the store (the highest applied migration). */
export function schemaVersion(db: StoreDatabase): number {
  return db.pragma('user_version', {simple: true}) as number;
}

function migrate(db: StoreDatabase): void {
  const current = schemaVersion(db);
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new ServiceSetupError(
      'store-failed',
      `the store has schema version ${current}, newer than this service (${latest})`,
    );
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
