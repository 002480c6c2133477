import {spawn, type ChildProcess} from 'node:child_process';
import {readFile, writeFile} from 'node:fs/promises';
import {createServer, type AddressInfo} from 'node:net';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {httpsClient} from '../test/service/https-client.js';

/** The repository: the instances run its sources through tsx, as `npm run bench` runs the bench. */
const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));
/** How long an instance may take from spawn until GET /v1/ready answers 200 (tsx compiles the sources first). */
const READY_TIMEOUT_MS = 60_000;
/** After SIGTERM, how long an instance may take to exit before it is killed. */
const STOP_TIMEOUT_MS = 10_000;
/** Of an instance's stderr, in the error when it does not come up. */
const STDERR_TAIL_CHARS = 2_000;

/** One `siths-upgrade serve` process. */
export interface ServeInstance {
  readonly port: number;
  readonly url: string;
  /** Sends SIGKILL: the instance dies with its requests and transactions open. */
  kill(): void;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Writes the config of one instance beside the demo's config.json (so its relative paths still name the demo's
 * files): the demo's with `overrides` over it and its own port on 127.0.0.1, then starts `serve --config` on it
 * from the sources and resolves once GET /v1/ready answers 200. Throws with the instance's stderr when it exits or
 * does not become ready in time.
 */
export async function startServeInstance(
  demoDirectory: string,
  name: string,
  overrides: Record<string, unknown>,
  caCertificate: Uint8Array,
): Promise<ServeInstance> {
  const port = await freePort();
  const config = JSON.parse(await readFile(join(demoDirectory, 'config.json'), 'utf8')) as object;
  const configPath = join(demoDirectory, `${name}.json`);
  await writeFile(configPath, JSON.stringify({...config, ...overrides, listen: {host: '127.0.0.1', port}}));
  // The request log (stdout, a line per request) is dropped: at load it would cost more than it tells.
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'source/cli.tsx', 'serve', '--config', configPath],
    {
      cwd: REPOSITORY,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child
    .stderr!.setEncoding('utf8')
    .on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)));
  const instance: ServeInstance = {
    port,
    url: `https://127.0.0.1:${port}`,
    kill: () => child.kill('SIGKILL'),
    stop: () => stopProcess(child),
  };
  try {
    await waitUntilReady(child, httpsClient(instance.url, caCertificate));
  } catch (error) {
    await instance.stop();
    throw new Error(`serve ${name} did not become ready: ${(error as Error).message}\n${stderr}`, {
      cause: error,
    });
  }
  return instance;
}

/** A TCP port free on 127.0.0.1 now (the system's pick), for an instance to listen on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntilReady(child: ChildProcess, call: ReturnType<typeof httpsClient>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited (${child.exitCode})`);
    const answer = await call('GET', '/v1/ready').catch(() => undefined);
    if (answer?.status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no 200 from /v1/ready in ${READY_TIMEOUT_MS / 1000} s`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
