import {execFileSync, spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect, vi} from 'vitest';
import {describeWithRequirement} from '../../support/requirements.js';

/** Whether tmux can be run here. */
function tmuxVersion(): string | undefined {
  const probe = spawnSync('tmux', ['-V'], {encoding: 'utf8'});
  return probe.error === undefined && probe.status === 0 ? probe.stdout.trim() : undefined;
}

/**
 * `describe` for tests that drive the program in a real terminal (tmux), as {@link describeWithRequirement}:
 * skipped with the reason without tmux, failing under CI=true.
 */
export function describeWithTmux(title: string, body: () => void): void {
  describeWithRequirement(
    title,
    tmuxVersion() === undefined ? 'tmux is not installed (apt-get install tmux)' : undefined,
    body,
  );
}

export interface TmuxStart {
  readonly command: string;
  readonly columns: number;
  readonly rows: number;
  readonly cwd: string;
  /** The program's environment (tmux passes only what is set here and its own TERM). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * A real terminal: a tmux server of its own (private socket) with one window running `command`. Keys go in as a
 * person types them; the screen comes back as text, with or without colours.
 */
export class TmuxTerminal {
  readonly #directory = mkdtempSync(join(tmpdir(), 'siths-tmux-'));
  /** The server's socket, in the terminal's own directory, so nothing is left behind. */
  readonly #socket = join(this.#directory, 'socket');

  constructor(start: TmuxStart) {
    const env = Object.entries(start.env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
    // Keep the window after the program ends (even at once), so its last screen and exit status can be read.
    const config = join(this.#directory, 'tmux.conf');
    writeFileSync(config, 'set-option -g remain-on-exit on\n');
    this.#tmux(
      '-f',
      config,
      'new-session',
      '-d',
      '-x',
      String(start.columns),
      '-y',
      String(start.rows),
      '-c',
      start.cwd,
      ...env,
      // A shell in between writes the program's exit status to a file: tmux 3.3 sometimes leaves a child that
      // ends right after a signal unreaped, and then never reports its status.
      `${start.command}; echo $? > ${this.#statusFile}`,
    );
  }

  get #statusFile(): string {
    return join(this.#directory, 'status');
  }

  /** The screen as text; `isStyled` keeps the colour and attribute escapes (capture-pane -e). */
  screen(isStyled = false): string {
    return this.#tmux('capture-pane', '-p', ...(isStyled ? ['-e'] : []));
  }

  /**
   * Waits until the screen shows every text, looked for on the screen as it is and in the panel beside the step
   * list read as one line (text wraps), and returns that screen.
   */
  async waitFor(timeout: number, ...texts: string[]): Promise<string> {
    let screen = '';
    await vi.waitFor(
      () => {
        screen = this.screen();
        const panel = screen
          .split('\n')
          .map((line) => line.slice(line.indexOf('│') + 1))
          .join(' ')
          .replace(/\s+/g, ' ');
        for (const text of texts) expect(`${screen}\n${panel}`).toContain(text);
      },
      {timeout, interval: 100},
    );
    return screen;
  }

  /** Everything the terminal shows and has scrolled away (capture-pane -S -). */
  transcript(): string {
    return this.#tmux('capture-pane', '-p', '-S', '-');
  }

  /** Presses named keys (tmux key names: Enter, Space, Escape, Up, Down, PageDown, C-c). */
  press(...keys: string[]): void {
    for (const key of keys) this.#tmux('send-keys', key);
  }

  /** Types text one character at a time, as a person does. */
  type(text: string): void {
    for (const character of text) this.#tmux('send-keys', '-l', character);
  }

  resize(columns: number, rows: number): void {
    this.#tmux('resize-window', '-x', String(columns), '-y', String(rows));
  }

  /** The program's exit status once it has ended, else undefined. */
  exitStatus(): number | undefined {
    if (!existsSync(this.#statusFile)) return undefined;
    const status = readFileSync(this.#statusFile, 'utf8').trim();
    return status === '' ? undefined : Number(status);
  }

  /** The program's process id (the child of the pane's shell). */
  pid(): number {
    const shell = this.#tmux('display-message', '-p', '#{pane_pid}').trim();
    const child = execFileSync('ps', ['-o', 'pid=', '--ppid', shell], {encoding: 'utf8'})
      .trim()
      .split(/\s+/)[0];
    if (child === undefined || child === '') throw new Error('the program is not running');
    return Number(child);
  }

  /** Whether the pane shows the alternate screen (a full-screen program is drawing). */
  isAlternateScreen(): boolean {
    return this.#tmux('display-message', '-p', '#{alternate_on}').trim() === '1';
  }

  /** Ends the tmux server and the program in it, and removes the server's files. */
  kill(): void {
    spawnSync('tmux', ['-S', this.#socket, 'kill-server'], {
      stdio: 'ignore',
      env: {PATH: process.env['PATH']},
    });
    rmSync(this.#directory, {recursive: true, force: true});
  }

  /**
   * tmux, with nothing of this process's environment: the server's environment is every program's in it, and a
   * CI=true there would make Ink hold its frames back until the program ends.
   */
  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.#socket, ...args], {
      encoding: 'utf8',
      env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin'},
    });
  }
}
