import {createPublicKey, X509Certificate} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {INS_GENERAL_AUTHENTICATE, KeyOrigin, ObjectId, Slot} from '../../source/card/piv/constants.js';
import {blankCard} from '../../source/card/virtual/profiles.js';
import {DEFAULT_PIN, DEFAULT_PUK} from '../../source/card/virtual/state.js';
import {INSTANT_TIMING} from '../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../source/card/virtual/virtual-card.js';
import type {VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  HeaderRecorder,
  insertCard,
  runTool,
  type ToolResult,
  type ToolWorkspace,
} from './support/third-party-tools.js';

/**
 * yubico-piv-tool 2.2 (Debian 12) drives the virtual card through a private pcscd and the vpcd reader: every action
 * a YubiKey owner uses, judged by the tool's own checks, by openssl, and by what the card then holds. The card
 * reports firmware 5.4.3, whose factory management key is 3DES: yubico-piv-tool before 2.3 knows no AES management
 * key, so it cannot administer a 5.7 card (as with a real YubiKey 5.7). PINs, PUKs and management keys are the
 * card's throwaway test values and reach the tool on stdin (its hidden --stdin-input flag), not in argv.
 */

const FIRMWARE = {major: 5, minor: 4, patch: 3};
const FACTORY_MANAGEMENT_KEY = '010203040506070801020304050607080102030405060708';
const NEW_MANAGEMENT_KEY = '0f0e0d0c0b0a09080706050403020100a1a2a3a4a5a6a7a8';
const NEW_PIN = '271828';
const NEW_PUK = '31415926';
const UNBLOCKED_PIN = '161803';
const WRONG_PIN = '999999';

describeWithPcscd(
  'yubico-piv-tool drives the virtual card',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    let card: VirtualPivCard;
    let recorder: HeaderRecorder;
    let bridge: VpcdBridge;
    /** The PIN the card has now. */
    let pin = DEFAULT_PIN;

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd);
      card = new VirtualPivCard({state: await blankCard({firmware: FIRMWARE}), timing: INSTANT_TIMING});
      recorder = new HeaderRecorder(card);
      bridge = await insertCard(pcscd, recorder);
      const ca = await openssl([
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
        ...['-keyout', workspace.path('ca.key'), '-out', workspace.path('ca.pem')],
        ...['-subj', '/CN=Conformance Test CA', '-days', '2'],
      ]);
      expect(ca.code, ca.stderr).toBe(0);
    });

    afterAll(async () => {
      await bridge?.close();
      await pcscd?.stop();
      await workspace?.remove();
    });

    /** yubico-piv-tool on the vpcd reader; `secrets` are the lines it asks for on stdin, in order. */
    function piv(args: readonly string[], secrets: readonly string[] = []): Promise<ToolResult> {
      return runTool('yubico-piv-tool', ['--reader', pcscd.readerNames[0], '--stdin-input', ...args], {
        env: workspace.env,
        input: secrets.map((secret) => `${secret}\n`).join(''),
        cwd: workspace.directory,
      });
    }

    function openssl(args: readonly string[]): Promise<ToolResult> {
      return runTool('openssl', args, {env: workspace.env, cwd: workspace.directory});
    }

    /** A certificate for the public key in `publicKeyFile`, issued by the test CA (openssl, not the project). */
    async function issue(publicKeyFile: string, subject: string, certificateFile: string): Promise<void> {
      const result = await openssl([
        ...['x509', '-new', '-force_pubkey', workspace.path(publicKeyFile), '-subj', subject],
        ...['-CA', workspace.path('ca.pem'), '-CAkey', workspace.path('ca.key'), '-days', '1'],
        ...['-out', workspace.path(certificateFile)],
      ]);
      expect(result.code, result.stderr).toBe(0);
    }

    function publicKeyDer(pem: string): Uint8Array {
      return new Uint8Array(createPublicKey(pem).export({type: 'spki', format: 'der'}));
    }

    it('reads the version, the serial number and the PIN tries left (version, status)', async () => {
      const result = await piv(['-a', 'version', '-a', 'status']);

      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('Application version 5.4.3 found.');
      expect(result.stdout).toContain(`Serial Number:\t${card.inspect().serial}`);
      expect(result.stdout).toContain('PIN tries left:\t3');
    });

    it('verifies the PIN, and counts a wrong PIN down and back up (verify-pin)', async () => {
      const wrong = await piv(['-a', 'verify-pin'], [WRONG_PIN]);
      const triesAfterWrong = card.inspect().pin.remainingRetries;
      const right = await piv(['-a', 'verify-pin'], [pin]);

      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain('Pin verification failed, 2 tries left before pin is blocked.');
      expect(triesAfterWrong).toBe(2);
      expect(right.code, right.stderr).toBe(0);
      expect(right.stderr).toContain('Successfully verified PIN.');
      expect(card.inspect().pin.remainingRetries).toBe(3);
    });

    it('changes the PIN and the PUK, and unblocks a blocked PIN with the PUK (change-pin, change-puk, unblock-pin)', async () => {
      const changedPin = await piv(['-a', 'change-pin'], [pin, NEW_PIN]);
      const changedPuk = await piv(['-a', 'change-puk'], [DEFAULT_PUK, NEW_PUK]);
      const attempts = [];
      for (let attempt = 0; attempt < 4; attempt++)
        attempts.push(await piv(['-a', 'verify-pin'], [WRONG_PIN]));
      const oldPinAfterBlock = await piv(['-a', 'verify-pin'], [NEW_PIN]);
      const unblocked = await piv(['-a', 'unblock-pin'], [NEW_PUK, UNBLOCKED_PIN]);
      const verified = await piv(['-a', 'verify-pin'], [UNBLOCKED_PIN]);
      pin = UNBLOCKED_PIN;

      expect(changedPin.stderr).toContain('Successfully changed the pin code.');
      expect(changedPuk.stderr).toContain('Successfully changed the puk code.');
      expect(attempts.map(({stderr}) => stderr.trim())).toEqual([
        'Pin verification failed, 2 tries left before pin is blocked.',
        'Pin verification failed, 1 tries left before pin is blocked.',
        'Pin code blocked, use unblock-pin action to unblock.',
        'Pin code blocked, use unblock-pin action to unblock.',
      ]);
      expect(oldPinAfterBlock.stderr).toContain('Pin code blocked');
      expect(unblocked.stderr).toContain('Successfully unblocked the pin code.');
      expect(verified.code, verified.stderr).toBe(0);
      expect(card.inspect().pin.remainingRetries).toBe(3);
      expect(card.inspect().puk.remainingRetries).toBe(3);
    });

    it('sets a new management key, after which the factory key no longer authenticates (set-mgm-key)', async () => {
      const changed = await piv(['-k', '-a', 'set-mgm-key'], [FACTORY_MANAGEMENT_KEY, NEW_MANAGEMENT_KEY]);
      const withFactoryKey = await piv(
        ['-k', '-a', 'delete-certificate', '-s', '9d'],
        [FACTORY_MANAGEMENT_KEY],
      );
      const withNewKey = await piv(['-k', '-a', 'delete-certificate', '-s', '9d'], [NEW_MANAGEMENT_KEY]);

      expect(changed.stderr).toContain('Successfully set new management key.');
      expect(withFactoryKey.code).toBe(1);
      expect(withFactoryKey.stderr).toContain('Failed authentication with the application.');
      expect(withNewKey.code, withNewKey.stderr).toBe(0);
    });

    it('generates an RSA-2048 key in 9C and a P-256 key in 9A whose public keys are what the card holds (generate)', async () => {
      const rsa = await piv(
        ['-k', '-a', 'generate', '-s', '9c', '-A', 'RSA2048', '-o', 'public-9c.pem'],
        [NEW_MANAGEMENT_KEY],
      );
      const ec = await piv(
        ['-k', '-a', 'generate', '-s', '9a', '-A', 'ECCP256', '-o', 'public-9a.pem'],
        [NEW_MANAGEMENT_KEY],
      );

      expect(rsa.stderr).toContain('Successfully generated a new private key.');
      expect(ec.stderr).toContain('Successfully generated a new private key.');
      const keys = card.inspect().keys;
      expect(publicKeyDer(readFileSync(workspace.path('public-9c.pem'), 'utf8'))).toEqual(
        keys.get(Slot.Signature)?.publicKey,
      );
      expect(publicKeyDer(readFileSync(workspace.path('public-9a.pem'), 'utf8'))).toEqual(
        keys.get(Slot.Authentication)?.publicKey,
      );
      expect(createPublicKey(readFileSync(workspace.path('public-9c.pem'))).asymmetricKeyDetails).toEqual({
        modulusLength: 2048,
        publicExponent: 65537n,
      });
    });

    it('imports certificates that status lists and read-certificate returns unchanged (import-certificate)', async () => {
      await issue('public-9a.pem', '/CN=Conformance 9A', 'certificate-9a.pem');
      await issue('public-9c.pem', '/CN=Conformance 9C', 'certificate-9c.pem');

      const imported = await piv(
        ['-k', '-a', 'import-certificate', '-s', '9a', '-i', 'certificate-9a.pem'],
        [NEW_MANAGEMENT_KEY],
      );
      const importedSignature = await piv(
        ['-k', '-a', 'import-certificate', '-s', '9c', '-i', 'certificate-9c.pem'],
        [NEW_MANAGEMENT_KEY],
      );
      const status = await piv(['-a', 'status']);
      const read = await piv(['-a', 'read-certificate', '-s', '9a', '-o', 'read-9a.pem']);

      expect(imported.stderr).toContain('Successfully imported a new certificate.');
      expect(importedSignature.stderr).toContain('Successfully imported a new certificate.');
      expect(status.stdout).toMatch(/Slot 9a:\s+Algorithm:\tECCP256\s+Subject DN:\tCN=Conformance 9A/);
      expect(status.stdout).toMatch(/Slot 9c:\s+Algorithm:\tRSA2048\s+Subject DN:\tCN=Conformance 9C/);
      expect(read.code, read.stderr).toBe(0);
      expect(new X509Certificate(readFileSync(workspace.path('read-9a.pem'))).raw).toEqual(
        new X509Certificate(readFileSync(workspace.path('certificate-9a.pem'))).raw,
      );
    });

    it('signs with the P-256 key and the RSA key so that their certificates verify the signatures (test-signature)', async () => {
      const ecdsa = await piv(
        ['-a', 'verify-pin', '-a', 'test-signature', '-s', '9a', '-i', 'certificate-9a.pem'],
        [pin],
      );
      const rsa = await piv(
        ['-a', 'verify-pin', '-a', 'test-signature', '-s', '9c', '-i', 'certificate-9c.pem'],
        [pin],
      );
      const rsaWithoutPin = await piv(['-a', 'test-signature', '-s', '9c', '-i', 'certificate-9c.pem']);

      expect(ecdsa.stderr).toContain('Successful ECDSA verification.');
      expect(rsa.stderr).toContain('Successful RSA verification.');
      expect(rsaWithoutPin.code).toBe(1);
      expect(rsaWithoutPin.stderr).toContain('Failed signing test data.');
    });

    for (const {action, failure, output, judge} of [
      {
        action: 'request-certificate',
        failure: 'Failed signing request.',
        output: 'request-9c.pem',
        judge: ['req', '-verify', '-noout', '-in'],
      },
      {
        action: 'selfsign-certificate',
        failure: 'Failed signing certificate.',
        output: 'selfsigned-9c.pem',
        judge: ['verify', '-CAfile', 'selfsigned-9c.pem'],
      },
    ]) {
      // Debian's yubico-piv-tool 2.2.0 built against OpenSSL 3 fails these two actions before it asks the card to
      // sign (Yubico/yubico-piv-tool#388). The test then proves the failure is the tool's: its own message, and no
      // signing command reached the card. A fixed tool takes the other branch, judged by openssl.
      it(`signs a ${action === 'request-certificate' ? 'certificate request' : 'self-signed certificate'} with the 9C key, or fails before reaching the card as the OpenSSL 3 build does (${action})`, async () => {
        const mark = recorder.headers.length;
        const result = await piv(
          [
            '-a',
            'verify-pin',
            '-a',
            action,
            '-s',
            '9c',
            '-S',
            '/CN=Conformance request/',
            '-i',
            'public-9c.pem',
            '-o',
            output,
          ],
          [pin],
        );
        const signatures = recorder.since(mark).filter(({ins}) => ins === INS_GENERAL_AUTHENTICATE);
        if (result.code !== 0) {
          expect(result.stderr).toContain(failure);
          expect(signatures).toHaveLength(0);
          return;
        }

        const verified = await openssl([...judge, workspace.path(output)]);
        expect(verified.code, verified.stderr).toBe(0);
        expect(signatures).toHaveLength(1);
      });
    }

    it('writes data objects and reads them back, the printed information only after the PIN (write-object, read-object)', async () => {
      const large = Buffer.alloc(2000, 0).map((_, index) => (index * 31) & 0xff);
      writeFileSync(workspace.path('large.bin'), large);
      writeFileSync(workspace.path('printed.hex'), Buffer.from('Anna Andersson').toString('hex'));

      const wrotePrinted = await piv(
        ['-k', '-a', 'write-object', '--id', '0x5fc109', '-i', 'printed.hex'],
        [NEW_MANAGEMENT_KEY],
      );
      const wroteLarge = await piv(
        ['-k', '-a', 'write-object', '--id', '0x5fff10', '-f', 'binary', '-i', 'large.bin'],
        [NEW_MANAGEMENT_KEY],
      );
      const printedWithoutPin = await piv([
        '-a',
        'read-object',
        '--id',
        '0x5fc109',
        '-o',
        'printed-read.hex',
      ]);
      const printed = await piv(
        ['-a', 'verify-pin', '-a', 'read-object', '--id', '0x5fc109', '-o', 'printed-read.hex'],
        [pin],
      );
      const readLarge = await piv([
        '-a',
        'read-object',
        '--id',
        '0x5fff10',
        '-f',
        'binary',
        '-o',
        'large-read.bin',
      ]);

      expect([wrotePrinted.code, wroteLarge.code]).toEqual([0, 0]);
      expect(printedWithoutPin.code).toBe(1);
      expect(printedWithoutPin.stderr).toContain('Failed fetching object.');
      expect(printed.code, printed.stderr).toBe(0);
      expect(readFileSync(workspace.path('printed-read.hex'), 'utf8').trim()).toBe(
        Buffer.from('Anna Andersson').toString('hex'),
      );
      expect(readLarge.code, readLarge.stderr).toBe(0);
      expect(readFileSync(workspace.path('large-read.bin'))).toEqual(large);
      expect(card.inspect().objects.get(ObjectId.MsCmapFile)?.length).toBe(2000);
    });

    it('attests the 9C key with a certificate that chains to the F9 attestation certificate (attest)', async () => {
      const attested = await piv(['-a', 'attest', '-s', '9c', '-o', 'attested-9c.pem']);
      const f9 = await piv(['-a', 'read-certificate', '-s', 'f9', '-o', 'f9.pem']);
      const verified = await openssl(['verify', '-CAfile', 'f9.pem', 'attested-9c.pem']);

      expect([attested.code, f9.code]).toEqual([0, 0]);
      expect(verified.code, verified.stderr).toBe(0);
      const attestedKey = new X509Certificate(readFileSync(workspace.path('attested-9c.pem'))).publicKey;
      expect(new Uint8Array(attestedKey.export({type: 'spki', format: 'der'}))).toEqual(
        card.inspect().keys.get(Slot.Signature)?.publicKey,
      );
    });

    it('deletes a certificate, which status then no longer lists (delete-certificate)', async () => {
      const deleted = await piv(['-k', '-a', 'delete-certificate', '-s', '9a'], [NEW_MANAGEMENT_KEY]);
      const status = await piv(['-a', 'status']);

      expect(deleted.code, deleted.stderr).toBe(0);
      expect(status.stdout).not.toContain('Slot 9a:');
      expect(status.stdout).toContain('Slot 9c:');
      expect(card.inspect().objects.has(ObjectId.AuthenticationCertificate)).toBe(false);
      expect(card.inspect().keys.has(Slot.Authentication)).toBe(true);
    });

    it('imports an RSA key and a P-256 key that then decrypt and agree a key with their certificates (import-key, test-decipher)', async () => {
      const results: ToolResult[] = [];
      for (const [slot, algorithm, option] of [
        ['9d', 'RSA', 'rsa_keygen_bits:2048'],
        ['9e', 'EC', 'ec_paramgen_curve:P-256'],
      ] as const) {
        const key = await openssl([
          'genpkey',
          '-algorithm',
          algorithm,
          '-pkeyopt',
          option,
          '-out',
          `${slot}.key`,
        ]);
        const certificate = await openssl([
          ...['req', '-new', '-x509', '-key', `${slot}.key`, '-subj', `/CN=Imported ${slot}`, '-days', '1'],
          ...['-out', `${slot}.pem`],
        ]);
        expect([key.code, certificate.code]).toEqual([0, 0]);
        for (const [action, file] of [
          ['import-key', `${slot}.key`],
          ['import-certificate', `${slot}.pem`],
        ] as const)
          results.push(await piv(['-k', '-a', action, '-s', slot, '-i', file], [NEW_MANAGEMENT_KEY]));
      }
      const rsa = await piv(['-a', 'verify-pin', '-a', 'test-decipher', '-s', '9d', '-i', '9d.pem'], [pin]);
      const ecdh = await piv(['-a', 'verify-pin', '-a', 'test-decipher', '-s', '9e', '-i', '9e.pem'], [pin]);

      expect(results.map(({stderr}) => stderr.trim())).toEqual([
        'Successfully imported a new private key.',
        'Successfully imported a new certificate.',
        'Successfully imported a new private key.',
        'Successfully imported a new certificate.',
      ]);
      expect(rsa.stderr).toContain('Successfully performed RSA decryption!');
      expect(ecdh.stderr).toContain('Successfully performed ECDH exchange with card.');
      expect(card.inspect().keys.get(Slot.KeyManagement)?.origin).toBe(KeyOrigin.Imported);
    });

    it('sets the retry counters, and resets the card to factory state once PIN and PUK are blocked (pin-retries, reset)', async () => {
      const retries = await piv(
        ['-k', '-a', 'verify-pin', '-a', 'pin-retries', '--pin-retries', '1', '--puk-retries', '1'],
        [NEW_MANAGEMENT_KEY, pin],
      );
      const countersAfterRetries = card.inspect();
      const refusedReset = await piv(['-a', 'reset']);
      await piv(['-a', 'verify-pin'], [WRONG_PIN]);
      await piv(['-a', 'unblock-pin'], ['00000000', WRONG_PIN]);
      const reset = await piv(['-a', 'reset']);
      const factoryPin = await piv(['-a', 'verify-pin'], [DEFAULT_PIN]);
      const factoryKey = await piv(['-k', '-a', 'delete-certificate', '-s', '9d'], [FACTORY_MANAGEMENT_KEY]);

      expect(retries.stderr).toContain('Successfully changed pin retries to 1 and puk retries to 1');
      expect(countersAfterRetries.pin.totalRetries).toBe(1);
      expect(countersAfterRetries.puk.totalRetries).toBe(1);
      expect(refusedReset.code).toBe(1);
      expect(reset.stderr).toContain('Successfully reset the application.');
      expect(factoryPin.code, factoryPin.stderr).toBe(0);
      expect(factoryKey.code, factoryKey.stderr).toBe(0);
      expect([...card.inspect().keys.keys()]).toEqual([Slot.Attestation]);
      expect(card.inspect().pin).toEqual({totalRetries: 3, remainingRetries: 3});
    });
  },
  ['yubico-piv-tool', 'opensc-tool', 'openssl'],
);
