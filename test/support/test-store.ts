import {join} from 'node:path';
import pg from 'pg';
import {inject} from 'vitest';
import {openStore} from '../../source/service/store/open-store.js';
import type {StoreEngine} from '../../source/service/store/store.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The private PostgreSQL the 'postgresql' project's global setup started (test/support/postgresql.ts). */
    postgresql?: {readonly url: string};
  }
}

/**
 * The engine the service's tests run on: PostgreSQL in the vitest project "postgresql" (vitest.config.ts), which
 * runs the same test files on a private cluster, else SQLite.
 */
export function testStoreEngine(): StoreEngine {
  return inject('postgresql') === undefined ? 'sqlite' : 'postgresql';
}

let databaseCount = 0;

/**
 * A fresh, empty store location for one test: a SQLite file in `directory`, or a new database on the project's
 * private PostgreSQL (named after the worker, so that parallel files never share one).
 */
export async function freshStoreLocation(directory: string, name = 'store'): Promise<string> {
  const postgresql = inject('postgresql');
  databaseCount += 1;
  if (postgresql === undefined) return join(directory, `${name}-${databaseCount}.sqlite`);
  const database = `test_${process.pid}_${databaseCount}`;
  const client = new pg.Client({connectionString: postgresql.url});
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  // The cluster's URLs differ only in the database (test/support/postgresql.ts).
  return postgresql.url.replace('/postgres?', `/${database}?`);
}

/**
 * Tables of short-lived state (challenges, rate-limit events) and the refusal counts: a refused request may write
 * them.
 */
const EPHEMERAL_TABLES = new Set([
  'login_challenges',
  'relay_challenges',
  'rate_limit_events',
  'refusal_counts',
]);

/**
 * Every lasting table's rows, to prove that a refused request wrote nothing: sessions, certificates, terms
 * acceptances, CRLs, completions, the audit log.
 */
export async function storeSnapshot(location: string): Promise<Record<string, unknown[]>> {
  const store = await openStore(location);
  try {
    const tables = await store.all<{name: string}>(
      store.engine === 'sqlite'
        ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
        : 'SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
    );
    const lasting = tables.filter(({name}) => !EPHEMERAL_TABLES.has(name) && name !== 'schema_migrations');
    const snapshot: Record<string, unknown[]> = {};
    for (const {name} of lasting) snapshot[name] = await store.all(`SELECT * FROM "${name}" ORDER BY 1`);
    return snapshot;
  } finally {
    await store.close();
  }
}
