import {writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {
  runSimulate,
  SIMULATED_HOLDER,
  SIMULATED_PIN,
  simulatedOldCaPath,
} from '../../source/card/virtual/simulate.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  OPENSC_PKCS11_MODULE,
  readCertificateWithOpenssl,
  runTool,
  waitForCardPresence,
  type ToolResult,
  type ToolWorkspace,
} from './support/third-party-tools.js';

/**
 * A card that `simulate` creates with the old-siths profile, as OpenSC and openssl see it through a private pcscd
 * and the vpcd reader: the staff member's two old certificates in 9A and 9C, issued by the demo old CA whose
 * certificate simulate saved beside the state file, and a PIN that signs with the old authentication key.
 */

const WAIT = {timeout: 15_000, interval: 50};

describeWithPcscd(
  'an old-siths card from simulate in pkcs15-tool',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    const stop = new AbortController();
    let simulation: Promise<void>;
    let log = '';

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd);
      simulation = runSimulate(
        {
          vpcd: {host: '127.0.0.1', port: pcscd.port},
          statePath: workspace.path('card.json'),
          profile: 'old-siths',
          timing: 'instant',
        },
        {signal: stop.signal, stdout: {write: (text: string) => (log += text)}},
      );
      await vi.waitFor(() => expect(log).toContain('Card inserted'), WAIT);
      await waitForCardPresence(pcscd, true);
    });

    afterAll(async () => {
      stop.abort();
      await simulation;
      await pcscd?.stop();
      await workspace?.remove();
    });

    function tool(command: string, args: readonly string[]): Promise<ToolResult> {
      return runTool(command, args, {env: workspace.env, cwd: workspace.directory});
    }

    it('lists the two old certificates and their RSA-2048 keys, under the holder name as token label', async () => {
      const listed = await tool('pkcs15-tool', ['--list-certificates', '--list-keys']);
      const dumped = await tool('pkcs15-tool', ['--dump']);

      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toContain('X.509 Certificate [Certificate for PIV Authentication]');
      expect(listed.stdout).toContain('X.509 Certificate [Certificate for Digital Signature]');
      expect(listed.stdout).toMatch(/Private RSA Key \[PIV AUTH key\][^]*?ModLength\s+: 2048/);
      expect(listed.stdout).toMatch(/Private RSA Key \[SIGN key\][^]*?ModLength\s+: 2048/);
      expect(dumped.stdout).toContain(
        `PKCS#15 Card [${SIMULATED_HOLDER.givenName} ${SIMULATED_HOLDER.surname}]`,
      );
    });

    it('reads certificates that chain to the old CA simulate saved, for the holder HSA-id, one for each purpose', async () => {
      const purposes: string[] = [];
      for (const id of ['01', '02']) {
        const {read, verified, text, purpose} = await readCertificateWithOpenssl(
          tool,
          id,
          simulatedOldCaPath(workspace.path('card.json')),
        );

        expect(read.code, read.stderr).toBe(0);
        expect(verified.code, verified.stderr).toBe(0);
        expect(text.stdout).toContain(`serialNumber=${SIMULATED_HOLDER.hsaId}`);
        expect(text.stdout).toContain(`CN=${SIMULATED_HOLDER.givenName} ${SIMULATED_HOLDER.surname}`);
        purposes.push(purpose);
      }

      expect(purposes).toEqual(['Digital Signature', 'Non Repudiation']);
    });

    it('signs with the old authentication key after the simulated PIN, as openssl verifies with its certificate', async () => {
      writeFileSync(workspace.path('challenge.txt'), 'login challenge\n');

      const signed = await tool('pkcs11-tool', [
        ...['--module', OPENSC_PKCS11_MODULE, '--slot-index', '0', '--login', '--pin', SIMULATED_PIN],
        ...['--sign', '--id', '01', '--mechanism', 'SHA256-RSA-PKCS'],
        ...['--input-file', 'challenge.txt', '--output-file', 'challenge.sig'],
      ]);
      const read = await tool('pkcs15-tool', ['--read-certificate', '01', '--output', 'login.pem']);
      const publicKey = await tool('openssl', [
        ...['x509', '-in', 'login.pem', '-pubkey', '-noout', '-out', 'login.pub'],
      ]);
      const verified = await tool('openssl', [
        ...['dgst', '-sha256', '-verify', 'login.pub', '-signature', 'challenge.sig', 'challenge.txt'],
      ]);

      expect(signed.code, signed.stderr).toBe(0);
      expect(read.code, read.stderr).toBe(0);
      expect(publicKey.code, publicKey.stderr).toBe(0);
      expect(verified.stdout.trim()).toBe('Verified OK');
    });
  },
  ['pkcs15-tool', 'pkcs11-tool', 'opensc-tool', 'openssl'],
);
