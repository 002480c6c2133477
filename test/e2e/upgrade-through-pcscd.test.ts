import {execFile, spawn} from 'node:child_process';
import {createHash, createPublicKey, X509Certificate} from 'node:crypto';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {PcscReaders} from '../../source/apdu/transports/pcsc.js';
import {PivSession} from '../../source/card/piv/session.js';
import {blankCard} from '../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../source/card/virtual/virtual-card.js';
import {connectVpcd, type VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {KeyUsage} from '../../source/pki/extensions.js';
import {createCertificateAuthority, issueCertificate, randomSerialNumber} from '../../source/pki/issue.js';
import {EKU_CLIENT_AUTH} from '../../source/pki/object-identifiers.js';
import {PcscCardReaders} from '../../source/upgrade/adapters/pcsc-readers.js';
import {Step} from '../../source/upgrade/state.js';
import {autopilot} from '../upgrade/support/autopilot.js';
import {createWorld, PIN, type World} from '../upgrade/support/world.js';
import {
  cardAbsent,
  cardPresent,
  describeWithPcscd,
  startPrivatePcscd,
  type PrivatePcscd,
} from './support/pcscd.js';

/**
 * The whole upgrade through a real private pcscd, the virtual card behind the vpcd reader, the reference service
 * over HTTPS, and third-party judges: afterwards OpenSC lists exactly the four new certificates in 9A, 9C, 82
 * and 83 and signs with each key (pkcs11-tool), and openssl verifies each chain. The plans are RSA-2048 (the
 * demo's default), which OpenSC can use in every slot. The same for a card that
 * yubico-piv-tool set up (its key generated and its certificate imported by that tool through pcscd).
 */

const run = promisify(execFile);
const OTHER_PROGRAM_ENTRY = new URL('support/other-program-process.ts', import.meta.url).pathname;
const WAIT = {timeout: 15_000, interval: 25};
const PKCS11_MODULE = '/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so';
/** The factory PIV management key, which yubico-piv-tool uses by default (docs/piv-card.md section 4). */
const FACTORY_MANAGEMENT_KEY = Uint8Array.from(
  Buffer.from('010203040506070801020304050607080102030405060708', 'hex'),
);
const FACTORY_PIN = '123456';
/** OpenSC's PKCS#15 IDs of the PIV slots 9A, 9C, 82 and 83. */
const OPENSC_IDS = ['01', '02', '05', '06'];

describeWithPcscd(
  'an upgrade through a private pcscd, judged by OpenSC and openssl',
  () => {
    let pcscd: PrivatePcscd;
    let dir: string;
    const worlds: World[] = [];
    /** The reader of the running test. */
    let reader: string;
    const bridges: VpcdBridge[] = [];

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      // libpcsclite reads the socket name once, at this process's first PC/SC context.
      process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
      dir = mkdtempSync(join(tmpdir(), 'upgrade-e2e-'));
    });

    afterAll(async () => {
      for (const bridge of bridges) await bridge.close();
      for (const world of worlds) await world.close();
      await pcscd?.stop();
      if (dir) rmSync(dir, {recursive: true, force: true});
    });

    /** Puts `card` in vpcd slot `slot` (each test has its own reader) and waits until PC/SC sees it. */
    async function insert(card: VirtualPivCard, slot: 0 | 1): Promise<VpcdBridge> {
      reader = pcscd.readerNames[slot];
      // The card of the test before may still be reported there: present at once would then be that card's.
      await cardAbsent(reader);
      const bridge = connectVpcd({card, port: pcscd.port + slot, retryDelayMs: 50});
      bridges.push(bridge);
      await cardPresent(reader);
      return bridge;
    }

    /** Runs the upgrade through PC/SC with the engine and the given PIN. */
    /** The other PC/SC program (support/other-program-process.ts) in `mode` on the reader, its output collected. */
    function startOtherProgram(mode: 'poll' | 'reset') {
      const child = spawn(process.execPath, ['--import', 'tsx', OTHER_PROGRAM_ENTRY, reader, mode], {
        env: pcscd.env,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      return {
        child,
        output: () => output,
        /** Kills it, if it still runs, and waits until it is gone. */
        stop: async () => {
          child.kill('SIGKILL');
          await exited;
        },
      };
    }

    /** An upgrade through pcscd, to done; `hooks` see each state the autopilot meets and may hold its answer. */
    async function upgradeThroughPcsc(
      world: World,
      pin: string,
      hooks: Pick<Parameters<typeof autopilot>[1], 'onState' | 'waitAt'> = {},
    ): Promise<void> {
      const readers = new PcscCardReaders();
      const engine = world.engine({readers, preferredReader: reader});
      try {
        const final = await autopilot(engine, {pin, operation: 'upgrade', ...hooks});
        expect(final, JSON.stringify(world.log.filter((e) => e.event === 'flowFailed'))).toMatchObject({
          type: 'done',
        });
      } finally {
        await engine.dispose();
        await readers.close();
      }
    }

    const opensc = (tool: string, args: string[], env: NodeJS.ProcessEnv = {}) =>
      run(tool, args, {env: {...pcscd.env, OPENSC_DRIVER: 'PIV-II', ...env}, encoding: 'buffer'});

    /** OpenSC's view: the certificates it lists (ID -> DER). */
    async function certificatesSeenByOpensc(): Promise<Map<string, Uint8Array>> {
      const listing = (
        await opensc('pkcs15-tool', ['--reader', reader, '--list-certificates'])
      ).stdout.toString();
      const ids = [...listing.matchAll(/ID\s*:\s*([0-9a-f]+)/gi)].map((match) => match[1]!);
      const certificates = new Map<string, Uint8Array>();
      for (const id of ids) {
        const {stdout} = await opensc('pkcs15-tool', ['--reader', reader, '--read-certificate', id]);
        certificates.set(id, new Uint8Array(new X509Certificate(stdout.toString()).raw));
      }
      return certificates;
    }

    /**
     * Has OpenSC (PKCS#11) sign with the key `id`, and openssl verify the signature with the certificate. OpenSC
     * exposes 9A and 9C as signature keys; it exposes the retired slots 82.. as key-management keys (decrypt and
     * unwrap: pkcs15-piv.c), so for those the signature is made with the raw RSA private-key operation (RSA-X-509)
     * on the PKCS#1 v1.5 block of SHA-256 of the data: the very operation a PKCS#1 v1.5 signature is.
     */
    async function signsWithOpensc(id: string, certificate: Uint8Array, pin: string): Promise<void> {
      const x509 = new X509Certificate(certificate);
      const data = join(dir, `data-${id}`);
      const signature = join(dir, `signature-${id}`);
      const publicKey = join(dir, `public-${id}.pem`);
      writeFileSync(data, `signed by the key ${id} through OpenSC`);
      writeFileSync(publicKey, x509.publicKey.export({type: 'spki', format: 'pem'}));
      const isRetired = id !== '01' && id !== '02';
      const block = join(dir, `block-${id}`);
      if (isRetired) {
        const modulusBytes = (x509.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048) / 8;
        writeFileSync(block, pkcs1Block(readFileSync(data), modulusBytes));
      }
      // The PIN reaches pkcs11-tool through its environment (env:), not its argv.
      await opensc(
        'pkcs11-tool',
        [
          ...['--module', PKCS11_MODULE, '--login', '--pin', 'env:TEST_CARD_PIN', '--id', id],
          ...(isRetired
            ? ['--decrypt', '-m', 'RSA-X-509', '--input-file', block]
            : ['--sign', '-m', 'SHA256-RSA-PKCS', '--input-file', data]),
          ...['--output-file', signature],
        ],
        {TEST_CARD_PIN: pin},
      );
      const verified = await run('openssl', [
        'dgst',
        '-sha256',
        '-verify',
        publicKey,
        '-signature',
        signature,
        data,
      ]);
      expect(verified.stdout).toContain('Verified OK');
    }

    /** openssl verifies each certificate's chain to the service's root, through its issuing CA. */
    async function chainsVerifyWithOpenssl(world: World, certificates: Iterable<Uint8Array>): Promise<void> {
      const pem = (der: Uint8Array) => new X509Certificate(der).toString();
      const root = join(dir, 'root.pem');
      const intermediates = join(dir, 'intermediates.pem');
      writeFileSync(root, world.trust.anchors.map(pem).join(''));
      writeFileSync(intermediates, world.trust.intermediates.map(pem).join(''));
      for (const certificate of certificates) {
        const leaf = join(dir, 'leaf.pem');
        writeFileSync(leaf, pem(certificate));
        const {stdout} = await run('openssl', ['verify', '-CAfile', root, '-untrusted', intermediates, leaf]);
        expect(stdout).toContain('OK');
      }
    }

    async function judge(world: World, pin: string): Promise<void> {
      const seen = await certificatesSeenByOpensc();
      expect([...seen.keys()].sort()).toEqual(OPENSC_IDS);
      for (const [id, certificate] of seen) await signsWithOpensc(id, certificate, pin);
      await chainsVerifyWithOpenssl(world, seen.values());
    }

    it('upgrades an old-siths card: OpenSC then sees exactly the four new certificates and signs with each key', async () => {
      const world = await createWorld({keyAlgorithm: 'rsa-2048'});
      worlds.push(world);
      const bridge = await insert(world.card, 0);
      await upgradeThroughPcsc(world, PIN);
      await judge(world, PIN);
      await bridge.close();
    }, 120_000);

    it('upgrades an old-siths card while another program stays connected and keeps reading the card', async () => {
      const world = await createWorld({keyAlgorithm: 'rsa-2048'});
      worlds.push(world);
      const bridge = await insert(world.card, 0);
      const other = startOtherProgram('poll');
      const turns = () => Number([...other.output().matchAll(/polled (\d+)/g)].at(-1)?.[1] ?? 0);
      try {
        await vi.waitFor(() => expect(turns(), other.output()).toBeGreaterThanOrEqual(10), WAIT);
        const turnsBefore = turns();

        await upgradeThroughPcsc(world, PIN);

        // The other program stayed connected through the upgrade, never failed, and goes on using the card. Whether
        // it got a turn during the upgrade is pcscd's to decide: a client waiting for a transaction retries every
        // 100 ms (pcsclite's PCSCLITE_LOCK_POLL_RATE) and may miss every gap between the tool's steps.
        expect(other.child.exitCode, other.output()).toBeNull();
        await vi.waitFor(() => expect(turns(), other.output()).toBeGreaterThan(turnsBefore), WAIT);
        await other.stop();
        await judge(world, PIN);
      } finally {
        await other.stop();
        // Out of the reader whatever happened: OpenSC takes the first reader with a card in the next test.
        await bridge.close();
      }
    }, 120_000);

    it('upgrades an old-siths card while another program resets the card at each step: overview, terms, key generation, installation', async () => {
      const world = await createWorld({keyAlgorithm: 'rsa-2048'});
      worlds.push(world);
      const bridge = await insert(world.card, 0);
      const other = startOtherProgram('reset');
      try {
        await vi.waitFor(() => expect(other.output()).toContain('ready'), WAIT);
        // The moments the other program resets the card, once each (the flow after a reset passes them again).
        // On the overview and the terms the person is reading: the tool waits there until the reset is done, as
        // a person would. Key generation and installation begun: the reset lands when pcscd lets the other
        // program in, between two of the tool's transactions, or after the tool's last.
        let sent = 0;
        const reset = (moment: string) => {
          other.child.stdin!.write(`${moment}\n`);
          const turn = ++sent;
          return vi
            .waitFor(() => expect(other.output()).toContain(`reset ${turn}`), WAIT)
            .then(() => undefined);
        };
        const whileReading = new Set(['card-ready', 'awaiting-terms']);
        const whileWorking = new Set([
          `upgrading ${Step.GenerateRequests}`,
          `upgrading ${Step.FetchAndInstall}`,
        ]);
        await upgradeThroughPcsc(world, PIN, {
          onState: (state) => {
            if (state.type === 'upgrading' && whileWorking.delete(`upgrading ${state.step}`))
              void reset(`upgrading ${state.step}`);
          },
          waitAt: (state) => (whileReading.delete(state.type) ? reset(state.type) : undefined),
        });

        expect([...whileReading, ...whileWorking], 'every moment was reached').toEqual([]);
        await vi.waitFor(() => expect(other.output()).toContain('reset 4'), WAIT);
        expect(other.output()).not.toMatch(/error/i);
        // The tool met at least the two resets it waited for (pcscd told it, or the card's answers showed it) and
        // recovered from each; the others it meets, or not, depending on where they landed.
        expect(world.log.filter((entry) => entry.event === 'cardResetSeen').length).toBeGreaterThanOrEqual(2);
        await other.stop();
        await judge(world, PIN);
      } finally {
        await other.stop();
        // Out of the reader whatever happened: OpenSC takes the first reader with a card in the next test.
        await bridge.close();
      }
    }, 120_000);

    it('upgrades a card that yubico-piv-tool set up through pcscd', async () => {
      // yubico-piv-tool 2.2 authenticates with 3DES: a YubiKey before 5.7, whose factory management key is 3DES.
      // A YubiKey's F9 certificate is signed by its maker's root, which the service is configured with.
      const makerRoot = await createCertificateAuthority({
        name: [{type: 'commonName', value: 'Test Maker PIV Attestation Root'}],
        keyAlgorithm: 'ecc-p256',
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 365 * 86_400_000),
      });
      const card = new VirtualPivCard({
        state: await blankCard({firmware: {major: 5, minor: 4, patch: 3}, attestationRoot: makerRoot}),
        timing: INSTANT_TIMING,
      });
      const bridge = await insert(card, 1);
      const piv = (...args: string[]) =>
        run('yubico-piv-tool', ['--reader', reader, ...args], {env: pcscd.env});
      await piv('--action', 'set-chuid', '--action', 'set-ccc');
      const publicKeys = new Map<string, string>();
      for (const slot of ['9a', '9c']) {
        const output = join(dir, `yubico-${slot}.pem`);
        await piv('--action', 'generate', '--slot', slot, '--algorithm', 'RSA2048', '--output', output);
        publicKeys.set(slot, readFileSync(output, 'utf8'));
      }
      const cardNumber = await readCardNumber();
      const world = await createWorld({
        keyAlgorithm: 'rsa-2048',
        extraPersons: [
          {
            hsaId: 'SE2321000016-1009',
            personnummer: '191212121295',
            givenName: 'Ivar',
            surname: 'IT',
            organisation: 'Region Demo IT',
            cards: [{number: cardNumber, status: 'received'}],
          },
        ],
        fixedManagementKeys: new Map([[cardNumber, FACTORY_MANAGEMENT_KEY]]),
        extraAttestationRoots: [makerRoot.certificate],
      });
      worlds.push(world);
      const old = world.settings.authorities.find((a) => a.id === 'old')!;
      for (const [slot, publicKey] of publicKeys) {
        const certificate = await issueCertificate({
          subject: [
            {type: 'countryName', value: 'SE'},
            {type: 'commonName', value: 'Ivar IT'},
            {type: 'serialNumber', value: 'SE2321000016-1009'},
          ],
          subjectPublicKey: new Uint8Array(createPublicKey(publicKey).export({type: 'spki', format: 'der'})),
          issuer: {certificate: old.certificate, privateKey: old.privateKey!},
          serialNumber: randomSerialNumber(),
          notBefore: new Date(Date.now() - 86_400_000),
          notAfter: new Date(Date.now() + 365 * 86_400_000),
          extensions: {
            keyUsage: [slot === '9a' ? KeyUsage.DigitalSignature : KeyUsage.NonRepudiation],
            ...(slot === '9a' && {extendedKeyUsage: [EKU_CLIENT_AUTH]}),
            subjectAltName: {cardNumber},
          },
        });
        const file = join(dir, `yubico-${slot}-certificate.pem`);
        writeFileSync(file, new X509Certificate(certificate).toString());
        await piv('--action', 'import-certificate', '--slot', slot, '--input', file);
      }
      await upgradeThroughPcsc(world, FACTORY_PIN);
      await judge(world, FACTORY_PIN);
      await bridge.close();
    }, 120_000);

    /** The card number the session reads from the CHUID yubico-piv-tool wrote. */
    async function readCardNumber(): Promise<string> {
      const readers = await PcscReaders.open();
      try {
        const session = await PivSession.open(await readers.connect(reader));
        const {cardNumber, cardId} = await session.readIdentity();
        await session.close();
        return cardNumber ?? cardId;
      } finally {
        readers.close();
      }
    }
  },
  ['pkcs15-tool', 'pkcs11-tool', 'yubico-piv-tool', 'openssl'],
);

/** SHA-256 DigestInfo prefix (RFC 8017 section 9.2, note 1). */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/** The PKCS#1 v1.5 signature block (EMSA-PKCS1-v1_5, RFC 8017 section 9.2) of SHA-256 over `data`. */
function pkcs1Block(data: Uint8Array, length: number): Uint8Array {
  const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(data).digest()]);
  const block = Buffer.alloc(length, 0xff);
  block[0] = 0x00;
  block[1] = 0x01;
  block[length - digestInfo.length - 1] = 0x00;
  digestInfo.copy(block, length - digestInfo.length);
  return block;
}
