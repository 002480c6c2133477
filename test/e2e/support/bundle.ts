import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {rmSync} from 'node:fs';
import {join, resolve} from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/** A bundle of the CLI built for one test file. */
export interface TestBundle {
  /** The bundle's entry, to run with node. */
  readonly cli: string;
  remove(): void;
}

/**
 * Builds the CLI as `npm start` does (scripts/build.js), into a directory of its own under node_modules/.cache, so
 * test files running side by side never run a bundle another one is rewriting; from there the bundle still finds
 * the project's node_modules (its native addons are not bundled).
 */
export function buildBundle(): TestBundle {
  const directory = join(ROOT, 'node_modules', '.cache', 'siths-upgrade-e2e', randomBytes(6).toString('hex'));
  execFileSync(process.execPath, ['scripts/build.js', '--outdir', directory], {cwd: ROOT, stdio: 'inherit'});
  return {
    cli: join(directory, 'cli.js'),
    remove: () => rmSync(directory, {recursive: true, force: true}),
  };
}
