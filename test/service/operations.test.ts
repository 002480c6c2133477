import {PassThrough} from 'node:stream';
import Database from 'better-sqlite3';
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {MIGRATIONS} from '../../source/service/store/migrations.js';
import {openStore} from '../../source/service/store/open-store.js';
import {testStoreEngine} from '../support/test-store.js';
import {
  base64,
  createDemoFixture,
  demoPerson,
  logIn,
  StandInCard,
  startTestService,
  type DemoFixture,
} from './service-harness.js';

describe('operations', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  const log = new PassThrough();
  let logged = '';
  log.on('data', (chunk: Buffer) => (logged += chunk.toString('utf8')));
  beforeAll(async () => {
    fixture = await createDemoFixture();
    harness = await startTestService(fixture, {log});
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  it('answers /v1/health and /v1/ready', async () => {
    expect(await harness.call('GET', '/v1/health')).toMatchObject({status: 200, body: {status: 'ok'}});
    expect(await harness.call('GET', '/v1/ready')).toMatchObject({status: 200, body: {status: 'ok'}});
  });

  it('logs each request as a JSON line with its status and refusal, and never the token or the body', async () => {
    const anna = await StandInCard.create(fixture, demoPerson('Anna'));
    const token = await logIn(harness.call, anna);
    await harness.call('GET', '/v1/session', {token});
    const refused = await harness.call('POST', '/v1/login', {
      body: {challengeId: 'x'.repeat(32), signature: base64(new Uint8Array(64))},
    });
    expect(refused.body.error).toBe('challenge-unknown');
    const lines = logged
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.some((line) => (line.res as {statusCode?: number})?.statusCode === 200)).toBe(true);
    expect(lines.some((line) => line.refusal === 'challenge-unknown')).toBe(true);
    expect(logged).not.toContain(token);
    expect(logged).not.toContain(base64(anna.authenticationCertificate).slice(0, 40));
    expect(logged.toLowerCase()).not.toContain('bearer');
  });

  it('counts each refusal per day and code in the store', async () => {
    const counted = async () => {
      const store = await openStore(harness.storeLocation);
      try {
        const row = await store.get<{count: number}>(
          "SELECT count FROM refusal_counts WHERE code = 'session-missing' AND day = ?",
          [new Date().toISOString().slice(0, 10)],
        );
        return row?.count ?? 0;
      } finally {
        await store.close();
      }
    };
    const before = await counted();
    expect((await harness.call('GET', '/v1/plan')).body.error).toBe('session-missing');
    expect((await harness.call('GET', '/v1/plan')).body.error).toBe('session-missing');
    // The count is written beside the answer, not before it.
    await vi.waitFor(async () => expect(await counted()).toBe(before + 2));
  });

  it('is not ready while the store has another schema version than this instance', async () => {
    const newer = MIGRATIONS.at(-1)!.version + 1;
    if (testStoreEngine() === 'sqlite') {
      const db = new Database(harness.storeLocation);
      db.pragma(`user_version = ${newer}`);
      db.close();
    } else {
      const store = await openStore(harness.storeLocation);
      await store.run("INSERT INTO schema_migrations (version, applied_at) VALUES (?, 'later')", [newer]);
      await store.close();
    }
    const answer = await harness.call('GET', '/v1/ready');
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('not-ready');
    expect(await harness.call('GET', '/v1/health')).toMatchObject({status: 200});
  });
});
