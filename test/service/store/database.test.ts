import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {afterEach, describe, expect, it} from 'vitest';
import {ServiceSetupError} from '../../../source/service/errors.js';
import {MIGRATIONS} from '../../../source/service/store/migrations.js';
import {appendAudit, readAuditLog} from '../../../source/service/store/audit-log.js';
import {openStore, schemaVersion} from '../../../source/service/store/database.js';

const directories: string[] = [];
function storePath(): string {
  const directory = mkdtempSync(join(tmpdir(), 'siths-store-'));
  directories.push(directory);
  return join(directory, 'service.sqlite');
}
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, {recursive: true, force: true});
});

describe('openStore', () => {
  it('creates the schema in WAL mode at the latest migration, and reopens without migrating again', () => {
    const path = storePath();
    const db = openStore(path);
    expect(db.pragma('journal_mode', {simple: true})).toBe('wal');
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    appendAudit(db, {
      at: new Date(0),
      actor: 'service',
      cardNumber: undefined,
      action: 'crl-published',
      detail: {},
    });
    db.close();
    const again = openStore(path);
    expect(readAuditLog(again)).toHaveLength(1);
    again.close();
  });

  it('migrates a version 1 store: its sessions and completions were PIV cards', () => {
    const path = storePath();
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO sessions (token_hash, hsa_id, card_number, certificate_id, created_at, expires_at)
         VALUES ('t', 'SE2321000016-0001', '1', 'c', '2026-01-01T00:00:00.000Z', '2026-01-01T00:30:00.000Z')`,
      )
      .run();
    old.close();
    const db = openStore(path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.prepare('SELECT card_profile FROM sessions').all()).toEqual([{card_profile: 'piv'}]);
    expect(() =>
      db
        .prepare(
          `INSERT INTO sessions (token_hash, hsa_id, card_number, card_profile, certificate_id, created_at,
             expires_at) VALUES ('u', 'h', '1', 'pkcs15', 'c', 'a', 'b')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    db.close();
  });

  it('keeps the audit log append-only', () => {
    const db = openStore(':memory:');
    appendAudit(db, {
      at: new Date(0),
      actor: 'SE2321000016-1001',
      cardNumber: '1',
      action: 'logged-in',
      detail: {},
    });
    expect(() => db.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(readAuditLog(db)[0]?.actor).toBe('SE2321000016-1001');
    db.close();
  });

  it('refuses a store written by a newer version of the service', () => {
    const path = storePath();
    const newer = new Database(path);
    newer.pragma('user_version = 999');
    newer.close();
    expect(() => openStore(path)).toThrow(ServiceSetupError);
  });
});
