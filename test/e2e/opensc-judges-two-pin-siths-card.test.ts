import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {DEFAULT_EID_PINS} from '../../source/card/virtual/eid/profiles.js';
import {loadEidCardState} from '../../source/card/virtual/eid/state-file.js';
import {runSimulate, SIMULATED_HOLDER, simulatedOldCaPath} from '../../source/card/virtual/simulate.js';
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
 * The two-PIN SITHS card (Setec EID applet, PKCS#15) that `simulate --card siths-eid` makes with the old-siths
 * profile, judged by OpenSC 0.23 and openssl through a private pcscd and the vpcd reader: OpenSC's setcos driver
 * takes it for the EID applet, its PKCS#15 framework finds the two PINs, the PUK, both keys and both certificates,
 * its PKCS#11 module makes one slot per PIN and signs with each key, and the card's counters agree with what the
 * tools did. OpenSC resets the card when a tool disconnects, so every run starts with nothing verified.
 */

const WAIT = {timeout: 15_000, interval: 50};
const {authentication: LEGITIMERING, signature: UNDERSKRIFT, puk: PUK} = DEFAULT_EID_PINS;
/** The DER DigestInfo in front of a SHA-256 hash (RFC 8017 clause 9.2 note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
const PIN_REFERENCE = {legitimering: 0x81, underskrift: 0x82, puk: 0x83} as const;

describeWithPcscd(
  'the two-PIN SITHS card from simulate, judged by OpenSC',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    const stop = new AbortController();
    let simulation: Promise<void>;
    let log = '';

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd, {isResetOnDisconnect: true});
      simulation = runSimulate(
        {
          vpcd: {host: '127.0.0.1', port: pcscd.port},
          statePath: workspace.path('card.json'),
          card: 'siths-eid',
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

    function pkcs11(args: readonly string[]): Promise<ToolResult> {
      return tool('pkcs11-tool', ['--module', OPENSC_PKCS11_MODULE, ...args]);
    }

    /**
     * A SHA-256 PKCS#1 v1.5 signature of `input` by key `id`, made through pkcs11-tool as applications make one
     * on this card (it offers no SHA256-RSA-PKCS, its only hash being SHA-1): the DigestInfo signed with RSA-PKCS.
     */
    async function sign(
      slot: number,
      pin: string,
      id: string,
      input: string,
      output: string,
    ): Promise<ToolResult> {
      const digestInfo = Buffer.concat([
        SHA256_DIGEST_INFO_PREFIX,
        createHash('sha256')
          .update(readFileSync(workspace.path(input)))
          .digest(),
      ]);
      writeFileSync(workspace.path(`${input}.digest-info`), digestInfo);
      return pkcs11([
        ...['--slot-index', String(slot), '--login', '--pin', pin],
        ...['--sign', '--id', id, '--mechanism', 'RSA-PKCS'],
        ...['--input-file', `${input}.digest-info`, '--output-file', output],
      ]);
    }

    /** The card's retry counters as its state file holds them (the card saves after every change). */
    function triesLeft(): Record<keyof typeof PIN_REFERENCE, number> {
      const pins = loadEidCardState(workspace.path('card.json')).pins;
      return {
        legitimering: pins.get(PIN_REFERENCE.legitimering)!.remainingRetries,
        underskrift: pins.get(PIN_REFERENCE.underskrift)!.remainingRetries,
        puk: pins.get(PIN_REFERENCE.puk)!.remainingRetries,
      };
    }

    it('is named SetCOS by opensc-tool, with the Telia EID IP5a ATR', async () => {
      const named = await tool('opensc-tool', ['--name']);
      const atr = await tool('opensc-tool', ['--atr']);

      expect(named.code, named.stderr).toBe(0);
      expect(named.stdout.trim()).toBe('SetCOS');
      expect(atr.stdout.trim().toLowerCase()).toBe('3b:7d:96:00:00:80:31:80:65:b0:a3:11:01:f3:83:00:90:00');
    });

    it('lists the Legitimering and Underskrift PINs and the PUK with their references in pkcs15-tool', async () => {
      const dumped = await tool('pkcs15-tool', ['--dump']);
      const pins = await tool('pkcs15-tool', ['--list-pins']);

      expect(dumped.code, dumped.stderr).toBe(0);
      expect(dumped.stdout).toContain(
        `PKCS#15 Card [${SIMULATED_HOLDER.givenName} ${SIMULATED_HOLDER.surname}]`,
      );
      expect(dumped.stdout).toContain(`Serial number  : ${SIMULATED_HOLDER.cardNumber}`);
      for (const output of [dumped.stdout, pins.stdout]) {
        expect(output).toMatch(/PIN \[Legitimering\][^]*?Reference\s+: 129 \(0x81\)/);
        expect(output).toMatch(/PIN \[Underskrift\][^]*?Reference\s+: 130 \(0x82\)/);
        expect(output).toMatch(/PIN \[PUK\][^]*?unblockingPin[^]*?Reference\s+: 131 \(0x83\)/);
      }
      expect(pins.code, pins.stderr).toBe(0);
    });

    it('lists both RSA-2048 private keys, each under its own PIN, and both certificates', async () => {
      const dumped = await tool('pkcs15-tool', ['--dump']);

      expect(dumped.stdout).toMatch(
        /Private RSA Key \[Legitimering key\][^]*?Usage\s+: \[0x04\], sign[^]*?ModLength\s+: 2048[^]*?Auth ID\s+: 01[^]*?ID\s+: 01/,
      );
      expect(dumped.stdout).toMatch(
        /Private RSA Key \[Underskrift key\][^]*?Usage\s+: \[0x200\], nonRepudiation[^]*?ModLength\s+: 2048[^]*?Auth ID\s+: 02[^]*?ID\s+: 02/,
      );
      expect(dumped.stdout).toContain('X.509 Certificate [Legitimering cert]');
      expect(dumped.stdout).toContain('X.509 Certificate [Underskrift cert]');
      expect(dumped.stdout).toMatch(/X\.509 Certificate \[CA cert\][^]*?Authority\s+: yes/);
    });

    it('reads certificates that chain to the old CA, for the holder, one for each purpose', async () => {
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
        purposes.push(purpose);
      }

      expect(purposes).toEqual(['Digital Signature', 'Non Repudiation']);
    });

    it('makes one PKCS#11 slot per PIN: Legitimering and Underskrift', async () => {
      const listed = await pkcs11(['--list-slots']);
      const label = `${SIMULATED_HOLDER.givenName} ${SIMULATED_HOLDER.surname}`;

      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stdout).toMatch(new RegExp(`Slot 0 [^]*?token label\\s+: ${label} \\(Legitimering\\)`));
      expect(listed.stdout).toMatch(new RegExp(`Slot 1 [^]*?token label\\s+: ${label} \\(Underskrift\\)`));
    });

    it.each([
      ['Legitimering', 0, LEGITIMERING],
      ['Underskrift', 1, UNDERSKRIFT],
    ])('passes pkcs11-tool --test --login in the %s slot', async (_name, slot, pin) => {
      const tested = await pkcs11(['--slot-index', String(slot), '--test', '--login', '--pin', pin]);

      expect(tested.code, `${tested.stdout}\n${tested.stderr}`).toBe(0);
      expect(tested.stdout).toMatch(/RSA-PKCS: OK/);
      expect(tested.stdout).toContain('No errors');
      expect(triesLeft()).toEqual({legitimering: 3, underskrift: 3, puk: 10});
    });

    it.each([
      ['Legitimering', 0, LEGITIMERING, '01'],
      ['Underskrift', 1, UNDERSKRIFT, '02'],
    ])(
      'signs with the %s key through pkcs11-tool, as openssl verifies with its certificate',
      async (name, slot, pin, id) => {
        writeFileSync(workspace.path('document.txt'), `signed with the ${name} key\n`);
        const signed = await sign(slot, pin, id, 'document.txt', `document-${id}.sig`);
        await tool('pkcs15-tool', ['--read-certificate', id, '--output', `cert-${id}.pem`]);
        await tool('openssl', [
          'x509',
          '-in',
          `cert-${id}.pem`,
          '-pubkey',
          '-noout',
          '-out',
          `key-${id}.pub`,
        ]);
        const verified = await tool('openssl', [
          ...[
            'dgst',
            '-sha256',
            '-verify',
            `key-${id}.pub`,
            '-signature',
            `document-${id}.sig`,
            'document.txt',
          ],
        ]);

        expect(signed.code, signed.stderr).toBe(0);
        expect(verified.stdout.trim()).toBe('Verified OK');
      },
    );

    it('keeps the Underskrift key out of the Legitimering slot, and the card refuses it after the Legitimering PIN only', async () => {
      const inSlot = await pkcs11([
        ...['--slot-index', '0', '--login', '--pin', LEGITIMERING],
        ...['--sign', '--id', '02', '--mechanism', 'RSA-PKCS', '--input-file', 'document.txt'],
      ]);
      const digestInfo = `${SHA256_DIGEST_INFO_PREFIX.toString('hex')}${'AB'.repeat(32)}`;
      const raw = await tool('opensc-tool', [
        ...['--send-apdu', '00A4080C025015'],
        ...['--send-apdu', `0020008108${Buffer.from(LEGITIMERING).toString('hex')}0000`],
        ...['--send-apdu', '00A4080C0450154B02'],
        ...['--send-apdu', '002241B60A8001028102' + '4B02' + '840102'],
        ...['--send-apdu', `002A9E9A33${digestInfo}`],
      ]);

      expect(inSlot.code).not.toBe(0);
      expect(`${inSlot.stdout}${inSlot.stderr}`).toContain('not found');
      expect(raw.stdout.match(/SW1=0x[0-9a-f]{2}, SW2=0x[0-9a-f]{2}/gi)).toEqual([
        'SW1=0x90, SW2=0x00',
        'SW1=0x90, SW2=0x00',
        'SW1=0x90, SW2=0x00',
        'SW1=0x90, SW2=0x00',
        'SW1=0x69, SW2=0x82',
      ]);
    });

    it('changes each PIN and unblocks the Legitimering PIN with the PUK through pkcs15-tool, as the card counts', async () => {
      const changedLegitimering = await tool('pkcs15-tool', [
        ...['--change-pin', '--auth-id', '01', '--pin', LEGITIMERING, '--new-pin', '111111'],
      ]);
      const changedUnderskrift = await tool('pkcs15-tool', [
        ...['--change-pin', '--auth-id', '02', '--pin', UNDERSKRIFT, '--new-pin', '222222'],
      ]);
      const wrong = await tool('pkcs15-tool', [
        '--change-pin',
        '--auth-id',
        '01',
        '--pin',
        '999999',
        '--new-pin',
        '333333',
      ]);
      const afterWrong = triesLeft();
      const unblocked = await tool('pkcs15-tool', [
        ...['--unblock-pin', '--auth-id', '01', '--puk', PUK, '--new-pin', LEGITIMERING],
      ]);
      const afterUnblock = triesLeft();
      const signsWithNewUnderskrift = await sign(1, '222222', '02', 'document.txt', 'after-change.sig');
      const signsWithUnblockedLegitimering = await sign(
        0,
        LEGITIMERING,
        '01',
        'document.txt',
        'after-unblock.sig',
      );

      expect(changedLegitimering.code, changedLegitimering.stderr).toBe(0);
      expect(changedUnderskrift.code, changedUnderskrift.stderr).toBe(0);
      expect(wrong.code).not.toBe(0);
      expect(afterWrong).toEqual({legitimering: 2, underskrift: 3, puk: 10});
      expect(unblocked.code, unblocked.stderr).toBe(0);
      expect(afterUnblock).toEqual({legitimering: 3, underskrift: 3, puk: 10});
      expect(signsWithNewUnderskrift.code, signsWithNewUnderskrift.stderr).toBe(0);
      expect(signsWithUnblockedLegitimering.code, signsWithUnblockedLegitimering.stderr).toBe(0);
    });
  },
  ['pkcs15-tool', 'pkcs11-tool', 'opensc-tool', 'openssl'],
);
