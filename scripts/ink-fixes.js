// The changes to Ink's incremental rendering that the bundle carries (scripts/build.js), as an esbuild plugin of its
// own so that a test can bundle Ink's renderer with them (test/cli/ink-renderer.test.ts).
import {readFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {applyPatch, parsePatch} from 'diff';

/**
 * Three changes to Ink's incremental rendering, kept as a reviewed patch (patches/ink+6.8.0.patch says what each
 * does and why) and applied to the bundle only, with the diff package's applyPatch: a hunk that no longer applies
 * fails the build, so an Ink upgrade shows whether they are still needed (then make the patch anew against the new
 * version, or drop it). The patched renderer imports 'siths-upgrade:row-changes': source/cli/row-changes.ts.
 */
const INK_PATCH = fileURLToPath(import.meta.resolve('../patches/ink+6.8.0.patch'));

const ROW_CHANGES = fileURLToPath(import.meta.resolve('../source/cli/row-changes.ts'));

/**
 * The plugin. The bundle must hold every file the patch changes, or the build fails (Ink has moved code); a
 * bundle of a part of Ink names the files it holds in `files` (as the patch does: 'b/build/log-update.js').
 */
export function inkFixes(files = undefined) {
  return {
    name: 'with-ink-fixes',
    setup: (builder) => setUp(builder, files),
  };
}

async function setUp(builder, files) {
  builder.onResolve({filter: /^siths-upgrade:row-changes$/}, () => ({path: ROW_CHANGES}));
  const patches = parsePatch(await readFile(INK_PATCH, 'utf8'));
  const applied = new Set();
  builder.onLoad({filter: /ink[\\/]build[\\/][^\\/]+\.js$/}, async ({path}) => {
    const file = patches.find(({newFileName}) =>
      path.replaceAll('\\', '/').endsWith(`/ink/${newFileName.slice(2)}`),
    );
    if (file === undefined) return undefined;
    const contents = applyPatch(await readFile(path, 'utf8'), file);
    if (contents === false) {
      throw new Error(`Ink has changed: ${INK_PATCH} no longer applies to ${path}`);
    }
    applied.add(file);
    return {contents, loader: 'js'};
  });
  builder.onEnd((result) => {
    const missed = patches
      .filter((file) => !applied.has(file) && (files === undefined || files.includes(file.newFileName)))
      .map(({newFileName}) => newFileName);
    if (result.errors.length === 0 && missed.length > 0) {
      throw new Error(`Ink has changed: ${missed.join(', ')} of ${INK_PATCH} not in the bundle`);
    }
  });
}
