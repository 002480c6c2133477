import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import {TransportError} from '../../../source/apdu/transports/errors.js';
import {PcscReaders} from '../../../source/apdu/transports/pcsc.js';
import {loadWinscard} from '../../../source/apdu/transports/winscard.js';

const isPcscLiteLoadable = await loadWinscard().then(
  () => true,
  () => false,
);

describe('PcscReaders without a usable PC/SC stack', () => {
  it('rejects with pcsclite-missing, naming the packages to install, when the PC/SC library cannot be loaded', async () => {
    const error = await PcscReaders.open({library: 'libpcsclite-that-is-not-installed.so.1'}).catch(
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({code: 'pcsclite-missing'});
    expect((error as TransportError).message).toMatch(/apt-get install pcscd libpcsclite1/);
    expect(String((error as TransportError).cause)).toMatch(/Failed to load shared library/);
  });

  describe.skipIf(!isPcscLiteLoadable && process.env.CI !== 'true')(
    `with the real libpcsclite${isPcscLiteLoadable ? '' : ' (skipped: libpcsclite.so.1 does not load)'}`,
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
