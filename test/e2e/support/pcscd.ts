import {spawn, spawnSync, type ChildProcess} from 'node:child_process';
import {existsSync, mkdirSync} from 'node:fs';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect, vi} from 'vitest';
import {PcscReaders} from '../../../source/apdu/transports/pcsc.js';
import {describeWithRequirement} from '../../support/requirements.js';

/** The vpcd driver of vsmartcard-vpcd (Debian), loaded by pcscd from the reader.conf.d entry. */
export const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';
/** pcscd's compiled-in socket directory; the harness bind-mounts a private directory over it. */
const PCSCD_RUN_DIR = '/run/pcscd';
/** Ports tried for the vpcd slots: below Linux's ephemeral range (32768-60999), so outgoing connections never take them. */
const PORT_RANGE = {first: 20_000, last: 32_000} as const;
const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

/** A private pcscd with one vpcd reader entry (two slots), for one test file. */
export interface PrivatePcscd {
  /** The pcscd socket: clients reach this daemon through PCSCLITE_CSOCK_NAME. */
  readonly socketPath: string;
  /** The first vpcd slot's port; the second slot listens on `port + 1`. */
  readonly port: number;
  /** The two slots' reader names as PC/SC lists them, for `port` and `port + 1`. */
  readonly readerNames: readonly [string, string];
  /** Environment for child processes (opensc-tool, pkcs15-tool, yubico-piv-tool) that should use this daemon. */
  readonly env: NodeJS.ProcessEnv;
  /** What pcscd printed so far (info level: no APDUs), for failure messages. */
  log(): string;
  /** Stops pcscd but keeps its directories and ports, so {@link restartDaemon} brings the same readers back. */
  killDaemon(): Promise<void>;
  /** Starts pcscd again on the same socket and ports (after {@link killDaemon}, or restarts a running one). */
  restartDaemon(): Promise<void>;
  /** Stops pcscd (the whole process group) and removes its directories. Stopping twice is harmless. */
  stop(): Promise<void>;
}

export interface PrivatePcscdOptions {
  /** The reader's FRIENDLYNAME; PC/SC appends " 00 00" and " 00 01". */
  readonly friendlyName?: string;
}

/**
 * What is missing on this machine to run a private pcscd with a vpcd reader, or undefined when nothing is:
 * pcscd, the vpcd driver, a /run/pcscd mount point, and a mount namespace (as root, or inside a user namespace).
 */
export function missingPcscdPrerequisite(): string | undefined {
  if (!hasCommand('pcscd', ['--version'])) return 'pcscd is not installed (apt-get install pcscd)';
  if (!existsSync(VPCD_DRIVER))
    return `the vpcd driver ${VPCD_DRIVER} is missing (apt-get install vsmartcard-vpcd)`;
  if (isRoot()) mkdirSync(PCSCD_RUN_DIR, {recursive: true});
  if (!existsSync(PCSCD_RUN_DIR))
    return `the mount point ${PCSCD_RUN_DIR} is missing (sudo mkdir -p ${PCSCD_RUN_DIR})`;
  const probe = spawnSync('unshare', [...namespaceOptions(), 'true'], {stdio: 'ignore'});
  if (probe.error !== undefined || probe.status !== 0)
    return isRoot()
      ? 'unshare --mount fails (util-linux missing, or no CAP_SYS_ADMIN in this container)'
      : 'unprivileged user namespaces are disabled, so a private pcscd needs root';
  return undefined;
}

/**
 * `describe` for tests that need a private pcscd and the third-party `tools` (commands, e.g. opensc-tool), as
 * {@link describeWithRequirement}: skipped with the reason when something is missing, failing under CI=true.
 */
export function describeWithPcscd(title: string, body: () => void, tools: readonly string[] = []): void {
  const missingTool = tools.find((tool) => !hasCommand(tool, ['--version']));
  const missing =
    missingPcscdPrerequisite() ?? (missingTool === undefined ? undefined : `${missingTool} is not installed`);
  describeWithRequirement(title, missing, body);
}

/**
 * Starts pcscd in its own mount namespace (and user namespace when not root), with a private directory over /run/pcscd (its socket and pid file)
 * and a private reader.conf.d holding one vpcd entry on a free loopback port pair. Resolves once pcscd is ready
 * and the vpcd driver listens on both slots; tries other ports when another process took them meanwhile.
 */
export async function startPrivatePcscd(options: PrivatePcscdOptions = {}): Promise<PrivatePcscd> {
  const friendlyName = options.friendlyName ?? 'Virtual PCD';
  let lastFailure = '';
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const directory = await mkdtemp(join(tmpdir(), 'siths-pcscd-'));
    const paths = {run: join(directory, 'run'), config: join(directory, 'reader.conf.d')};
    mkdirSync(paths.run);
    mkdirSync(paths.config);
    const port = await findFreePortPair();
    await writeFile(
      join(paths.config, 'vpcd'),
      [
        `FRIENDLYNAME "${friendlyName}"`,
        `DEVICENAME   /dev/null:${port}`,
        `LIBPATH      ${VPCD_DRIVER}`,
        `CHANNELID    ${port}`,
        '',
      ].join('\n'),
    );
    let daemon: Daemon | undefined = await launch(paths);
    if (daemon.failure === undefined) {
      let stopped: Promise<void> | undefined;
      return {
        socketPath: join(paths.run, 'pcscd.comm'),
        port,
        readerNames: [`${friendlyName} 00 00`, `${friendlyName} 00 01`],
        env: {...process.env, PCSCLITE_CSOCK_NAME: join(paths.run, 'pcscd.comm')},
        log: () => daemon?.output() ?? '',
        killDaemon: async () => {
          await daemon?.stop();
        },
        restartDaemon: async () => {
          await daemon?.stop();
          daemon = await launch(paths);
          if (daemon.failure !== undefined) throw new Error(`pcscd did not start again: ${daemon.failure}`);
        },
        stop: () =>
          (stopped ??= (async () => {
            await daemon?.stop();
            daemon = undefined;
            await rm(directory, {recursive: true, force: true});
          })()),
      };
    }
    lastFailure = `ports ${port}/${port + 1}: ${daemon.failure}`;
    await daemon.stop();
    await rm(directory, {recursive: true, force: true});
  }
  throw new Error(`a private pcscd did not start after ${START_ATTEMPTS} attempts, last on ${lastFailure}`);
}

type Daemon = {
  /** Why it is not ready, or undefined when it is. */
  readonly failure: string | undefined;
  output(): string;
  stop(): Promise<void>;
};

/** Groups of pcscd processes still running, killed if the test process exits without stopping them. */
const runningGroups = new Set<number>();
process.once('exit', () => {
  for (const pid of runningGroups) signalGroup(pid, 'SIGKILL');
});

async function launch(paths: {readonly run: string; readonly config: string}): Promise<Daemon> {
  const script = `mount --bind "$1" ${PCSCD_RUN_DIR} && exec pcscd --foreground --info ${polkitOption()}--config "$2"`;
  const child = spawn('unshare', [...namespaceOptions(), 'sh', '-c', script, 'sh', paths.run, paths.config], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid !== undefined) runningGroups.add(child.pid);
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  const isReady = await waitFor(() => output.includes('daemon ready') || hasExited(), READY_TIMEOUT_MS);
  const slots = (output.match(/Waiting for virtual ICC on port/g) ?? []).length;
  const failure = !isReady
    ? `not ready within ${READY_TIMEOUT_MS} ms`
    : hasExited()
      ? 'pcscd exited'
      : slots !== 2
        ? 'the vpcd driver could not listen on both ports'
        : undefined;
  return {
    failure: failure === undefined ? undefined : `${failure}\n${output}`,
    output: () => output,
    stop: async () => {
      await stopGroup(child, exited);
      if (child.pid !== undefined) runningGroups.delete(child.pid);
    },
  };
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  signalGroup(child.pid, 'SIGTERM');
  const hasExited = await Promise.race([
    exited.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), STOP_TIMEOUT_MS).unref()),
  ]);
  if (!hasExited) {
    signalGroup(child.pid, 'SIGKILL');
    await exited;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** A random port p in {@link PORT_RANGE} such that p and p + 1 are free on every IPv4 address, as vpcd binds them. */
async function findFreePortPair(): Promise<number> {
  for (;;) {
    const port = PORT_RANGE.first + Math.floor(Math.random() * (PORT_RANGE.last - PORT_RANGE.first));
    if ((await isFree(port)) && (await isFree(port + 1))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({port, host: '0.0.0.0', exclusive: true}, () => server.close(() => resolve(true)));
  });
}

/** Polls a condition of a child's output (no fixed sleeps: checks every 20 ms, gives up after `timeoutMs`). */
async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * `--disable-polkit ` where pcscd has it (pcsc-lite 2.0.1 and later, built with polkit): a private pcscd serves
 * only this test, and polkit would refuse a CI user without an active session. Debian 12's 1.9.9 has no polkit.
 */
function polkitOption(): string {
  const help = spawnSync('pcscd', ['--help'], {encoding: 'utf8'});
  return `${help.stdout}${help.stderr}`.includes('--disable-polkit') ? '--disable-polkit ' : '';
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A mount namespace of its own; without root, inside a user namespace where the caller is root (unshare -rm). */
function namespaceOptions(): readonly string[] {
  return isRoot() ? ['--mount'] : ['--user', '--map-root-user', '--mount'];
}

function hasCommand(command: string, args: readonly string[]): boolean {
  return spawnSync(command, args, {stdio: 'ignore'}).error === undefined;
}

/**
 * Resolves once pcscd reports a card in `readerName` (a vpcd bridge connected to its slot), within `timeoutMs`.
 * PCSCLITE_CSOCK_NAME must name the private pcscd in this process's environment.
 */
export function cardPresent(readerName: string, timeoutMs = 15_000): Promise<void> {
  return readerHasCard(readerName, true, timeoutMs);
}

/**
 * Resolves once pcscd reports `readerName` empty: pcscd notices a vpcd bridge that closed at its next poll of the
 * slot, so until then it still reports the card that was there.
 */
export function cardAbsent(readerName: string, timeoutMs = 15_000): Promise<void> {
  return readerHasCard(readerName, false, timeoutMs);
}

async function readerHasCard(readerName: string, hasCard: boolean, timeoutMs: number): Promise<void> {
  const readers = await PcscReaders.open();
  try {
    await vi.waitFor(
      async () => expect((await readers.list()).find((r) => r.name === readerName)?.hasCard).toBe(hasCard),
      {timeout: timeoutMs, interval: 25},
    );
  } finally {
    readers.close();
  }
}
