import {spawnSync} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describeWithRequirement} from '../support/requirements.js';

/** openssl, spawned as the independent judge of what source/pki writes. */

const isAvailable = spawnSync('openssl', ['version'], {encoding: 'utf8'}).status === 0;

/**
 * A suite that needs openssl: it runs when openssl is on PATH, fails in CI without it, and elsewhere is skipped
 * with the reason in its name.
 */
export function describeWithOpenssl(name: string, body: () => void): void {
  describeWithRequirement(name, isAvailable ? undefined : 'openssl is not on PATH', body);
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The files named in `outputs`, read back after openssl ran (absent when openssl did not write them). */
  readonly outputs: Readonly<Record<string, Uint8Array | undefined>>;
}

/**
 * Runs openssl in a fresh temporary directory (removed afterwards) holding `files`; `{name}` in an argument is the
 * path of the file `name` there. Files named in `outputs` are read back.
 */
export function openssl(
  args: readonly string[],
  files: Readonly<Record<string, Uint8Array | string>> = {},
  outputs: readonly string[] = [],
): OpensslResult {
  const directory = mkdtempSync(join(tmpdir(), 'pki-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
    const result = spawnSync(
      'openssl',
      args.map((arg) => arg.replace(/\{([^}]+)\}/g, (_, name: string) => join(directory, name))),
      {encoding: 'utf8'},
    );
    const read = (name: string) => {
      const path = join(directory, name);
      return existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined;
    };
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs: Object.fromEntries(outputs.map((name) => [name, read(name)])),
    };
  } finally {
    rmSync(directory, {recursive: true, force: true});
  }
}

/** PEM text of a DER certificate, for openssl's -CAfile and -untrusted. */
export function certificatePem(der: Uint8Array): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
}
