// Bundles the CLI (dist/cli.js and its chunks): the first screen appears faster from a bundle than from hundreds
// of modules (issue 7 measures about 170 ms against 400 ms; `npm run bench` measures ours).
// Native addons stay external. React is built for production (no development checks at run time).
import {readFile} from 'node:fs/promises';
import process from 'node:process';
import {build} from 'esbuild';

/**
 * Ink loads react-devtools-core only when DEV=true, through a dynamic import that a single-file ESM bundle turns
 * into a static one; the package is not installed, so it is replaced by a module that does nothing.
 */
const withoutInkDevtools = {
  name: 'without-ink-devtools',
  setup(builder) {
    builder.onResolve({filter: /^react-devtools-core$/}, () => ({
      path: 'react-devtools-core',
      namespace: 'stub',
    }));
    builder.onLoad({filter: /.*/, namespace: 'stub'}, () => ({
      contents: 'export default {initialize() {}, connectToDevTools() {}};',
      loader: 'js',
    }));
  },
};

/**
 * Four changes to Ink 6.8.0's incremental rendering, applied to the bundle only (a failed match fails the build, so
 * an Ink upgrade shows whether they are still needed):
 * - log-update: a frame that ends with a newline (any frame shorter than the terminal) leaves the cursor on the
 *   row below it, but the next frame moved up one row too few, so every update drew one row too low;
 * - resize: Ink repaints from scratch only when the terminal got narrower; after any other resize the terminal may
 *   have scrolled or dropped rows, so the incremental diff would draw onto a screen that is not what it thinks;
 * - log-update: an incremental frame rewrites each changed row whole; it now writes from the row's first changed
 *   cell (CHANGED_CELLS), so a clock that ticks sends its last figures, not the row;
 * - log-update: an incremental frame steps over each unchanged row with its own CNL (ESC [ E); a run of them
 *   becomes one CNL with a count (ESC [ n E, ECMA-48), the same cursor movement in fewer bytes.
 */
/**
 * For the log-update change below: a changed row is written from its first changed cell (cells compared with
 * their styles, as Ink's own output tokenizes them), after moving the cursor there; the rest of the row is cleared
 * as before. Rows Ink wrote end with their styles closed, so the cursor lands among default attributes.
 */
const CHANGED_CELLS = `
import {styledCharsFromTokens as __cellsOf, styledCharsToString as __cellsToText, tokenize as __tokenize} from '@alcalzone/ansi-tokenize';
const __sameCell = (a, b) =>
  a.value === b.value && a.styles.length === b.styles.length && a.styles.every((style, k) => style.code === b.styles[k].code);
const __changedCells = (previous, next) => {
  if (previous === undefined) return ansiEscapes.cursorTo(0) + next + ansiEscapes.eraseEndLine;
  const before = __cellsOf(__tokenize(previous));
  const after = __cellsOf(__tokenize(next));
  let index = 0;
  let column = 0;
  while (index < before.length && index < after.length && __sameCell(before[index], after[index])) {
    column += after[index].fullWidth ? 2 : 1;
    index++;
  }
  return ansiEscapes.cursorTo(column) + __cellsToText(after.slice(index)) + ansiEscapes.eraseEndLine;
};
`;

const INK_PATCHES = [
  {
    file: /ink[\\/]build[\\/]log-update\.js$/,
    from: 'buffer.push(ansiEscapes.cursorUp(previousVisible - 1));',
    to: "buffer.push(ansiEscapes.cursorUp(previousOutput.endsWith('\\n') ? previousVisible : previousVisible - 1));",
  },
  {
    file: /ink[\\/]build[\\/]log-update\.js$/,
    from: "import ansiEscapes from 'ansi-escapes';",
    to: `import ansiEscapes from 'ansi-escapes';${CHANGED_CELLS}`,
  },
  {
    file: /ink[\\/]build[\\/]log-update\.js$/,
    from: 'buffer.push(ansiEscapes.cursorTo(0) +\n                nextLines[i] +\n                ansiEscapes.eraseEndLine +',
    to: 'buffer.push(__changedCells(previousLines[i], nextLines[i]) +',
  },
  {
    file: /ink[\\/]build[\\/]log-update\.js$/,
    from: "stream.write(buffer.join(''));",
    to: "stream.write(buffer.join('').replace(/(?:\\u001B\\[E){2,}/g, (run) => `\\u001B[${run.length / 3}E`));",
  },
  {
    file: /ink[\\/]build[\\/]ink\.js$/,
    from: 'if (currentWidth < this.lastTerminalWidth) {',
    to: '{',
  },
];

const withInkFixes = {
  name: 'with-ink-fixes',
  setup(builder) {
    builder.onLoad({filter: /ink[\\/]build[\\/](log-update|ink)\.js$/}, async ({path}) => {
      let contents = await readFile(path, 'utf8');
      for (const patch of INK_PATCHES.filter(({file}) => file.test(path))) {
        if (!contents.includes(patch.from))
          throw new Error(`Ink has changed: ${patch.from} not found in ${path}`);
        contents = contents.replace(patch.from, patch.to);
      }
      return {contents, loader: 'js'};
    });
  },
};

/** `--outdir DIR` builds elsewhere than dist/ (the end-to-end tests build their own copy, side by side). */
const outdirIndex = process.argv.indexOf('--outdir');
const outdir = outdirIndex === -1 ? 'dist' : process.argv[outdirIndex + 1];

await build({
  entryPoints: {cli: 'source/cli.tsx'},
  outdir,
  // cli.js answers --help and --version from small modules and loads the app (source/main.tsx) as a chunk; the
  // engine, the card, the service and the demo come in chunks loaded after the first frame (dynamic imports in
  // source/main.tsx).
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  minify: true,
  legalComments: 'none',
  define: {'process.env.NODE_ENV': '"production"'},
  external: ['pcsclite', 'better-sqlite3'],
  plugins: [withoutInkDevtools, withInkFixes],
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import {createRequire as __createRequire} from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
