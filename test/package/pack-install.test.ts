import {execFile} from 'node:child_process';
import {cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, relative, sep} from 'node:path';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import packageJson from '../../package.json' with {type: 'json'};
import {catalogues} from '../../source/screens/i18n/language.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Packing builds the bundle and installing may build better-sqlite3 from source: minutes, not seconds. */
const SLOW = 15 * 60_000;

/** Files of the work tree a clean clone does not have. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', 'coverage']);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without the npm_* variables of an enclosing `npm test`, which would steer the inner npm. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return {...env, ...extra};
}

function run(file: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      [...args],
      {cwd, env, timeout: SLOW, maxBuffer: 64 * 1024 * 1024},
      (error, stdout, stderr) => {
        resolve({code: error ? ((error as {code?: number}).code ?? null) : 0, stdout, stderr});
      },
    );
    child.stdin?.end();
  });
}

let directory: string;
let tarball: string;
/** What `npm pack --json` says it packed. */
interface Packed {
  readonly filename: string;
  readonly files: readonly {readonly path: string}[];
}

let packed: Packed;
let consumer: string;
let install: Run;

/**
 * What a user gets from `npm pack`: the project copied as a clean clone has it (no dist/), packed (prepack builds
 * the bundle), and the tarball installed into an empty folder whose package.json approves the two packages with
 * install scripts, under --strict-allow-scripts, so a missing approval fails here as it will in later npm versions.
 */
beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'siths-pack-'));
  const clone = join(directory, 'clone');
  cpSync(ROOT, clone, {
    recursive: true,
    filter: (source) => !NOT_IN_A_CLONE.has(relative(ROOT, source).split(sep)[0]!),
  });
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(clone, 'node_modules'));
  const pack = await run('npm', ['pack', '--json', '--pack-destination', directory], clone, cleanEnv());
  expect(pack.code, pack.stderr).toBe(0);
  packed = (JSON.parse(pack.stdout) as Packed[])[0]!;
  tarball = join(directory, packed.filename);

  consumer = join(directory, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      allowScripts: {'better-sqlite3': true, koffi: true},
    }),
  );
  install = await run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--strict-allow-scripts', tarball],
    consumer,
    cleanEnv(),
  );
}, SLOW);

afterAll(() => {
  rmSync(directory, {recursive: true, force: true});
});

/** The installed command, in English, with its settings and state in the consumer folder. */
function siths(args: readonly string[]): Promise<Run> {
  const home = join(consumer, 'home');
  return run(join(consumer, 'node_modules', '.bin', 'siths-upgrade'), args, consumer, {
    PATH: process.env['PATH'],
    HOME: home,
    LANG: 'en_GB.UTF-8',
    SITHS_UPGRADE_CONFIG_DIR: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
  });
}

describe('the packed package, installed into an empty folder', () => {
  it('ships the bundle that prepack builds, and nothing of the sources or tests', () => {
    const paths = packed.files.map((file) => file.path);
    expect(paths).toContain('dist/cli.js');
    expect(paths).toContain('package.json');
    expect(paths.filter((path) => /^(source|test|scripts)\//.test(path))).toEqual([]);
  });

  it('installs, its native dependencies built', () => {
    expect(install.code, `${install.stdout}\n${install.stderr}`).toBe(0);
  });

  it('answers --help and --version', async () => {
    const help = await siths(['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toBe(`${catalogues.en.cli.help.main}\n`);
    const version = await siths(['--version']);
    expect(version.stdout).toBe(`${packageJson.version}\n`);
  });

  it('runs the demo in plain mode up to the demo card’s PIN, and ends when no PIN can be typed', async () => {
    const t = catalogues.en;
    const demo = await siths(['--demo', '--plain']);
    expect(demo.stdout).toContain(t.welcome.demo);
    expect(demo.stdout).toContain(t.welcome.demoAuthenticationPin('123456'));
    expect(demo.stdout).toContain('Anna Andersson');
    expect(demo.stdout).toContain(t.pin.twoPins);
    expect(demo.stderr).not.toMatch(/Error|better-sqlite3|bindings/i);
    expect(demo.code).toBe(4);
  });
});
