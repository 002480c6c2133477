import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {redactEntry, SupportLog} from '../../source/upgrade/support-log.js';

describe('SupportLog', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'support-log-'));
  });
  afterEach(() => {
    rmSync(dir, {recursive: true, force: true});
  });

  it('writes one JSON line per entry with the time, readable only by the user', () => {
    const path = join(dir, 'support.jsonl');
    const log = new SupportLog(path, {now: () => Date.UTC(2025, 0, 2, 3, 4, 5)});
    log.write({event: 'stepStarted', step: 7});
    log.write({event: 'certificateInstalled', slot: '82', serial: '0a1b'});
    log.close();
    const lines = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toEqual([
      {time: '2025-01-02T03:04:05.000Z', event: 'stepStarted', step: 7},
      {time: '2025-01-02T03:04:05.000Z', event: 'certificateInstalled', slot: '82', serial: '0a1b'},
    ]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('never writes a field that could hold a PIN, PUK or key, at any depth', () => {
    const pin = new TextEncoder().encode('123456');
    const entry = redactEntry({
      event: 'x',
      pin,
      newPin: '654321',
      nested: {puk: '12345678', managementKey: 'aa', privateKey: 'bb', list: [{pin: '1'}]},
      certificate: new Uint8Array(1200),
    });
    const text = JSON.stringify(entry);
    expect(text).not.toMatch(/123456|654321|12345678/);
    expect(entry).toMatchObject({pin: '[redacted]', newPin: '[redacted]', certificate: '[1200 bytes]'});
  });

  it('keeps PIN counts and policies, which are not secrets', () => {
    expect(redactEntry({event: 'x', pinTriesLeft: 2, pinPolicy: 'always'})).toEqual({
      event: 'x',
      pinTriesLeft: 2,
      pinPolicy: 'always',
    });
  });

  it('takes the redacted APDU trace lines for --trace', () => {
    const path = join(dir, 'trace.jsonl');
    const log = new SupportLog(path, {now: () => 0});
    log.apduTrace('> 00 20 00 80 08 [8 bytes redacted]');
    log.close();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      event: 'apdu',
      line: '> 00 20 00 80 08 [8 bytes redacted]',
    });
  });

  it('logs an error by name, code and message', () => {
    const error = Object.assign(new Error('card gone'), {code: 'card-removed'});
    expect(redactEntry({event: 'failed', error})).toEqual({
      event: 'failed',
      error: {name: 'Error', code: 'card-removed', message: 'card gone'},
    });
  });
});
