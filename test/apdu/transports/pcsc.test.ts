import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {loadPcscLite} from '../../../source/apdu/transports/pcsc-library.js';
import {PcscReaders} from '../../../source/apdu/transports/pcsc.js';

const isPcscliteLoadable = await loadPcscLite().then(
  () => true,
  () => false,
);

describe('PcscReaders without a usable PC/SC stack', () => {
  it('rejects with pcsclite-missing, naming the packages to install, when the module cannot be loaded', async () => {
    const absent = 'pcsclite-that-is-not-installed';
    const error = await PcscReaders.open({load: () => import(absent)}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({code: 'pcsclite-missing'});
    expect((error as TransportError).message).toMatch(/apt-get install pcscd libpcsclite1/);
    expect((error as TransportError).message).toMatch(/npm rebuild pcsclite/);
    expect((error as TransportError).cause).toMatchObject({code: 'ERR_MODULE_NOT_FOUND'});
  });

  it('rejects with pcsclite-missing when the module exports no factory', async () => {
    await expect(PcscReaders.open({load: async () => ({default: 42})})).rejects.toMatchObject({
      code: 'pcsclite-missing',
    });
  });

  describe.skipIf(!isPcscliteLoadable && process.env.CI !== 'true')(
    `with the real pcsclite${isPcscliteLoadable ? '' : ' (skipped: the pcsclite module does not load)'}`,
    () => {
      const directory = mkdtempSync(join(tmpdir(), 'siths-no-pcscd-'));
      afterAll(() => rmSync(directory, {recursive: true, force: true}));

      it('rejects with pcscd-not-running when no pcscd listens on the socket', async () => {
        // libpcsclite reads the socket name once, at this process's first PC/SC context.
        process.env.PCSCLITE_CSOCK_NAME = join(directory, 'pcscd.comm');

        const error = await PcscReaders.open().catch((caught: unknown) => caught);

        expect(error).toBeInstanceOf(TransportError);
        expect(error).toMatchObject({code: 'pcscd-not-running'});
        expect((error as TransportError).cause).toMatchObject({message: expect.stringMatching(/0x8010001d/)});
      });
    },
  );
});
