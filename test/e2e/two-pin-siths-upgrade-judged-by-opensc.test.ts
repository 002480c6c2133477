import {spawn, type ChildProcess} from 'node:child_process';
import {createHash, X509Certificate} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {DEFAULT_EID_PINS} from '../../source/card/virtual/eid/profiles.js';
import {loadEidCardState} from '../../source/card/virtual/eid/state-file.js';
import {SIMULATED_HOLDER} from '../../source/card/virtual/simulate.js';
import {loadServiceSettings, type ServiceSettings} from '../../source/service/config.js';
import {createDemoSetup} from '../../source/service/demo-setup.js';
import {startService, type RunningService} from '../../source/service/start.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {buildBundle, type TestBundle} from './support/bundle.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  OPENSC_PKCS11_MODULE,
  runTool,
  waitForCardPresence,
  type ToolResult,
  type ToolWorkspace,
} from './support/third-party-tools.js';
import {httpsClient} from '../service/https-client.js';
import {TmuxTerminal} from './support/tmux-terminal.js';

/**
 * The whole upgrade of the two-PIN SITHS card as staff do it, judged by OpenSC and openssl: the reference service
 * over HTTPS on loopback, the card from the CLI's own `simulate --card siths-eid --for-service` behind a private
 * pcscd and the vpcd reader, and the bundled CLI in a real terminal (tmux), a person typing one wrong code for
 * each PIN before the right one. Afterwards pkcs15-tool lists both PINs and the PUK, the four new keys and
 * certificates and none of the old ones; pkcs11-tool signs with each new key in the slot of its PIN; openssl
 * verifies the signatures and the chains; the old certificates are on the old CA's CRL. The same once more in
 * plain mode, with the answers piped in as a script would.
 */

const t = catalogues.sv;
const {authentication: LEGITIMERING, signature: UNDERSKRIFT} = DEFAULT_EID_PINS;
const WRONG_CODE = '000000';
/** The DER DigestInfo in front of a SHA-256 hash (RFC 8017 clause 9.2 note 1). */
const SHA256_DIGEST_INFO_PREFIX = Buffer.from('3031300d060960864801650304020105000420', 'hex');
/** The PKCS#15 auth IDs of the card's AODF, and the PIN each names: OpenSC makes a PKCS#11 slot for each PIN. */
const PIN_OF_AUTH_ID: Readonly<Record<string, string>> = {'01': 'Legitimering', '02': 'Underskrift'};

/** A private key as pkcs15-tool --dump lists it. */
interface ListedKey {
  readonly label: string;
  readonly id: string;
  readonly authId: string;
  readonly usage: string;
}

describeWithPcscd(
  'the two-PIN SITHS card upgraded through pcscd, judged by OpenSC and openssl',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    let bundle: TestBundle;
    let configPath: string;
    let settings: ServiceSettings;
    const services: RunningService[] = [];
    const simulators: ChildProcess[] = [];
    let terminal: TmuxTerminal | undefined;

    beforeAll(async () => {
      bundle = buildBundle();
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd, {isResetOnDisconnect: true});
      ({configPath} = await createDemoSetup(workspace.path('service')));
      settings = await loadServiceSettings(configPath);
    }, 120_000);

    afterAll(async () => {
      terminal?.kill();
      for (const simulator of simulators) simulator.kill('SIGKILL');
      for (const service of services) await service.close();
      await pcscd?.stop();
      await workspace?.remove();
      bundle?.remove();
    });

    /** The CLI's environment: the private pcscd, Swedish, no user settings. */
    function environment(): Record<string, string> {
      return {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        TERM: 'xterm-256color',
        LANG: 'sv_SE.UTF-8',
        HOME: workspace.directory,
        PCSCLITE_CSOCK_NAME: pcscd.socketPath,
        SITHS_UPGRADE_CONFIG_DIR: workspace.path('config'),
        XDG_STATE_HOME: workspace.path('state'),
      };
    }

    /**
     * A service of its own (a fresh store) and an old two-PIN card from its old CA in vpcd slot `slot`; resolves
     * with what the CLI needs to reach both and the card's state file.
     */
    async function serviceAndCard(
      slot: 0 | 1,
    ): Promise<{args: string[]; state: string; service: RunningService}> {
      const service = await startService({
        config: settings,
        store: workspace.path(`store-${slot}.sqlite`),
        listen: {host: '127.0.0.1', port: 0},
      });
      services.push(service);
      const caFile = workspace.path(`service-ca-${slot}.pem`);
      writeFileSync(caFile, new X509Certificate(service.caCertificate).toString());
      const state = workspace.path(`card-${slot}.json`);
      const simulator = spawn(
        process.execPath,
        [
          ...[bundle.cli, 'simulate', '--card', 'siths-eid', '--for-service', configPath],
          ...['--timing', 'instant', '--state', state, '--vpcd', `127.0.0.1:${pcscd.port + slot}`],
        ],
        {env: environment(), stdio: 'ignore'},
      );
      simulators.push(simulator);
      await waitForCardPresence(pcscd, true, slot);
      return {
        args: ['--service', service.url, '--service-ca', caFile, '--reader', pcscd.readerNames[slot]],
        state,
        service,
      };
    }

    function tool(command: string, args: readonly string[]): Promise<ToolResult> {
      return runTool(command, args, {env: workspace.env, cwd: workspace.directory});
    }

    /** The certificates pkcs15-tool lists (ID -> certificate), CA certificates left out. */
    async function certificatesOnCard(reader: string): Promise<Map<string, X509Certificate>> {
      const listed = await tool('pkcs15-tool', ['--reader', reader, '--list-certificates']);
      expect(listed.code, listed.stderr).toBe(0);
      const found = new Map<string, X509Certificate>();
      for (const block of listed.stdout.split(/\n(?=X\.509 Certificate)/)) {
        const id = /^\s*ID\s*:\s*([0-9a-f]+)/im.exec(block)?.[1];
        if (id === undefined || /Authority\s*:\s*yes/.test(block)) continue;
        const read = await tool('pkcs15-tool', ['--reader', reader, '--read-certificate', id]);
        expect(read.code, read.stderr).toBe(0);
        found.set(id, new X509Certificate(read.stdout));
      }
      return found;
    }

    /** The private keys pkcs15-tool --dump lists. */
    function privateKeys(dump: string): ListedKey[] {
      return dump
        .split(/\n(?=\S)/)
        .filter((block) => block.startsWith('Private RSA Key'))
        .map((block) => ({
          label: /^Private RSA Key \[(.*)\]/.exec(block)![1]!,
          id: /^\s*ID\s*:\s*([0-9a-f]+)/im.exec(block)![1]!,
          authId: /^\s*Auth ID\s*:\s*([0-9a-f]+)/im.exec(block)![1]!,
          usage: /^\s*Usage\s*:\s*(.*)$/im.exec(block)![1]!,
        }));
    }

    /** The id of the PKCS#11 slot OpenSC makes for PIN `pinLabel` of the card in `reader`. */
    async function slotOf(reader: string, pinLabel: string): Promise<string> {
      const listed = await tool('pkcs11-tool', ['--module', OPENSC_PKCS11_MODULE, '--list-slots']);
      const slot = listed.stdout
        .split(/\n(?=Slot )/)
        .find((block) => block.includes(reader) && block.includes(`(${pinLabel})`));
      const id = slot === undefined ? undefined : /^Slot \d+ \((0x[0-9a-f]+)\)/.exec(slot)?.[1];
      expect(id, listed.stdout).toBeDefined();
      return id!;
    }

    /**
     * Has pkcs11-tool sign `document.txt` with key `id` in the slot of its PIN (the DigestInfo of SHA-256 with
     * RSA-PKCS, as applications sign on this card), and openssl verify the signature with `certificate`.
     */
    async function signsAndVerifies(
      reader: string,
      key: ListedKey,
      certificate: X509Certificate,
    ): Promise<ToolResult> {
      const pin = key.authId === '01' ? LEGITIMERING : UNDERSKRIFT;
      const document = readFileSync(workspace.path('document.txt'));
      const digestInfo = Buffer.concat([
        SHA256_DIGEST_INFO_PREFIX,
        createHash('sha256').update(document).digest(),
      ]);
      writeFileSync(workspace.path('document.digest-info'), digestInfo);
      writeFileSync(
        workspace.path(`key-${key.id}.pem`),
        certificate.publicKey.export({type: 'spki', format: 'pem'}),
      );
      const slot = await slotOf(reader, PIN_OF_AUTH_ID[key.authId]!);
      const signed = await tool('pkcs11-tool', [
        ...['--module', OPENSC_PKCS11_MODULE, '--slot', slot, '--login', '--pin', pin],
        ...['--sign', '--id', key.id, '--mechanism', 'RSA-PKCS'],
        ...['--input-file', 'document.digest-info', '--output-file', `document-${key.id}.sig`],
      ]);
      expect(signed.code, `${key.label}: ${signed.stderr}`).toBe(0);
      return tool('openssl', [
        ...['dgst', '-sha256', '-verify', `key-${key.id}.pem`],
        ...['-signature', `document-${key.id}.sig`, 'document.txt'],
      ]);
    }

    /** openssl's verdict on `certificate`'s chain to the service's root through its issuing CA. */
    function verifiesChain(certificate: X509Certificate, name: string): Promise<ToolResult> {
      const pem = (der: Uint8Array) => new X509Certificate(der).toString();
      const root = settings.authorities.filter((authority) => authority.id === 'root');
      const intermediates = settings.authorities.filter((authority) => authority.id !== 'root');
      writeFileSync(workspace.path('root.pem'), root.map((authority) => pem(authority.certificate)).join(''));
      writeFileSync(
        workspace.path('intermediates.pem'),
        intermediates.map((authority) => pem(authority.certificate)).join(''),
      );
      writeFileSync(workspace.path(`${name}.pem`), certificate.toString());
      return tool('openssl', [
        ...['verify', '-CAfile', 'root.pem', '-untrusted', 'intermediates.pem', `${name}.pem`],
      ]);
    }

    /** The card's files and their contents as its state file holds them (the card saves after every change). */
    function fileTree(state: string): string {
      return JSON.stringify((JSON.parse(readFileSync(state, 'utf8')) as {root: unknown}).root);
    }

    /** The serial numbers (upper-case hex) on the old CA's CRL, as openssl reads it from the service. */
    async function revokedByOldCa(service: RunningService): Promise<string[]> {
      const answer = await httpsClient(service.url, service.caCertificate)('GET', '/v1/crl/old.crl');
      expect(answer.status).toBe(200);
      writeFileSync(workspace.path('old.crl'), answer.raw);
      const text = await tool('openssl', ['crl', '-inform', 'DER', '-in', 'old.crl', '-noout', '-text']);
      expect(text.code, text.stderr).toBe(0);
      return [...text.stdout.matchAll(/Serial Number:\s*([0-9A-F]+)/gi)].map((match) =>
        match[1]!.toUpperCase(),
      );
    }

    /** Judges the card in `reader` after an upgrade that replaced the certificates `old`. */
    async function judge(reader: string, service: RunningService, old: X509Certificate[], state: string) {
      const dumped = await tool('pkcs15-tool', ['--reader', reader, '--dump']);
      expect(dumped.code, dumped.stderr).toBe(0);
      expect(dumped.stdout).toMatch(/PIN \[Legitimering\][^]*?Reference\s+: 129 \(0x81\)/);
      expect(dumped.stdout).toMatch(/PIN \[Underskrift\][^]*?Reference\s+: 130 \(0x82\)/);
      expect(dumped.stdout).toMatch(/PIN \[PUK\][^]*?unblockingPin/);

      const keys = privateKeys(dumped.stdout);
      expect(keys).toHaveLength(4);
      expect(keys.filter((key) => key.authId === '01' && key.usage.includes('sign'))).toHaveLength(2);
      expect(keys.filter((key) => key.authId === '02' && key.usage.includes('nonRepudiation'))).toHaveLength(
        2,
      );

      const certificates = await certificatesOnCard(reader);
      expect([...certificates.keys()].sort()).toEqual(keys.map((key) => key.id).sort());
      const oldSerials = old.map((certificate) => certificate.serialNumber);
      for (const certificate of certificates.values()) {
        expect(oldSerials).not.toContain(certificate.serialNumber);
        expect(certificate.issuer).toMatch(/SITHS Demo e-id (HSA-id|Personnummer) CA v2/);
      }
      const subjects = [...certificates.values()].map((certificate) => certificate.subject).join('\n');
      expect(subjects).toContain(SIMULATED_HOLDER.hsaId);
      expect(subjects).toContain('191212121212');

      writeFileSync(workspace.path('document.txt'), 'signed on the upgraded two-PIN card\n');
      for (const key of keys) {
        const verified = await signsAndVerifies(reader, key, certificates.get(key.id)!);
        expect(verified.stdout.trim(), key.label).toBe('Verified OK');
      }
      for (const [id, certificate] of certificates) {
        const chain = await verifiesChain(certificate, `new-${id}`);
        expect(chain.stdout, chain.stderr).toContain(': OK');
      }

      const revoked = await revokedByOldCa(service);
      for (const serial of oldSerials) expect(revoked).toContain(serial);

      // Signing through OpenSC took the right PIN each time: both still have all their tries.
      const pins = loadEidCardState(state).pins;
      expect([...pins.values()].map((pin) => pin.remainingRetries)).toEqual([3, 3, 10]);
    }

    /** Types `code` once the PIN field shows `prompt`, and Enter once the field shows it masked. */
    async function typeCode(prompt: string, code: string): Promise<void> {
      await terminal!.waitFor(20_000, prompt);
      terminal!.type(code);
      await terminal!.waitFor(5_000, '●'.repeat(code.length));
      expect(terminal!.screen()).not.toContain(code);
      terminal!.press('Enter');
    }

    it('upgrades the card in the full-screen tool, a wrong code typed for each PIN first', async () => {
      const {args, state, service} = await serviceAndCard(0);
      const reader = pcscd.readerNames[0];
      const old = [...(await certificatesOnCard(reader)).values()];
      expect(old).toHaveLength(2);
      terminal = new TmuxTerminal({
        command: [process.execPath, bundle.cli, ...args].map((arg) => `'${arg}'`).join(' '),
        columns: 100,
        rows: 30,
        cwd: workspace.directory,
        env: environment(),
      });

      await terminal!.waitFor(20_000, t.welcome.heading, t.welcome.needPins);
      terminal.press('Enter');
      await terminal!.waitFor(
        30_000,
        t.overview.holder,
        'Anna Andersson',
        t.overview.verdicts['needs-upgrade'],
      );
      terminal.press('Enter');

      // 3: the Legitimering PIN, wrong first: the card counts it, the person is told the tries left.
      await terminal!.waitFor(10_000, t.pin.twoPins);
      await typeCode(t.pin.prompts.login, WRONG_CODE);
      await terminal!.waitFor(10_000, t.pin.wrongCode, t.pin.triesLeft(2));
      expect(loadEidCardState(state).pins.get(0x81)!.remainingRetries).toBe(2);
      await typeCode(t.pin.prompts.login, LEGITIMERING);

      // 4-5: the menu, the terms.
      const filesBeforeTheTerms = fileTree(state);
      await terminal!.waitFor(20_000, t.menu.heading, `1. ${t.menu.operations.upgrade}`);
      terminal.press('Enter');
      await terminal!.waitFor(20_000, t.terms.accept, t.terms.startDownload);
      // While the terms are read the card generates the four new keys, and the screen says it may be removed.
      await terminal!.waitFor(20_000, t.terms.prepared(4));
      const filesPrepared = fileTree(state);
      expect(filesPrepared).not.toBe(filesBeforeTheTerms);
      terminal.press('Space');
      await terminal!.waitFor(5_000, '[✔]');
      terminal.press('Enter');

      // The Underskrift PIN before anything else is written, wrong first: the card is left as it was.
      await typeCode(t.pin.prompts.signature, WRONG_CODE);
      await terminal!.waitFor(10_000, t.pin.wrongCode, t.pin.triesLeft(2));
      expect(loadEidCardState(state).pins.get(0x82)!.remainingRetries).toBe(2);
      expect(fileTree(state)).toBe(filesPrepared);
      await typeCode(t.pin.prompts.signature, UNDERSKRIFT);

      // 6-10: the progress, then done; q quits with 0.
      await terminal!.waitFor(120_000, t.done.heading.slice(0, 30), t.done.removeCard);
      terminal.press('q');
      await vi.waitFor(() => expect(terminal!.exitStatus()).toBe(0), {timeout: 10_000});
      expect(terminal.transcript()).not.toContain(LEGITIMERING);

      await judge(reader, service, old, state);
    }, 300_000);

    it('upgrades the card in plain mode, the answers piped in one a line', async () => {
      const {args, state, service} = await serviceAndCard(1);
      const reader = pcscd.readerNames[1];
      const old = [...(await certificatesOnCard(reader)).values()];
      const answers = [WRONG_CODE, LEGITIMERING, '1', 'j', WRONG_CODE, UNDERSKRIFT, ''].join('\n');

      const plain = await runTool(process.execPath, [bundle.cli, '--plain', ...args], {
        env: environment(),
        input: answers,
        timeoutMs: 240_000,
      });

      expect(plain.code, `${plain.stdout}\n${plain.stderr}`).toBe(0);
      const lines = plain.stdout.split('\n');
      expect(lines.filter((line) => line.includes(t.pin.wrongCode))).toHaveLength(2);
      expect(plain.stdout).toContain(t.pin.prompts.login);
      expect(plain.stdout).toContain(t.pin.prompts.signature);
      expect(plain.stdout).toContain(t.done.heading);
      for (const code of [LEGITIMERING, UNDERSKRIFT])
        expect(`${plain.stdout}${plain.stderr}`).not.toContain(code);
      await judge(reader, service, old, state);
    }, 300_000);
  },
  ['pkcs15-tool', 'pkcs11-tool', 'openssl', 'tmux'],
);
