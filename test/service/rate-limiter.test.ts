import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {RateLimiter} from '../../source/service/rate-limiter.js';
import {openStore} from '../../source/service/store/open-store.js';
import type {Store} from '../../source/service/store/store.js';
import {freshStoreLocation} from '../support/test-store.js';

let directory: string;
let store: Store;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'siths-rate-'));
  store = await openStore(await freshStoreLocation(directory));
});
afterEach(async () => {
  await store.close();
  await rm(directory, {recursive: true, force: true});
});

describe('RateLimiter', () => {
  it('allows events up to the limit and then says how long to wait', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const limiter = new RateLimiter('test', 3, 60_000, () => new Date(now));
    for (let index = 0; index < 3; index++) {
      expect(await limiter.retryAfterSeconds(store, 'client')).toBe(0);
      await limiter.record(store, 'client');
      now += 1000;
    }
    expect(await limiter.retryAfterSeconds(store, 'client')).toBe(57);
    expect(await limiter.retryAfterSeconds(store, 'another client')).toBe(0);
  });

  it('forgets events once they leave the window, and deletes them from the store', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const limiter = new RateLimiter('test', 1, 10_000, () => new Date(now));
    await limiter.record(store, 'key');
    expect(await limiter.retryAfterSeconds(store, 'key')).toBe(10);
    now += 10_000;
    expect(await limiter.retryAfterSeconds(store, 'key')).toBe(0);
    await limiter.record(store, 'other key');
    expect(await store.all('SELECT key FROM rate_limit_events')).toEqual([{key: 'other key'}]);
  });

  it('counts the events another instance recorded in the same store', async () => {
    const now = () => new Date(Date.parse('2026-01-01T00:00:00Z'));
    const here = new RateLimiter('shared', 2, 60_000, now);
    const there = new RateLimiter('shared', 2, 60_000, now);
    await here.record(store, 'client');
    await there.record(store, 'client');
    expect(await here.retryAfterSeconds(store, 'client')).toBe(60);
    expect(await new RateLimiter('another limiter', 2, 60_000, now).retryAfterSeconds(store, 'client')).toBe(
      0,
    );
  });
});
