import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {afterEach, describe, expect, it} from 'vitest';
import {ServiceSetupError} from '../../../source/service/errors.js';
import {appendAudit, readAuditLog} from '../../../source/service/store/audit-log.js';
import {MIGRATIONS} from '../../../source/service/store/migrations.js';
import {openStore} from '../../../source/service/store/open-store.js';
import {numberedPlaceholders} from '../../../source/service/store/postgresql-store.js';
import {withoutPassword} from '../../../source/service/store/postgresql-url.js';
import type {Store} from '../../../source/service/store/store.js';
import {freshStoreLocation, testStoreEngine} from '../../support/test-store.js';

const directories: string[] = [];
function directory(): string {
  const made = mkdtempSync(join(tmpdir(), 'siths-store-'));
  directories.push(made);
  return made;
}
const opened: Store[] = [];
async function open(location: string): Promise<Store> {
  const store = await openStore(location);
  opened.push(store);
  return store;
}
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
  for (const made of directories.splice(0)) rmSync(made, {recursive: true, force: true});
});

const loggedIn = {
  at: new Date(0),
  actor: 'SE2321000016-1001',
  cardNumber: '1',
  action: 'logged-in',
  detail: {},
} as const;

describe(`the store on ${testStoreEngine()}`, () => {
  it('creates the schema at the latest migration, and reopens without migrating again', async () => {
    const location = await freshStoreLocation(directory());
    const store = await open(location);
    expect(store.engine).toBe(testStoreEngine());
    expect(await store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    await appendAudit(store, loggedIn);
    await store.close();
    const again = await open(location);
    expect(await again.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    expect(await readAuditLog(again)).toHaveLength(1);
  });

  it('keeps the audit log append-only', async () => {
    const store = await open(await freshStoreLocation(directory()));
    await appendAudit(store, loggedIn);
    await expect(store.run("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow(/append-only/);
    await expect(store.run('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
    expect((await readAuditLog(store))[0]?.actor).toBe('SE2321000016-1001');
  });

  it('rolls a transaction back when its change throws, and keeps what a committed one wrote', async () => {
    const store = await open(await freshStoreLocation(directory()));
    await expect(
      store.transaction(async (tx) => {
        await appendAudit(tx, loggedIn);
        throw new Error('refused halfway');
      }),
    ).rejects.toThrow('refused halfway');
    expect(await readAuditLog(store)).toEqual([]);
    await store.transaction((tx) => appendAudit(tx, loggedIn));
    expect(await readAuditLog(store)).toHaveLength(1);
  });

  it('runs two changes that lock the same name one after the other, even when both await inside', async () => {
    const location = await freshStoreLocation(directory());
    // Two stores on one location stand for two instances (on SQLite, the one process's queue does this).
    const first = await open(location);
    const second = testStoreEngine() === 'postgresql' ? await open(location) : first;
    const order: string[] = [];
    const change = (name: string) => async (tx: Parameters<Parameters<Store['transaction']>[0]>[0]) => {
      await tx.lock('card 1');
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push(`${name} out`);
    };
    await Promise.all([first.transaction(change('a')), second.transaction(change('b'))]);
    const earlier = order[0]!.split(' ')[0];
    const later = earlier === 'a' ? 'b' : 'a';
    expect(order).toEqual([`${earlier} in`, `${earlier} out`, `${later} in`, `${later} out`]);
  });

  it('refuses a store written by a newer version of the service', async () => {
    const location = await freshStoreLocation(directory());
    const store = await open(location);
    await (testStoreEngine() === 'sqlite'
      ? store.close().then(() => {
          const newer = new Database(location);
          newer.pragma('user_version = 999');
          newer.close();
        })
      : store.run("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 'later')"));
    await expect(openStore(location)).rejects.toThrow(ServiceSetupError);
  });
});

describe('the SQLite store', () => {
  it('is in WAL mode', async () => {
    const location = join(directory(), 'service.sqlite');
    await (await open(location)).close();
    const db = new Database(location, {readonly: true});
    expect(db.pragma('journal_mode', {simple: true})).toBe('wal');
    db.close();
  });

  it('migrates a version 1 store: its sessions and completions were PIV cards', async () => {
    const location = join(directory(), 'service.sqlite');
    const old = new Database(location);
    old.exec(MIGRATIONS[0]!.sql.sqlite);
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO sessions (token_hash, hsa_id, card_number, certificate_id, created_at, expires_at)
         VALUES ('t', 'SE2321000016-0001', '1', 'c', '2026-01-01T00:00:00.000Z', '2026-01-01T00:30:00.000Z')`,
      )
      .run();
    old.close();
    const store = await open(location);
    expect(await store.schemaVersion()).toBe(MIGRATIONS.at(-1)!.version);
    expect(await store.all('SELECT card_profile FROM sessions')).toEqual([{card_profile: 'piv'}]);
    await expect(
      store.run(
        `INSERT INTO sessions (token_hash, hsa_id, card_number, card_profile, certificate_id, created_at,
           expires_at) VALUES ('u', 'h', '1', 'pkcs15', 'c', 'a', 'b')`,
      ),
    ).rejects.toThrow(/CHECK/);
  });
});

describe('numberedPlaceholders', () => {
  it("numbers each ? in order, as PostgreSQL's $1, $2", () => {
    expect(numberedPlaceholders('SELECT * FROM t WHERE a = ? AND b IN (?, ?)')).toBe(
      'SELECT * FROM t WHERE a = $1 AND b IN ($2, $3)',
    );
  });
});

describe('the PostgreSQL URL in messages', () => {
  it('leaves out the password, wherever the URL carries it', () => {
    expect(withoutPassword('postgresql://siths:hunter2@db.example:5433/siths')).toBe(
      'postgresql://siths@db.example:5433/siths',
    );
    expect(withoutPassword('postgresql://siths@/siths?host=/run/pg&password=hunter2')).toBe(
      'postgresql://siths@/siths?host=%2Frun%2Fpg',
    );
  });

  it('says which store it cannot reach, without the password', async () => {
    const failure = await openStore('postgresql://siths:hunter2@/siths?host=/nonexistent-directory').catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ServiceSetupError);
    expect((failure as Error).message).toMatch(/cannot open the store at postgresql:\/\/siths@\/siths/);
    expect(JSON.stringify(failure) + String(failure)).not.toContain('hunter2');
  });
});
