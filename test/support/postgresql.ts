import {execFile} from 'node:child_process';
import {existsSync, readdirSync} from 'node:fs';
import {chmod, chown, mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import pg from 'pg';
import {describeWithRequirement} from './requirements.js';

/** Where Debian's `postgresql` package puts each major version: /usr/lib/postgresql/<major>/bin. */
const POSTGRESQL_ROOT = '/usr/lib/postgresql';
/** The superuser role initdb creates, whatever OS user runs the cluster. */
const ROLE = 'siths';
/** Fixed, because the socket (.s.PGSQL.<port>) lives in a private directory and there is no TCP listener. */
const PORT = 5432;
/** Of the server log, in error messages. */
const LOG_TAIL_CHARS = 2_000;

const run = promisify(execFile);

/** A PostgreSQL cluster of its own, reached only through a Unix socket in a temporary directory. */
export interface PrivatePostgresql {
  /** The directory holding the socket (.s.PGSQL.5432), the data directory and the server log. */
  readonly socketDirectory: string;
  /** The superuser role; trust authentication, so no password. */
  readonly user: string;
  /** A URL that node-postgres reads as `database` over the socket. */
  url(database: string): string;
  /** Creates the empty database `name` and returns its {@link url}. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server at once and removes its directory. Stopping twice is harmless. */
  stop(): Promise<void>;
}

/** The bin directory of the newest PostgreSQL installed, or undefined when there is none. */
function findBinDirectory(): string | undefined {
  if (!existsSync(POSTGRESQL_ROOT)) return undefined;
  const newest = readdirSync(POSTGRESQL_ROOT)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRESQL_ROOT, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))[0];
  return newest === undefined ? undefined : join(POSTGRESQL_ROOT, newest, 'bin');
}

/** What is missing to start a private PostgreSQL, or undefined when nothing is. */
export function missingPostgresql(): string | undefined {
  return findBinDirectory() === undefined
    ? `no PostgreSQL under ${POSTGRESQL_ROOT} (apt-get install postgresql)`
    : undefined;
}

/** `describe` for tests that need a private PostgreSQL, as {@link describeWithRequirement}. */
export function describeWithPostgresql(title: string, body: () => void): void {
  describeWithRequirement(title, missingPostgresql(), body);
}

/**
 * Creates a cluster in a fresh temporary directory (initdb, trust authentication, no fsync) and starts it
 * listening on a Unix socket there and nowhere else. As root it runs as `postgres` (or `nobody`), since initdb
 * refuses root. Throws when PostgreSQL is not installed, or with initdb's or pg_ctl's output and the server log's
 * tail when they fail.
 */
export async function startPrivatePostgresql(): Promise<PrivatePostgresql> {
  const bin = findBinDirectory();
  if (bin === undefined) throw new Error(`cannot start PostgreSQL: ${missingPostgresql()}`);
  const directory = await mkdtemp(join(tmpdir(), 'siths-postgresql-'));
  const data = join(directory, 'data');
  const serverOptions = `-p ${PORT} -k '${directory}' -c listen_addresses='' -c fsync=off -c max_connections=200`;
  let runBinary: CommandRunner;
  try {
    runBinary = await commandRunner(bin, directory);
    await runBinary('initdb', [
      '-D',
      data,
      '-U',
      ROLE,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    await runBinary('pg_ctl', ['-D', data, '-w', '-o', serverOptions, '-l', join(directory, 'log'), 'start']);
  } catch (error) {
    await rm(directory, {recursive: true, force: true});
    throw error;
  }
  const url = (database: string) =>
    `postgresql://${ROLE}@/${encodeURIComponent(database)}?${new URLSearchParams({host: directory, port: String(PORT)})}`;
  let stopped: Promise<void> | undefined;
  return {
    socketDirectory: directory,
    user: ROLE,
    url,
    createDatabase: async (name) => {
      const client = new pg.Client({connectionString: url('postgres')});
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop: () =>
      (stopped ??= (async () => {
        try {
          await runBinary('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
        } finally {
          await rm(directory, {recursive: true, force: true});
        }
      })()),
  };
}

type CommandRunner = (command: string, args: readonly string[]) => Promise<void>;

/**
 * Runs the PostgreSQL binaries in `bin` as the user who owns `directory`: the current user, or under root an
 * unprivileged one, who is given the directory (0755, so the socket stays reachable).
 */
async function commandRunner(bin: string, directory: string): Promise<CommandRunner> {
  const owner = process.getuid?.() === 0 ? await unprivilegedUser() : undefined;
  if (owner !== undefined) {
    await chown(directory, owner.uid, owner.gid);
    await chmod(directory, 0o755);
  }
  return async (command, args) => {
    const program = join(bin, command);
    // The cwd is the private directory: the unprivileged user may not be able to enter ours.
    const options = {cwd: directory};
    try {
      await (owner === undefined
        ? run(program, args, options)
        : run('runuser', ['-u', owner.name, '--', program, ...args], options));
    } catch (error) {
      const stderr = (error as {stderr?: string}).stderr ?? '';
      const log = await readFile(join(directory, 'log'), 'utf8').catch(() => '(no server log)');
      throw new Error(
        `${command} ${args.join(' ')} failed: ${stderr.trim()}\nserver log:\n${log.slice(-LOG_TAIL_CHARS)}`,
        {
          cause: error,
        },
      );
    }
  };
}

/** The `postgres` system user when it exists, else `nobody`. */
async function unprivilegedUser(): Promise<{name: string; uid: number; gid: number}> {
  for (const name of ['postgres', 'nobody']) {
    const ids = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]).catch(() => undefined);
    if (ids !== undefined) return {name, uid: Number(ids[0].stdout), gid: Number(ids[1].stdout)};
  }
  throw new Error('running as root, and neither the postgres nor the nobody user exists to run PostgreSQL');
}
