import {spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, it} from 'vitest';

/** openssl, spawned as the independent judge of what source/pki writes. */

const isAvailable = spawnSync('openssl', ['version'], {encoding: 'utf8'}).status === 0;

/**
 * A suite that needs openssl: it runs when openssl is on PATH, fails in CI without it, and elsewhere is skipped
 * with the reason in its name.
 */
export function describeWithOpenssl(name: string, body: () => void): void {
  if (isAvailable) describe(name, body);
  else if (process.env.CI === 'true') {
    describe(name, () =>
      it('needs openssl on PATH', () => {
        throw new Error('openssl is not on PATH; CI must have it');
      }),
    );
  } else describe.skip(`${name} (skipped: openssl is not on PATH)`, body);
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs openssl with files written to a fresh temporary directory (removed afterwards); `{file}` names them. */
export function openssl(
  args: readonly string[],
  files: Readonly<Record<string, Uint8Array | string>> = {},
): OpensslResult {
  const directory = mkdtempSync(join(tmpdir(), 'pki-openssl-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(directory, name), content);
    const result = spawnSync(
      'openssl',
      args.map((arg) => arg.replace(/\{([^}]+)\}/g, (_, name: string) => join(directory, name))),
      {encoding: 'utf8'},
    );
    return {status: result.status, stdout: result.stdout, stderr: result.stderr};
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
