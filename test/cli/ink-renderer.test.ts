import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import {build} from 'esbuild';
import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {inkFixes} from '../../scripts/ink-fixes.js';
import {XtermScreen} from '../support/xterm-screen.js';

const COLUMNS = 100;
const ROWS = 30;
const ESC = '\u001B[';

/** Ink's renderer (log-update.js) as the bundle carries it: with patches/ink+6.8.0.patch. */
interface Render {
  (frame: string): boolean;
}
let createRenderer: (stream: NodeJS.WritableStream, options: {incremental: boolean}) => Render;
const directory = mkdtempSync(join(tmpdir(), 'siths-ink-renderer-'));

beforeAll(async () => {
  const outfile = join(directory, 'log-update.mjs');
  await build({
    entryPoints: [join(dirname(fileURLToPath(import.meta.resolve('ink'))), 'log-update.js')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'silent',
    plugins: [inkFixes(['b/build/log-update.js'])],
  });
  const module = (await import(pathToFileURL(outfile).href)) as {default: {create: typeof createRenderer}};
  createRenderer = module.default.create;
});

afterAll(() => rmSync(directory, {recursive: true, force: true}));

/** The full screen: a cleared 100x30 terminal the renderer draws on, and every byte it was sent. */
async function fullScreen() {
  const screen = new XtermScreen(COLUMNS, ROWS);
  await screen.write(`${ESC}H${ESC}2J`);
  let pending = Promise.resolve();
  const written: string[] = [];
  // Not a TTY, so that Ink's cursor helper (cli-cursor) neither hides the cursor nor restores it at exit.
  const stream = {
    isTTY: false,
    write(data: string) {
      written.push(data);
      pending = pending.then(() => screen.write(data));
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const render = createRenderer(stream, {incremental: true});
  return {
    screen,
    written,
    /** Draws `frame`; resolves with the bytes it took. */
    async draw(frame: string): Promise<number> {
      const before = written.length;
      render(frame);
      await pending;
      return Buffer.byteLength(written.slice(before).join(''));
    },
  };
}

/** What `frame` looks like written whole onto a cleared terminal. */
async function looksOf(frame: string): Promise<string[]> {
  const screen = new XtermScreen(COLUMNS, ROWS);
  await screen.write(frame);
  return screen.looks();
}

/** A frame as the app's full screen makes one: rows of styled text, one row less than the terminal. */
function frameOf(rows: readonly string[]): string {
  return `${Array.from({length: ROWS - 1}, (_, index) => rows[index] ?? '').join('\n')}\n`;
}

const styledRow = fc
  .array(
    fc.tuple(
      fc.constantFrom('', `${ESC}1m`, `${ESC}36m`, `${ESC}2m`, `${ESC}43m${ESC}30m`),
      fc.array(fc.constantFrom(' ', ' ', 'a', 'ö', '│', '█', '░'), {maxLength: 30}),
    ),
    {maxLength: 4},
  )
  .map((pieces) =>
    pieces
      .map(([open, chars]) =>
        chars.length === 0 ? '' : `${open}${chars.join('')}${open === '' ? '' : `${ESC}0m`}`,
      )
      .join(''),
  );

describe('Ink’s incremental renderer with the bundle’s patch, judged by a terminal emulator (xterm.js)', () => {
  it('leaves the screen showing each frame exactly, whatever came before', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(styledRow, {maxLength: ROWS - 1}), {minLength: 1, maxLength: 6}),
        async (frames) => {
          const {screen, draw} = await fullScreen();
          for (const rows of frames) {
            await draw(frameOf(rows));
            expect(screen.looks()).toEqual(await looksOf(frameOf(rows)));
          }
        },
      ),
      {numRuns: 60},
    );
  });

  it('sends a clock’s tick and a bar’s new cell in a few bytes, and the cursor back where Ink expects it', async () => {
    const screen = (seconds: string, filled: number) =>
      frameOf([
        `${ESC}1m${ESC}36mUppgradera SITHS/eTjänstekort${ESC}39m${ESC}22m`,
        `${ESC}90m${'─'.repeat(COLUMNS)}${ESC}39m`,
        `${' '.repeat(28)}${ESC}90m│${ESC}39m ${ESC}36m${'█'.repeat(filled)}${ESC}39m${'░'.repeat(60 - filled)}`,
        `${' '.repeat(28)}${ESC}90m│${ESC}39m Tid: 0:${seconds}   Kvar: ca 0:25`,
      ]);
    const {screen: terminal, draw} = await fullScreen();
    await draw(screen('07', 3));
    expect(await draw(screen('08', 3))).toBeLessThanOrEqual(16);
    expect(await draw(screen('08', 4))).toBeLessThanOrEqual(34);
    expect(terminal.looks()).toEqual(await looksOf(screen('08', 4)));
    // Ink's next frame starts from the row below the frame, column 1.
    expect(terminal.cursor()).toEqual({row: ROWS - 1, column: 0});
  });

  it('draws the first frame without its blank cells: fewer bytes than its text', async () => {
    const rows = Array.from({length: 20}, () => `${' '.repeat(28)}${ESC}90m│${ESC}39m`);
    const {draw} = await fullScreen();
    expect(await draw(frameOf(rows))).toBeLessThan(Buffer.byteLength(frameOf(rows)) / 2);
  });
});
