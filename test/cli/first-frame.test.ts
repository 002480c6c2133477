import {EventEmitter} from 'node:events';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
  drawRememberedFrame,
  firstFrameKey,
  rememberingFirstFrame,
  takeFirstFrame,
  type FirstFrame,
} from '../../source/cli/first-frame.js';
import {FullScreen} from '../../source/cli/full-screen.js';

const SCREEN_ON_AND_CLEARED = '\u001B[?1049h\u001B[H\u001B[2J';
const HOME_AND_CLEAR = '\u001B[H\u001B[2J';

class RecordingTerminal extends EventEmitter {
  readonly writes: string[] = [];
  constructor(
    readonly isTTY = true,
    readonly columns = 100,
    readonly rows = 30,
  ) {
    super();
  }
  write(chunk: string, callback?: () => void): boolean {
    this.writes.push(chunk);
    callback?.();
    return true;
  }
}

class RecordingKeyboard extends EventEmitter {
  readonly rawModes: boolean[] = [];
  constructor(readonly isTTY = true) {
    super();
  }
  setRawMode(isRaw: boolean): this {
    this.rawModes.push(isRaw);
    return this;
  }
}

let directory: string;
let env: NodeJS.ProcessEnv;
let terminal: RecordingTerminal;
let keyboard: RecordingKeyboard;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'siths-first-frame-'));
  env = {
    SITHS_UPGRADE_CONFIG_DIR: join(directory, 'config'),
    XDG_STATE_HOME: join(directory, 'state'),
    LANG: 'sv_SE.UTF-8',
    TERM: 'xterm-256color',
  };
  terminal = new RecordingTerminal();
  keyboard = new RecordingKeyboard();
});
afterEach(() => {
  rmSync(directory, {recursive: true, force: true});
});

const statePath = () => join(directory, 'state', 'siths-upgrade', 'first-frame.json');
const asOutput = (stream: RecordingTerminal) => stream as unknown as NodeJS.WriteStream;
const asInput = (stream: RecordingKeyboard) => stream as unknown as NodeJS.ReadStream;

function draw(argv: readonly string[] = ['--demo']): FirstFrame | undefined {
  drawRememberedFrame(argv, env, asOutput(terminal), asInput(keyboard));
  return takeFirstFrame();
}

/** What a start does when Ink writes `frame` as its first frame: the writes that reach the terminal. */
function inkWrites(first: FirstFrame, frame: string): string[] {
  const output = rememberingFirstFrame(asOutput(terminal), first);
  let isCalledBack = false;
  output.write(frame, () => (isCalledBack = true));
  output.write('the next frame');
  expect(isCalledBack).toBe(true);
  return terminal.writes;
}

describe('firstFrameKey', () => {
  const key = (changes: Partial<{argv: string[]; env: NodeJS.ProcessEnv; columns: number; input: boolean}>) =>
    firstFrameKey(
      changes.argv ?? ['--demo'],
      changes.env ?? env,
      {columns: changes.columns ?? 100, rows: 30, isTTY: true},
      {isTTY: changes.input ?? true},
    );

  it('is the same for the same start, and changes with the arguments, settings, drawing variables and size', () => {
    const same = key({});
    expect(same).toMatch(/^[0-9a-f]{64}$/);
    expect(key({})).toBe(same);
    expect(key({argv: ['--demo', '--lang', 'en']})).not.toBe(same);
    expect(key({env: {...env, LANG: 'en_GB.UTF-8'}})).not.toBe(same);
    expect(key({env: {...env, NO_COLOR: '1'}})).not.toBe(same);
    const inTmux = key({env: {...env, TMUX: '/tmp/tmux-0/default,1,0'}});
    expect(inTmux).not.toBe(same);
    expect(key({env: {...env, TMUX: '/tmp/tmux-0/default,2,0'}})).toBe(inTmux);
    expect(key({columns: 120})).not.toBe(same);
    expect(key({input: false})).not.toBe(same);
    mkdirSync(join(directory, 'config'));
    writeFileSync(join(directory, 'config', 'config.json'), '{"lang":"en"}');
    expect(key({})).not.toBe(same);
  });

  it('does not change with variables that do not draw', () => {
    expect(key({env: {...env, SSH_CONNECTION: '10.0.0.1 5000 10.0.0.2 22', OLDPWD: '/tmp'}})).toBe(key({}));
  });

  it('is undefined when the settings file does not read (main then says why)', () => {
    mkdirSync(join(directory, 'config', 'config.json'), {recursive: true});
    expect(key({})).toBeUndefined();
  });
});

describe('drawRememberedFrame', () => {
  it('draws nothing on a first start, and leaves main the key to remember its frame under', () => {
    const first = draw();
    expect(terminal.writes).toEqual([]);
    expect(keyboard.rawModes).toEqual([]);
    expect(first?.drawn).toBeUndefined();
    expect(first?.path).toBe(statePath());
    expect(first?.key).toBe(firstFrameKey(['--demo'], env, terminal, keyboard));
  });

  it('draws the frame remembered under this start’s key on the full screen, in raw mode, in one write', () => {
    const key = firstFrameKey(['--demo'], env, terminal, keyboard)!;
    mkdirSync(join(directory, 'state', 'siths-upgrade'), {recursive: true});
    writeFileSync(statePath(), JSON.stringify({key, frame: 'the welcome screen'}));
    const first = draw();
    expect(terminal.writes).toEqual([`${SCREEN_ON_AND_CLEARED}the welcome screen`]);
    expect(keyboard.rawModes).toEqual([true]);
    expect(first?.drawn).toBe('the welcome screen');
    expect(first?.screen).toBeInstanceOf(FullScreen);
  });

  it('draws nothing for a frame remembered under another key, or a remembered file that does not read', () => {
    mkdirSync(join(directory, 'state', 'siths-upgrade'), {recursive: true});
    writeFileSync(statePath(), JSON.stringify({key: 'another', frame: 'an old screen'}));
    expect(draw()?.drawn).toBeUndefined();
    writeFileSync(statePath(), '{"key":');
    expect(draw()?.drawn).toBeUndefined();
    writeFileSync(statePath(), 'null');
    expect(draw()?.drawn).toBeUndefined();
    expect(terminal.writes).toEqual([]);
  });

  it('leaves commands without the full screen, refused arguments and pipes to main', () => {
    expect(draw(['status'])).toBeUndefined();
    expect(draw(['--bogus'])).toBeUndefined();
    expect(draw(['--pin=1234'])).toBeUndefined();
    terminal = new RecordingTerminal(false);
    expect(draw()).toBeUndefined();
    terminal = new RecordingTerminal();
    keyboard = new RecordingKeyboard(false);
    expect(draw()).toBeUndefined();
    expect(terminal.writes).toEqual([]);
  });
});

describe('rememberingFirstFrame', () => {
  it('writes a first start’s first frame as it is and remembers it (owner only), then writes through', () => {
    const first = draw()!;
    expect(inkWrites(first, 'the welcome screen')).toEqual(['the welcome screen', 'the next frame']);
    expect(JSON.parse(readFileSync(statePath(), 'utf8'))).toEqual({
      key: first.key,
      frame: 'the welcome screen',
    });
    expect(statSync(statePath()).mode & 0o777).toBe(0o600);
    expect(draw()?.drawn).toBe('the welcome screen');
  });

  it('leaves out Ink’s first frame when it is the one drawn, and does not write the file again', () => {
    draw();
    inkWrites(takeFirstFrame()!, 'the welcome screen');
    terminal = new RecordingTerminal();
    const first = draw()!;
    const written = statSync(statePath()).mtimeMs;
    terminal.writes.length = 0;
    expect(inkWrites(first, 'the welcome screen')).toEqual(['the next frame']);
    expect(statSync(statePath()).mtimeMs).toBe(written);
  });

  it('draws Ink’s first frame over a cleared screen when the drawn one differs, and remembers Ink’s', () => {
    const key = firstFrameKey(['--demo'], env, terminal, keyboard)!;
    mkdirSync(join(directory, 'state', 'siths-upgrade'), {recursive: true});
    writeFileSync(statePath(), JSON.stringify({key, frame: 'an old welcome screen'}));
    const first = draw()!;
    terminal.writes.length = 0;
    expect(inkWrites(first, 'the welcome screen')).toEqual([
      `${HOME_AND_CLEAR}the welcome screen`,
      'the next frame',
    ]);
    expect(JSON.parse(readFileSync(statePath(), 'utf8'))).toEqual({key, frame: 'the welcome screen'});
  });

  it('still draws when the state directory cannot be made', () => {
    writeFileSync(join(directory, 'a-file'), '');
    const first = {...draw()!, path: join(directory, 'a-file', 'siths-upgrade', 'first-frame.json')};
    expect(inkWrites(first, 'the welcome screen')).toEqual(['the welcome screen', 'the next frame']);
  });
});
