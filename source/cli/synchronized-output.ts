import {withWrite, writeTo} from './written-through.js';

/** DEC private mode 2026, synchronized output: the terminal shows what comes between the two at once. */
const BEGIN_SYNCHRONIZED = '\u001B[?2026h';
const END_SYNCHRONIZED = '\u001B[?2026l';
/**
 * Frames shorter than this (a clock's or a bar's few cells) are written without the framing: one short write
 * reaches the terminal whole and is read at once, so there is nothing half-drawn to hide, and the 16 bytes of
 * framing would be a third of such a frame or more.
 */
const FRAMED_FROM = 128;

/** The environment variables that tell the terminal. */
export interface TerminalEnvironment {
  readonly TERM?: string;
  readonly TMUX?: string;
}

/**
 * Whether the terminal takes synchronized output (mode 2026): tmux (3.4+ takes it; older ones ignore the mode),
 * and the xterm-like terminals that name themselves in TERM (xterm, VTE, kitty, WezTerm, foot, Alacritty,
 * rxvt, contour, ghostty: those without it ignore an unknown private mode). Not TERM=dumb, not an unknown TERM.
 */
export function supportsSynchronizedOutput(env: TerminalEnvironment): boolean {
  const term = env.TERM ?? '';
  if (term === '' || term === 'dumb') return false;
  if ((env.TMUX ?? '') !== '') return /^(tmux|screen|xterm)/.test(term);
  return /^(xterm|tmux|vte|kitty|wezterm|foot|alacritty|rxvt|contour|ghostty)/.test(term);
}

type Callback = (error?: Error | null) => void;

/**
 * `output` as Ink should write to it: each frame in one write, in synchronized-output framing when
 * `isSynchronized` and the frame is not short ({@link FRAMED_FROM}), else without it. Ink (6.8) marks a frame on a terminal by writing BEGIN_SYNCHRONIZED, the
 * frame in one or more pieces, then END_SYNCHRONIZED, three writes or more, all in one go; here the pieces are
 * held from the first mark to the second and written as one. Everything else goes straight through, and a frame
 * left open is written at the next turn of the event loop.
 */
export function framedOutput(output: NodeJS.WriteStream, isSynchronized: boolean): NodeJS.WriteStream {
  let frame: string[] | undefined;
  let callbacks: Callback[] = [];
  const flush = (isClosed: boolean) => {
    const pieces = frame ?? [];
    const waiting = callbacks;
    frame = undefined;
    callbacks = [];
    const text = pieces.join('');
    if (text === '') {
      for (const callback of waiting) callback();
      return;
    }
    const isFramed = isSynchronized && isClosed && text.length >= FRAMED_FROM;
    const framed = isFramed ? `${BEGIN_SYNCHRONIZED}${text}${END_SYNCHRONIZED}` : text;
    output.write(framed, (error) => {
      for (const callback of waiting) callback(error);
    });
  };
  const writeThrough = writeTo(output);
  return withWrite(output, (chunk, ...rest) => {
    const callback = rest.find((argument): argument is Callback => typeof argument === 'function');
    if (chunk === BEGIN_SYNCHRONIZED) {
      if (frame !== undefined) flush(false);
      frame = [];
      if (callback) callbacks.push(callback);
      setImmediate(() => {
        if (frame !== undefined) flush(false);
      });
      return true;
    }
    if (frame !== undefined && chunk === END_SYNCHRONIZED) {
      if (callback) callbacks.push(callback);
      flush(true);
      return true;
    }
    if (frame !== undefined && typeof chunk === 'string') {
      frame.push(chunk);
      if (callback) callbacks.push(callback);
      return true;
    }
    if (frame !== undefined) flush(false);
    return writeThrough(chunk, ...rest);
  });
}
