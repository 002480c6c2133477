import {mkdtempSync, readFileSync, rmSync, statSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {SupportLog} from '../../source/cli/support-log-file.js';

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
});
