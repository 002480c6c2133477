import {createHash} from 'node:crypto';
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs';
import {dirname} from 'node:path';
import packageJson from '../../package.json' with {type: 'json'};
import {isTerminalSession} from './arguments.js';
import {ExitCode} from './exit-codes.js';
import {FullScreen} from './full-screen.js';
import {readSettingsText, settingsFilePath, stateFilePath} from './settings-file.js';
import {withWrite, writeTo} from './written-through.js';

/**
 * The first frame of the full screen, drawn before the app loads (issue 14: Ink, React and the screens take about
 * 200 ms to load and draw the welcome screen; the entry takes about 10).
 *
 * The first frame Ink wrote is remembered in the state directory under a key: a hash of everything the frame can
 * depend on (the arguments, the settings file, the variables that decide language, colour and framing, the
 * terminal's size, the build). The next start with the same key writes the remembered frame from the entry, then
 * loads the app. When Ink's own first frame is the same, it is not written again; when it is not (the key missed
 * something), the screen is cleared and Ink's frame drawn, so the screen always ends up as Ink drew it. Only the
 * first frame is remembered: the welcome screen, drawn before anything was typed, so no secret can be in it.
 */

/** The remembered frame: $XDG_STATE_HOME/siths-upgrade/first-frame.json. */
interface RememberedFrame {
  readonly key: string;
  readonly frame: string;
}

/** This start's first frame, as the entry left it for main. */
export interface FirstFrame {
  readonly key: string;
  readonly path: string;
  /** The remembered frame the entry drew (the screen is then on, in raw mode), else undefined. */
  readonly drawn?: string;
  /** The full screen, on when a frame was drawn; main goes on with it. */
  readonly screen: FullScreen;
}

/**
 * The variables that change how the first frame looks: language, colour, Unicode, synchronized output. Of TMUX only
 * whether it is set counts (its value names the tmux server, another one each time).
 */
const DRAWING_VARIABLES = [
  'TERM',
  'COLORTERM',
  'FORCE_COLOR',
  'NO_COLOR',
  'TERM_PROGRAM',
  'LANG',
  'LC_ALL',
  'LC_CTYPE',
  'LC_MESSAGES',
  'CI',
  'CONTINUOUS_INTEGRATION',
] as const;

let firstFrame: FirstFrame | undefined;

/** The exit codes of the signals (as main's: 128 + the signal's number) while only the entry has the screen. */
const SIGNAL_EXITS = {
  SIGINT: ExitCode.Interrupted,
  SIGTERM: ExitCode.Terminated,
  SIGHUP: ExitCode.Hangup,
} as const;

/** Stops the program on a signal before main handles them: the screen restored, the code main would give. */
function stopOnSignal(screen: FullScreen): () => void {
  const handlers = Object.entries(SIGNAL_EXITS).map(([signal, code]) => {
    const handler = () => {
      screen.restore();
      process.exit(code);
    };
    process.on(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((remove) => remove());
}

let stopsOnSignal: (() => void) | undefined;

/**
 * What the entry left: undefined when main was loaded some other way, or the command draws no full screen. From
 * then on signals are main's to handle.
 */
export function takeFirstFrame(): FirstFrame | undefined {
  stopsOnSignal?.();
  stopsOnSignal = undefined;
  return firstFrame;
}

/** The build the frame came from: the time this module's file was written (every build writes it anew). */
function buildTime(): number {
  try {
    return statSync(new URL(import.meta.url)).mtimeMs;
  } catch {
    return 0;
  }
}

/** The key of the first frame, or undefined when the settings file does not read (main then says why). */
export function firstFrameKey(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  terminal: {readonly columns?: number; readonly rows?: number; readonly isTTY?: boolean},
  input: {readonly isTTY?: boolean},
): string | undefined {
  const settings = readSettingsText(settingsFilePath(env['SITHS_UPGRADE_CONFIG_DIR'], env));
  if (settings === undefined) return undefined;
  const drawing = [...DRAWING_VARIABLES.map((name) => env[name] ?? null), (env['TMUX'] ?? '') !== ''];
  const terminals = [terminal.columns, terminal.rows, terminal.isTTY === true, input.isTTY === true];
  const facts = [packageJson.version, buildTime(), argv, settings.text ?? null, drawing, terminals];
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex');
}

function readRemembered(path: string): RememberedFrame | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const {key, frame} = value as Partial<RememberedFrame>;
    return typeof key === 'string' && typeof frame === 'string' ? {key, frame} : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Called by the entry for a command that may draw the full screen (`run`, the default): works out the key and, when
 * a frame is remembered under it, puts the terminal on the full screen in raw mode (so that keys typed before the
 * app listens are neither echoed nor lost) and draws the frame. Never throws: anything odd leaves it to main.
 */
export function drawRememberedFrame(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  output: NodeJS.WriteStream,
  input: NodeJS.ReadStream,
): void {
  firstFrame = undefined;
  try {
    if (!isTerminalSession(argv) || !output.isTTY || !input.isTTY) return;
    const key = firstFrameKey(argv, env, output, input);
    if (key === undefined) return;
    const path = stateFilePath(env, 'first-frame.json');
    const screen = new FullScreen(output, input);
    const remembered = readRemembered(path);
    if (remembered?.key !== key) {
      firstFrame = {key, path, screen};
      return;
    }
    stopsOnSignal = stopOnSignal(screen);
    input.setRawMode(true);
    screen.enter(remembered.frame);
    firstFrame = {key, path, screen, drawn: remembered.frame};
  } catch {
    // Left to main, which draws the first frame itself.
  }
}

/** Keeps `frame` under `key` for the next start; a state directory that cannot be written is left alone. */
function remember(path: string, remembered: RememberedFrame): void {
  try {
    mkdirSync(dirname(path), {recursive: true, mode: 0o700});
    const temporary = `${path}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(remembered), {mode: 0o600});
    renameSync(temporary, path);
  } catch {
    // A read-only home: the next start draws its first frame the slow way.
  }
}

/** Clears the screen and puts the cursor home, where Ink's first frame starts. */
const CURSOR_HOME_AND_CLEAR = '\u001B[H\u001B[2J';

/**
 * `output` for Ink with `first` in mind: Ink's first write (its first frame) is left out when it is the frame the
 * entry drew, else written over a cleared screen; and it is remembered for the next start when it is new.
 */
export function rememberingFirstFrame(output: NodeJS.WriteStream, first: FirstFrame): NodeJS.WriteStream {
  const writeThrough = writeTo(output);
  let isFirst = true;
  return withWrite(output, (chunk, ...rest) => {
    if (!isFirst || typeof chunk !== 'string') return writeThrough(chunk, ...rest);
    isFirst = false;
    if (chunk === first.drawn) {
      rest.find((argument): argument is () => void => typeof argument === 'function')?.();
      return true;
    }
    const isWritten = writeThrough(
      first.drawn === undefined ? chunk : CURSOR_HOME_AND_CLEAR + chunk,
      ...rest,
    );
    // At once (a few file operations, once): a program stopped soon after its first frame still remembers it.
    remember(first.path, {key: first.key, frame: chunk});
    return isWritten;
  });
}
