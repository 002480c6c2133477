import {spawnSync} from 'node:child_process';
import {mkdir, mkdtemp, readdir, rm, stat, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createDemoSetup} from '../../source/service/demo-setup.js';
import {openssl} from './service-harness.js';

const isOpensslMissing = spawnSync('openssl', ['version']).error !== undefined;

describe('createDemoSetup', () => {
  let directory: string;
  let demo: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'siths-demo-'));
    demo = join(directory, 'demo');
    await createDemoSetup(demo, {keyAlgorithm: 'ecc-p256'});
  });
  afterAll(() => rm(directory, {recursive: true, force: true}));

  it('keeps the keys in a private directory readable by the owner only, and does not keep the root key', async () => {
    expect((await stat(join(demo, 'private'))).mode & 0o777).toBe(0o700);
    const keys = await readdir(join(demo, 'private'));
    expect(keys.sort()).toEqual(
      [
        'attestation.key',
        'card-97522700000004.key',
        'hsa-id.key',
        'management-master.key',
        'old.key',
        'personnummer.key',
        'server.key',
      ].sort(),
    );
    for (const key of keys) expect((await stat(join(demo, 'private', key))).mode & 0o777).toBe(0o600);
  });

  it.skipIf(isOpensslMissing && process.env.CI !== 'true')(
    'makes a server certificate for localhost and issuing CAs that openssl verifies under the root',
    async () => {
      const root = join(demo, 'authorities', 'root.pem');
      for (const file of ['tls/server.pem', 'authorities/hsa-id.pem', 'authorities/personnummer.pem']) {
        expect(await openssl(['verify', '-CAfile', root, join(demo, file)])).toContain(': OK');
      }
      const server = await openssl([
        'x509',
        '-in',
        join(demo, 'tls', 'server.pem'),
        '-noout',
        '-ext',
        'subjectAltName',
      ]);
      expect(server).toContain('DNS:localhost');
      expect(server).toContain('IP Address:127.0.0.1');
    },
  );

  it('refuses a directory that is not empty', async () => {
    const busy = join(directory, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'something'), '');
    await expect(createDemoSetup(busy)).rejects.toMatchObject({code: 'setup-directory-not-empty'});
  });
});
