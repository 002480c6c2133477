import {ServiceSetupError} from '../errors.js';
import type {StoreEngine} from './store.js';

/**
 * The store's schema, as numbered migrations applied in order, each in its own transaction, in the dialect of
 * each engine (the same tables, columns and constraints in both). Append new ones; never edit an applied one.
 * Times are ISO 8601 UTC strings (they sort as text); DER is stored as BLOB (SQLite) or BYTEA (PostgreSQL).
 */
export const MIGRATIONS: readonly {
  readonly version: number;
  readonly sql: Readonly<Record<StoreEngine, string>>;
}[] = [
  {
    version: 1,
    sql: {
      sqlite: `
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        certificate_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ended_at TEXT
      ) STRICT;

      CREATE TABLE certificates (
        id TEXT PRIMARY KEY,              -- SHA-256 fingerprint of the DER, hex
        authority TEXT NOT NULL,          -- id of the issuing authority in the config
        serial TEXT NOT NULL,             -- lower-case hex
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        identity TEXT NOT NULL CHECK (identity IN ('hsa-id', 'personnummer')),
        purpose TEXT NOT NULL CHECK (purpose IN ('authentication', 'signature')),
        origin TEXT NOT NULL CHECK (origin IN ('service', 'previous')),
        item_id TEXT,
        public_key_hash TEXT NOT NULL,    -- SHA-256 of the SubjectPublicKeyInfo DER, hex
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        der BLOB NOT NULL,
        recorded_at TEXT NOT NULL,
        installed_at TEXT,
        revoked_at TEXT,
        revocation_reason TEXT,
        UNIQUE (authority, serial)
      ) STRICT;
      CREATE INDEX certificates_by_public_key ON certificates (public_key_hash);
      CREATE INDEX certificates_by_card ON certificates (card_number, identity, purpose);
      CREATE INDEX certificates_by_person ON certificates (hsa_id);

      CREATE TABLE terms_acceptances (
        id INTEGER PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        version TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        UNIQUE (hsa_id, version)
      ) STRICT;

      CREATE TABLE crls (
        authority TEXT PRIMARY KEY,
        number INTEGER NOT NULL,
        this_update TEXT NOT NULL,
        next_update TEXT NOT NULL,
        der BLOB NOT NULL
      ) STRICT;

      CREATE TABLE completions (
        id INTEGER PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        completed_at TEXT NOT NULL,
        installed TEXT NOT NULL,          -- JSON array of certificate ids
        revoked TEXT NOT NULL             -- JSON array of certificate ids
      ) STRICT;

      -- Who did what, when. Never PINs, keys or tokens. Append-only: the triggers refuse UPDATE and DELETE.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        card_number TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      ) STRICT;
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    `,
      postgresql: `
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        certificate_id TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        ended_at TEXT
      );

      CREATE TABLE certificates (
        id TEXT PRIMARY KEY,              -- SHA-256 fingerprint of the DER, hex
        authority TEXT NOT NULL,          -- id of the issuing authority in the config
        serial TEXT NOT NULL,             -- lower-case hex
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        identity TEXT NOT NULL CHECK (identity IN ('hsa-id', 'personnummer')),
        purpose TEXT NOT NULL CHECK (purpose IN ('authentication', 'signature')),
        origin TEXT NOT NULL CHECK (origin IN ('service', 'previous')),
        item_id TEXT,
        public_key_hash TEXT NOT NULL,    -- SHA-256 of the SubjectPublicKeyInfo DER, hex
        subject TEXT NOT NULL,
        issuer TEXT NOT NULL,
        not_before TEXT NOT NULL,
        not_after TEXT NOT NULL,
        der BYTEA NOT NULL,
        recorded_at TEXT NOT NULL,
        installed_at TEXT,
        revoked_at TEXT,
        revocation_reason TEXT,
        UNIQUE (authority, serial)
      );
      CREATE INDEX certificates_by_public_key ON certificates (public_key_hash);
      CREATE INDEX certificates_by_card ON certificates (card_number, identity, purpose);
      CREATE INDEX certificates_by_person ON certificates (hsa_id);

      CREATE TABLE terms_acceptances (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        version TEXT NOT NULL,
        accepted_at TEXT NOT NULL,
        UNIQUE (hsa_id, version)
      );

      CREATE TABLE crls (
        authority TEXT PRIMARY KEY,
        number INTEGER NOT NULL,
        this_update TEXT NOT NULL,
        next_update TEXT NOT NULL,
        der BYTEA NOT NULL
      );

      CREATE TABLE completions (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        hsa_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        completed_at TEXT NOT NULL,
        installed TEXT NOT NULL,          -- JSON array of certificate ids
        revoked TEXT NOT NULL             -- JSON array of certificate ids
      );

      -- Who did what, when. Never PINs, keys or tokens. Append-only: the triggers refuse UPDATE and DELETE.
      CREATE TABLE audit_log (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        card_number TEXT,
        action TEXT NOT NULL,
        detail TEXT NOT NULL
      );
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END;
      $$;
      CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
    `,
    },
  },
  {
    // The card profile a session logged in with and a completion was for; sessions before it were PIV cards.
    version: 2,
    sql: {
      sqlite: `
      ALTER TABLE sessions ADD COLUMN card_profile TEXT NOT NULL DEFAULT 'piv'
        CHECK (card_profile IN ('piv', 'siths-eid'));
      ALTER TABLE completions ADD COLUMN card_profile TEXT NOT NULL DEFAULT 'piv'
        CHECK (card_profile IN ('piv', 'siths-eid'));
    `,
      postgresql: `
      ALTER TABLE sessions ADD COLUMN card_profile TEXT NOT NULL DEFAULT 'piv'
        CHECK (card_profile IN ('piv', 'siths-eid'));
      ALTER TABLE completions ADD COLUMN card_profile TEXT NOT NULL DEFAULT 'piv'
        CHECK (card_profile IN ('piv', 'siths-eid'));
    `,
    },
  },
  {
    version: 3,
    sql: {
      sqlite: `
      -- State every service instance on the store must share: open login challenges and management-key relays
      -- (single-use, kept as SHA-256 of their ids and of the expected answer), and the events the login rate
      -- limits count. They expire; the service deletes what has.
      CREATE TABLE login_challenges (
        id_hash TEXT PRIMARY KEY,
        to_be_signed BLOB NOT NULL,
        certificate BLOB NOT NULL,
        card_number TEXT NOT NULL,
        card_profile TEXT NOT NULL CHECK (card_profile IN ('piv', 'siths-eid')),
        expires_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX login_challenges_by_expiry ON login_challenges (expires_at);

      CREATE TABLE relay_challenges (
        id_hash TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        session_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        response_hash TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX relay_challenges_by_expiry ON relay_challenges (expires_at);

      CREATE TABLE rate_limit_events (
        limiter TEXT NOT NULL,
        key TEXT NOT NULL,
        at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX rate_limit_events_by_key ON rate_limit_events (limiter, key, at);
      CREATE INDEX rate_limit_events_by_age ON rate_limit_events (limiter, at);

      -- One certificate issued per key, whichever instance issued it (issuance also checks this, under its locks).
      CREATE UNIQUE INDEX certificates_one_issued_per_key ON certificates (public_key_hash) WHERE origin = 'service';
      CREATE INDEX completions_by_card ON completions (card_number);

      -- How many requests the service refused, per UTC day and reason code, for the campaign report. Counts only:
      -- no person, card, address or request detail.
      CREATE TABLE refusal_counts (
        day TEXT NOT NULL,
        code TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, code)
      ) STRICT;
    `,
      postgresql: `
      -- State every service instance on the store must share: open login challenges and management-key relays
      -- (single-use, kept as SHA-256 of their ids and of the expected answer), and the events the login rate
      -- limits count. They expire; the service deletes what has.
      CREATE TABLE login_challenges (
        id_hash TEXT PRIMARY KEY,
        to_be_signed BYTEA NOT NULL,
        certificate BYTEA NOT NULL,
        card_number TEXT NOT NULL,
        card_profile TEXT NOT NULL CHECK (card_profile IN ('piv', 'siths-eid')),
        expires_at TEXT NOT NULL
      );
      CREATE INDEX login_challenges_by_expiry ON login_challenges (expires_at);

      CREATE TABLE relay_challenges (
        id_hash TEXT PRIMARY KEY,
        algorithm TEXT NOT NULL,
        session_id TEXT NOT NULL,
        card_number TEXT NOT NULL,
        response_hash TEXT NOT NULL,
        expires_at TEXT NOT NULL
      );
      CREATE INDEX relay_challenges_by_expiry ON relay_challenges (expires_at);

      CREATE TABLE rate_limit_events (
        limiter TEXT NOT NULL,
        key TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX rate_limit_events_by_key ON rate_limit_events (limiter, key, at);
      CREATE INDEX rate_limit_events_by_age ON rate_limit_events (limiter, at);

      -- One certificate issued per key, whichever instance issued it (issuance also checks this, under its locks).
      CREATE UNIQUE INDEX certificates_one_issued_per_key ON certificates (public_key_hash) WHERE origin = 'service';
      CREATE INDEX completions_by_card ON completions (card_number);

      -- How many requests the service refused, per UTC day and reason code, for the campaign report. Counts only:
      -- no person, card, address or request detail.
      CREATE TABLE refusal_counts (
        day TEXT NOT NULL,
        code TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (day, code)
      );
    `,
    },
  },
];

/**
 * The migrations a store at schema version `current` still needs, in order. Throws ServiceSetupError
 * 'store-failed' for a store a newer service has migrated.
 */
export function pendingMigrations(current: number): typeof MIGRATIONS {
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new ServiceSetupError(
      'store-failed',
      `the store has schema version ${current}, newer than this service (${latest})`,
    );
  }
  return MIGRATIONS.filter((migration) => migration.version > current);
}
