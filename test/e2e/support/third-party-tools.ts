import {spawn} from 'node:child_process';
import {mkdtemp, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {expect, vi} from 'vitest';
import type {CardEndpoint} from '../../../source/apdu/transports/transport.js';
import {connectVpcd, type VpcdBridge} from '../../../source/card/virtual/vpcd.js';
import type {PrivatePcscd} from './pcscd.js';

/**
 * Running the third-party judges (yubico-piv-tool, OpenSC's tools, openssl) against a private pcscd, and watching
 * what reaches the virtual card while they run.
 */

/** The PKCS#11 module of OpenSC (Debian's opensc-pkcs11). */
export const OPENSC_PKCS11_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
const TOOL_TIMEOUT_MS = 30_000;
const WAIT = {timeout: 10_000, interval: 50};

export interface ToolResult {
  /** The exit code; null when the tool was killed (timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `command` with `args` in `env`, writing `input` to its stdin (closed afterwards), killing it after
 * `timeoutMs` (default 30 s). Never rejects on exit codes.
 */
export function runTool(
  command: string,
  args: readonly string[],
  options: {
    readonly env: NodeJS.ProcessEnv;
    readonly input?: string;
    readonly cwd?: string;
    readonly timeoutMs?: number;
  },
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: options.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? TOOL_TIMEOUT_MS);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({code, stdout, stderr});
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A temporary directory for the files tools read and write, with an OpenSC that caches nothing. */
export interface ToolWorkspace {
  readonly directory: string;
  /** The private pcscd's environment, plus a temporary HOME and an OPENSC_CONF without file caching. */
  readonly env: NodeJS.ProcessEnv;
  path(name: string): string;
  remove(): Promise<void>;
}

/**
 * A workspace for `pcscd`. OpenSC may cache card files under ~/.cache/opensc; a fresh HOME and
 * `use_file_caching = no` make every run read the card itself.
 */
export async function createToolWorkspace(
  pcscd: PrivatePcscd,
  options: {readonly isResetOnDisconnect?: boolean} = {},
): Promise<ToolWorkspace> {
  const directory = await mkdtemp(join(tmpdir(), 'siths-tools-'));
  const configPath = join(directory, 'opensc.conf');
  // With isResetOnDisconnect OpenSC resets the card when a tool disconnects, so no tool finds a PIN verified by
  // the one before.
  const reader =
    options.isResetOnDisconnect === true ? ['\treader_driver pcsc { disconnect_action = reset; }'] : [];
  await writeFile(
    configPath,
    ['app default {', ...reader, '\tframework pkcs15 { use_file_caching = no; }', '}', ''].join('\n'),
  );
  return {
    directory,
    env: {...pcscd.env, HOME: directory, OPENSC_CONF: configPath},
    path: (name) => join(directory, name),
    remove: () => rm(directory, {recursive: true, force: true}),
  };
}

/** A command's header as it reached the card: class, instruction, parameters and length, never its data. */
export interface CommandHeader {
  readonly cla: number;
  readonly ins: number;
  readonly p1: number;
  readonly p2: number;
  /** The whole APDU's length in bytes (a VERIFY with a PIN is 13, a VERIFY asking for the tries left 4 or 5). */
  readonly length: number;
}

/**
 * A card endpoint in front of `card` that records the header of every command (no data, so no PIN or key ever
 * reaches test output), to tell what a tool asked of the card.
 */
export class HeaderRecorder implements CardEndpoint {
  readonly headers: CommandHeader[] = [];

  constructor(private readonly card: CardEndpoint) {}

  reset(): Uint8Array {
    return this.card.reset();
  }

  powerOff(): void {
    this.card.powerOff();
  }

  process(apdu: Uint8Array): Promise<Uint8Array> {
    const [cla = 0, ins = 0, p1 = 0, p2 = 0] = apdu;
    this.headers.push({cla, ins, p1, p2, length: apdu.length});
    return this.card.process(apdu);
  }

  /** The headers recorded since `mark` (a length of {@link headers} taken earlier). */
  since(mark: number): CommandHeader[] {
    return this.headers.slice(mark);
  }
}

/** Puts `card` into vpcd slot `slot` of `pcscd` and waits until PC/SC (as opensc-tool sees it) reports it. */
export async function insertCard(
  pcscd: PrivatePcscd,
  card: CardEndpoint,
  slot: 0 | 1 = 0,
): Promise<VpcdBridge> {
  const bridge = connectVpcd({card, port: pcscd.port + slot, retryDelayMs: 50});
  await waitForCardPresence(pcscd, true, slot);
  return bridge;
}

/** Waits until opensc-tool lists vpcd slot `slot` with (or without) a card. */
export async function waitForCardPresence(
  pcscd: PrivatePcscd,
  isPresent: boolean,
  slot: 0 | 1 = 0,
): Promise<void> {
  const row = new RegExp(`^\\d+\\s+${isPresent ? 'Yes' : 'No'}\\s+${pcscd.readerNames[slot]}$`, 'm');
  await vi.waitFor(async () => {
    const {stdout} = await runTool('opensc-tool', ['--list-readers'], {env: pcscd.env});
    expect(stdout).toMatch(row);
  }, WAIT);
}

/** What openssl says of a certificate pkcs15-tool read from the card. */
export interface ReadCertificate {
  readonly read: ToolResult;
  /** `openssl verify` against the CA file. */
  readonly verified: ToolResult;
  /** `openssl x509 -subject -ext keyUsage`, names in RFC 2253. */
  readonly text: ToolResult;
  /** "Digital Signature" or "Non Repudiation", from its keyUsage. */
  readonly purpose: string;
}

/**
 * Reads the certificate with PKCS#15 ID `id` from the card with pkcs15-tool into `old-<id>.pem`, and has openssl
 * verify it against `caFile` and print its subject and key usage.
 */
export async function readCertificateWithOpenssl(
  tool: (command: string, args: readonly string[]) => Promise<ToolResult>,
  id: string,
  caFile: string,
): Promise<ReadCertificate> {
  const file = `old-${id}.pem`;
  const read = await tool('pkcs15-tool', ['--read-certificate', id, '--output', file]);
  const verified = await tool('openssl', ['verify', '-CAfile', caFile, file]);
  const text = await tool('openssl', [
    ...['x509', '-in', file, '-noout', '-subject', '-ext', 'keyUsage', '-nameopt', 'RFC2253'],
  ]);
  return {read, verified, text, purpose: /Digital Signature|Non Repudiation/.exec(text.stdout)?.[0] ?? ''};
}
