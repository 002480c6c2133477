import {mkdtemp, rm, stat} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {createDemoSetup} from '../../source/service/demo-setup.js';
import {serve} from '../../source/service/serve.js';
import {httpsClient} from './https-client.js';

describe('serve', () => {
  it('serves HTTPS on loopback from a config file made by --init, with the store beside it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'siths-serve-'));
    try {
      const {configPath} = await createDemoSetup(join(directory, 'demo'), {
        keyAlgorithm: 'ecc-p256',
        port: 0,
      });
      const service = await serve({configPath});
      try {
        expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const terms = await httpsClient(service.url, service.caCertificate)('GET', '/v1/terms');
        expect(terms.status).toBe(200);
        expect((await stat(join(directory, 'demo', 'service.sqlite'))).isFile()).toBe(true);
      } finally {
        await service.close();
      }
    } finally {
      await rm(directory, {recursive: true, force: true});
    }
  });
});
