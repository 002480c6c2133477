import {execFileSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, afterEach, beforeAll, expect, it, vi} from 'vitest';
import {catalogues} from '../../source/screens/i18n/language.js';
import {buildBundle, type TestBundle} from './support/bundle.js';
import {describeWithTmux, TmuxTerminal} from './support/tmux-terminal.js';

const ROOT = resolve(import.meta.dirname, '../..');
const t = catalogues.en;

describeWithTmux('the terminal after the full screen ends', () => {
  let directory: string;
  let terminal: TmuxTerminal | undefined;
  let bundle: TestBundle | undefined;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'siths-tui-restore-'));
    bundle = buildBundle();
  }, 120_000);

  afterEach(() => {
    terminal?.kill();
    terminal = undefined;
  });

  afterAll(() => {
    bundle?.remove();
    rmSync(directory, {recursive: true, force: true});
  });

  /** Starts the program with `args` in a fresh terminal. */
  function start(args: string): TmuxTerminal {
    terminal = new TmuxTerminal({
      command: `${process.execPath} ${bundle!.cli} ${args}`,
      columns: 80,
      rows: 24,
      cwd: ROOT,
      env: {...environment(), TERM: 'xterm-256color'},
    });
    return terminal;
  }

  /** The program's environment: English, and its settings and state in the test's directory. */
  function environment(): Record<string, string> {
    return {
      LANG: 'en_GB.UTF-8',
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: directory,
      SITHS_UPGRADE_CONFIG_DIR: join(directory, 'config'),
      XDG_STATE_HOME: join(directory, 'state'),
    };
  }

  async function welcomed(): Promise<TmuxTerminal> {
    const shown = start('--demo');
    await vi.waitFor(() => expect(shown.screen()).toContain(t.welcome.youNeed), {timeout: 10_000});
    expect(shown.isAlternateScreen()).toBe(true);
    return shown;
  }

  async function ended(shown: TmuxTerminal, status: number): Promise<void> {
    await vi.waitFor(() => expect(shown.exitStatus()).toBe(status), {timeout: 10_000});
    expect(shown.isAlternateScreen()).toBe(false);
  }

  it('returns to the normal screen with 0 when the user quits with q', async () => {
    const shown = await welcomed();
    shown.press('q');
    await ended(shown, 0);
  });

  it('returns to the normal screen with 130 on Ctrl+C', async () => {
    const shown = await welcomed();
    shown.press('C-c');
    await ended(shown, 130);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGHUP (the SSH session closed)', 129],
    ['SIGINT', 130],
  ])('returns to the normal screen on %s', async (signal, status) => {
    const shown = await welcomed();
    process.kill(shown.pid(), signal.split(' ')[0] as NodeJS.Signals);
    await ended(shown, status);
  });

  it.each([
    ['the full screen', '--demo', t.welcome.youNeed],
    ['plain mode', '--demo --plain', t.welcome.youNeed],
  ])(
    'exits 129 in %s when the terminal itself goes away (the pty closed, as a dropped SSH session)',
    (_, args, text) => {
      // tmux cannot show this: its pane shell dies with the terminal. Node 20 aborted here (node::ResetStdio).
      const outcome = JSON.parse(
        execFileSync(
          'python3',
          [
            join(import.meta.dirname, 'support/close-terminal.py'),
            text,
            process.execPath,
            bundle!.cli,
            ...args.split(' '),
          ],
          {encoding: 'utf8', env: {...environment(), TERM: 'xterm-256color'}, timeout: 60_000},
        ),
      ) as {shown: boolean; exitCode: number | null; signal: number | null};
      expect(outcome).toEqual({shown: true, exitCode: 129, signal: null});
    },
    60_000,
  );

  it('asks for a larger window at 40x10, ignores Enter meanwhile, and comes back as it was when the window grows', async () => {
    const shown = await welcomed();
    shown.resize(40, 10);
    const asking = t.app.tooSmall({columns: 80, rows: 24}, {columns: 40, rows: 10});
    await vi.waitFor(() => expect(flattened(shown.screen())).toContain(asking), {timeout: 10_000});
    expect(shown.screen()).not.toContain(t.welcome.youNeed);
    expect(
      Math.max(
        ...shown
          .screen()
          .split('\n')
          .map((line) => [...line].length),
      ),
    ).toBeLessThanOrEqual(40);

    shown.press('Enter');
    shown.resize(80, 24);
    await vi.waitFor(() => expect(shown.screen()).toContain(t.welcome.youNeed), {timeout: 10_000});
    expect(flattened(shown.screen())).not.toContain(asking);
    expect(shown.screen()).not.toContain(t.overview.holder);
    shown.press('q');
    await ended(shown, 0);
  });

  /** The screen's text with line breaks and runs of spaces as one space, to find a message wrapped to fit. */
  function flattened(screen: string): string {
    return screen.replace(/\s+/g, ' ');
  }

  it('returns to the normal screen while the engine is busy', async () => {
    const shown = await welcomed();
    shown.press('Enter');
    await vi.waitFor(() => expect(shown.screen()).toContain(t.overview.holder), {timeout: 30_000});
    process.kill(shown.pid(), 'SIGTERM');
    await ended(shown, 143);
  });

  it('ends with the message and exit code 2, without a stack trace, when the service CA is not a certificate', async () => {
    const notACertificate = join(directory, 'ca.pem');
    writeFileSync(notACertificate, 'not a certificate\n');
    rmSync(rememberedPath(), {force: true});
    // The second start draws the first frame remembered from the first before the app fails again.
    for (const run of ['first', 'second']) {
      const shown = start(`--service https://127.0.0.1:9 --service-ca ${notACertificate}`);
      await ended(shown, 2);
      await vi.waitFor(() =>
        expect(shown.transcript()).toContain(t.cli.settingInvalid(`service-ca ${notACertificate}`)),
      );
      expect(shown.transcript()).not.toMatch(/\n\s+at /);
      expect(existsSync(rememberedPath()), run).toBe(true);
      shown.kill();
    }
  });

  const rememberedPath = () => join(directory, 'state', 'siths-upgrade', 'first-frame.json');

  it('draws the first frame remembered from the last start, and the screen ends as the app draws it', async () => {
    rmSync(rememberedPath(), {force: true});
    const first = await welcomed();
    const drawn = first.screen(true);
    first.press('q');
    await ended(first, 0);
    const remembered = JSON.parse(readFileSync(rememberedPath(), 'utf8')) as {key: string; frame: string};
    expect(remembered.frame).toContain(t.welcome.youNeed);

    const second = await welcomed();
    expect(second.screen(true)).toBe(drawn);
    second.press('q');
    await ended(second, 0);

    // A remembered frame that is not what the app draws (a key that missed something) is drawn over.
    writeFileSync(rememberedPath(), JSON.stringify({key: remembered.key, frame: 'A STALE SCREEN'}));
    const third = await welcomed();
    await vi.waitFor(() => expect(third.screen(true)).toBe(drawn), {timeout: 10_000});
    expect(JSON.parse(readFileSync(rememberedPath(), 'utf8'))).toEqual(remembered);
    third.press('Enter');
    await vi.waitFor(() => expect(third.screen()).toContain(t.overview.holder), {timeout: 30_000});
    third.press('q');
    await ended(third, 0);
  });
});
