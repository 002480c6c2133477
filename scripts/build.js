// Bundles the CLI (dist/cli.js and its chunks): the first screen appears faster from a bundle than from hundreds
// of modules (issue 7 measures about 170 ms against 400 ms; `npm run bench` measures ours).
// Native addons stay external. React is built for production (no development checks at run time).
import {readFile, rm} from 'node:fs/promises';
import process from 'node:process';
import {build} from 'esbuild';
import {inkFixes} from './ink-fixes.js';

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
 * Yoga (Ink's layout engine) is WebAssembly inlined as a data: URL, which its Emscripten loader fetches with
 * fetch() whenever fetch exists: on Node that loads undici and parses the URL, about 50 ms before the first frame.
 * Told that there is no fetch, the loader decodes the same base64 itself (its own fallback). Two places ask; if
 * they are not both found, the loader has changed and the build fails.
 */
const YOGA_ASKS_FOR_FETCH = '"function"!=typeof fetch';

const withYogaDecodedInProcess = {
  name: 'with-yoga-decoded-in-process',
  setup(builder) {
    builder.onLoad(
      {filter: /yoga-layout[\\/]dist[\\/]binaries[\\/]yoga-wasm-base64-esm\.js$/},
      async ({path}) => {
        const source = await readFile(path, 'utf8');
        const asks = source.split(YOGA_ASKS_FOR_FETCH).length - 1;
        if (asks !== 2)
          throw new Error(`yoga-layout has changed: ${path} asks for fetch ${asks} times, not 2`);
        return {contents: source.replaceAll(YOGA_ASKS_FOR_FETCH, 'true'), loader: 'js'};
      },
    );
  },
};

/** `--outdir DIR` builds elsewhere than dist/ (the end-to-end tests build their own copy, side by side). */
const outdirIndex = process.argv.indexOf('--outdir');
const outdir = outdirIndex === -1 ? 'dist' : process.argv[outdirIndex + 1];
// Chunk names carry a hash: an earlier build's chunks would stay beside the new ones and be packed with them.
await rm(outdir, {recursive: true, force: true});

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
  external: ['koffi', 'better-sqlite3'],
  plugins: [withoutInkDevtools, inkFixes(), withYogaDecodedInProcess],
  banner: {
    js: [
      '#!/usr/bin/env node',
      "import {createRequire as __createRequire} from 'node:module';",
      'const require = __createRequire(import.meta.url);',
    ].join('\n'),
  },
  logLevel: 'warning',
});
