import {EventEmitter} from 'node:events';
import {stripVTControlCharacters} from 'node:util';
import {render, type Instance} from 'ink';
import type {ReactElement} from 'react';

/** A terminal of a given size for Ink: keeps every frame written, can be resized and typed into. */
class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  #data: string | null = null;
  write(data: string): void {
    this.#data = data;
    this.emit('readable');
    this.emit('data', data);
  }
  read = (): string | null => {
    const data = this.#data;
    this.#data = null;
    return data;
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

/** Keys as a terminal sends them. */
export const KEYS = {
  enter: '\r',
  escape: '\u001B',
  space: ' ',
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  backspace: '\u007F',
  ctrlC: '\u0003',
} as const;

export interface RenderedTerminal {
  /** The last frame, without colour codes. */
  lastFrame(): string;
  /** Types `text` (characters or KEYS) as one chunk of input. */
  type(text: string): void;
  resize(columns: number, rows: number): void;
  readonly instance: Instance;
  readonly stdout: FakeStdout;
}

/** Renders `tree` in a fake terminal of `columns` x `rows`. Each frame is written whole (Ink's debug mode). */
export function renderInTerminal(tree: ReactElement, columns = 80, rows = 24): RenderedTerminal {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(columns, rows) as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    lastFrame: () => stripVTControlCharacters(stdout.frames.at(-1) ?? ''),
    type: (text) => stdin.write(text),
    resize: (newColumns, newRows) => {
      stdout.columns = newColumns;
      stdout.rows = newRows;
      stdout.emit('resize');
    },
    instance,
    stdout,
  };
}
