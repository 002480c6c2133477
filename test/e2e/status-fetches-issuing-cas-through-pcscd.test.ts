import {X509Certificate} from 'node:crypto';
import {writeFileSync} from 'node:fs';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {connectVpcd, type VpcdBridge} from '../../source/card/virtual/vpcd.js';
import {createCertificateAuthority} from '../../source/pki/issue.js';
import {startService} from '../../source/service/start.js';
import {PcscCardReaders} from '../../source/upgrade/adapters/pcsc-readers.js';
import {autopilot} from '../upgrade/support/autopilot.js';
import {createWorld, PIN, type World} from '../upgrade/support/world.js';
import {buildBundle, type TestBundle} from './support/bundle.js';
import {cardPresent, describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {createToolWorkspace, runTool, type ToolWorkspace} from './support/third-party-tools.js';

/**
 * issue 13 item 16: with --service-ca holding only the service's root, the bundled CLI's `status` and `test` tell
 * a freshly upgraded card from an old one, because they fetch the issuing CAs from the service (GET
 * /v1/authorities) and check them against that root. The card is upgraded by the engine through a real private
 * pcscd, then judged by the CLI through the same pcscd, against the same reference service over HTTPS.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

describeWithPcscd('status and test with the service’s root only, through pcscd', () => {
  let pcscd: PrivatePcscd;
  let workspace: ToolWorkspace;
  let bundle: TestBundle | undefined;
  let world: World;
  let bridge: VpcdBridge;
  let reader: string;

  beforeAll(async () => {
    bundle = buildBundle();
    pcscd = await startPrivatePcscd();
    // libpcsclite reads the socket name once, at this process's first PC/SC context.
    process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
    workspace = await createToolWorkspace(pcscd);
    world = await createWorld();
    reader = pcscd.readerNames[0];
    bridge = connectVpcd({card: world.card, port: pcscd.port, retryDelayMs: 50});
    await cardPresent(reader);
    const pem = (der: Uint8Array) => new X509Certificate(der).toString();
    writeFileSync(workspace.path('root.pem'), world.trust.anchors.map(pem).join(''));
    writeFileSync(
      workspace.path('bundle.pem'),
      [...world.trust.anchors, ...world.trust.intermediates].map(pem).join(''),
    );
  }, 120_000);

  afterAll(async () => {
    await bridge?.close();
    await world?.close();
    await pcscd?.stop();
    await workspace?.remove();
    bundle?.remove();
  });

  function cli(args: readonly string[], input = '') {
    const env: NodeJS.ProcessEnv = {
      ...workspace.env,
      LANG: 'en_GB.UTF-8',
      SITHS_UPGRADE_CONFIG_DIR: workspace.path('config'),
      XDG_STATE_HOME: workspace.path('state'),
    };
    return runTool(process.execPath, [bundle!.cli, ...args, '--reader', reader], {env, input});
  }

  const withService = (caFile: string) => [
    '--service',
    world.service.url,
    '--service-ca',
    workspace.path(caFile),
  ];

  it('reports the card as needing the upgrade before it is upgraded', async () => {
    const status = await cli(['status', '--plain', ...withService('root.pem')]);
    expect(status.code, status.stdout + status.stderr).toBe(10);
    expect(status.stdout).toContain('The card needs the upgrade.');
  });

  it('upgrades the card with the engine through pcscd', async () => {
    const readers = new PcscCardReaders();
    const engine = world.engine({readers, preferredReader: reader});
    try {
      const final = await autopilot(engine, {pin: PIN, operation: 'upgrade'});
      expect(final).toMatchObject({type: 'done'});
    } finally {
      await engine.dispose();
      await readers.close();
    }
  }, 120_000);

  it('says with 0 that the upgraded card is upgraded, knowing only the root and the service', async () => {
    const status = await cli(['status', '--plain', ...withService('root.pem')]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain('The card is already upgraded.');
    expect(status.stdout).not.toContain('The card needs the upgrade.');
  });

  it('tests the upgraded e-id with 0, knowing only the root and the service', async () => {
    const tested = await cli(['test', ...withService('root.pem')], `${PIN}\n`);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain('Your e-id works');
  });

  it('without the service judges by the CA file alone: the root only is not enough, a bundle is', async () => {
    const rootOnly = await cli(['status', '--plain', '--service-ca', workspace.path('root.pem')]);
    expect(rootOnly.code).toBe(10);
    const withBundle = await cli(['status', '--plain', '--service-ca', workspace.path('bundle.pem')]);
    expect(withBundle.code, withBundle.stdout + withBundle.stderr).toBe(0);
  });

  it('refuses with 5 a service whose issuing CA another key signed, and judges the card by nothing', async () => {
    // The same TLS certificate and root file; but the issuing CA is under another root of the root's name.
    const validity = {
      notBefore: new Date(Date.now() - DAY_MS),
      notAfter: new Date(Date.now() + 365 * DAY_MS),
    };
    const otherRoot = await createCertificateAuthority({
      // The demo root's name (source/service/demo-setup.ts).
      name: [
        {type: 'countryName', value: 'SE'},
        {type: 'organizationName', value: 'SITHS Demo'},
        {type: 'commonName', value: 'SITHS Demo Root CA v2'},
      ],
      keyAlgorithm: 'ecc-p256',
      ...validity,
    });
    const forgedIssuer = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Forged issuing CA'}],
      keyAlgorithm: 'ecc-p256',
      parent: otherRoot,
      pathLength: 0,
      ...validity,
    });
    const impostor = await startService({
      config: {
        ...world.settings,
        authorities: [
          ...world.settings.authorities,
          {id: 'other-root', certificate: otherRoot.certificate},
          {id: 'forged', certificate: forgedIssuer.certificate, privateKey: forgedIssuer.privateKey},
        ],
        root: 'other-root',
        issuers: {'hsa-id': 'forged', personnummer: 'forged'},
      },
      store: workspace.path('impostor.sqlite'),
      listen: {host: '127.0.0.1', port: 0},
    });
    try {
      const args = ['--service', impostor.url, '--service-ca', workspace.path('root.pem')];
      const status = await cli(['status', '--plain', ...args]);
      expect(status.code, status.stdout + status.stderr).toBe(5);
      expect(status.stderr).toContain("The service's issuing CAs could not be verified");
      expect(status.stdout).not.toContain('The card is already upgraded.');
      const tested = await cli(['test', ...args], `${PIN}\n`);
      expect(tested.code).toBe(5);
    } finally {
      await impostor.close();
    }
  });
});
