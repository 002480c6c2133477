import {mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {assembleEngine} from '../../source/cli/engine-setup.js';
import {supportLogPath} from '../../source/cli/system-ports.js';

/** The demo's engine as the CLI assembles it, logging in once; returns the support log's entries. */
async function logInOnDemo(isTracing: boolean): Promise<Array<Record<string, unknown>>> {
  const env = {XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'siths-engine-setup-state-'))};
  const directory = mkdtempSync(join(tmpdir(), 'siths-engine-setup-demo-'));
  cleanups.push(() => rmSync(env.XDG_STATE_HOME, {recursive: true, force: true}));
  cleanups.push(() => rmSync(directory, {recursive: true, force: true}));
  const assembled = await assembleEngine(
    {kind: 'demo', card: 'piv', directory},
    {language: 'sv', isTracing, env},
  );
  try {
    const {engine} = assembled;
    engine.start();
    await vi.waitFor(() => expect(engine.getState().type).toBe('card-ready'), {timeout: 20_000});
    engine.logIn();
    await vi.waitFor(() => expect(engine.getState().type).toBe('awaiting-pin'), {timeout: 20_000});
    engine.submitPin(new TextEncoder().encode('123456'));
    await vi.waitFor(() => expect(engine.getState().type).toBe('menu'), {timeout: 20_000});
  } finally {
    await assembled.close();
  }
  return readFileSync(supportLogPath(env), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('the engine the CLI assembles', () => {
  it('adds the card commands to the support log with --trace, the PIN redacted', async () => {
    const entries = await logInOnDemo(true);
    const apdus = entries.filter((entry) => entry['event'] === 'apdu').map((entry) => String(entry['line']));

    expect(apdus.some((line) => line.startsWith('> 00 A4 04 00'))).toBe(true);
    const verify = apdus.filter((line) => line.startsWith('> 00 20 00 80 08'));
    expect(verify.length).toBeGreaterThan(0);
    for (const line of verify) expect(line).toContain('redacted');
    expect(JSON.stringify(entries)).not.toMatch(/31 32 33 34 35 36|313233343536|123456/);
  }, 60_000);

  it('keeps the card commands out of the support log without --trace', async () => {
    const entries = await logInOnDemo(false);

    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((entry) => entry['event'] === 'apdu')).toEqual([]);
  }, 60_000);
});
