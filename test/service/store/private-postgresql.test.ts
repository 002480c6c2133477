import {existsSync, statSync} from 'node:fs';
import {join} from 'node:path';
import pg from 'pg';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {
  describeWithPostgresql,
  startPrivatePostgresql,
  type PrivatePostgresql,
} from '../../support/postgresql.js';

describeWithPostgresql('a private PostgreSQL', () => {
  let postgresql: PrivatePostgresql;

  beforeAll(async () => {
    postgresql = await startPrivatePostgresql();
  });

  afterAll(() => postgresql?.stop());

  async function query(url: string, sql: string): Promise<Record<string, unknown>> {
    const client = new pg.Client({connectionString: url});
    await client.connect();
    try {
      const result = await client.query<Record<string, unknown>>(sql);
      return result.rows[0] ?? {};
    } finally {
      await client.end();
    }
  }

  it('listens on a Unix socket in its own directory and on no TCP address', async () => {
    expect(statSync(join(postgresql.socketDirectory, '.s.PGSQL.5432')).isSocket()).toBe(true);
    const row = await query(
      postgresql.url('postgres'),
      "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets",
    );
    expect(row).toEqual({listen: '', sockets: postgresql.socketDirectory});
  });

  it('creates a database that pg reaches over the socket as its user', async () => {
    const url = await postgresql.createDatabase('private-postgresql test');
    const row = await query(
      url,
      'SELECT 1 + 1 AS sum, current_database() AS database, current_user AS role, inet_server_addr() AS address',
    );
    expect(row).toEqual({sum: 2, database: 'private-postgresql test', role: postgresql.user, address: null});
  });

  it('removes its directory when stopped, and a second stop is harmless', async () => {
    await postgresql.stop();
    expect(existsSync(postgresql.socketDirectory)).toBe(false);
    await postgresql.stop();
  });
});
