/**
 * Part 6 of `npm run bench`: yubico-piv-tool doing the card work of the PIV upgrade on the same virtual card model
 * (JCOP4 timing), through a private pcscd and the vpcd reader: for each of the four RSA-2048 keys of the default
 * PIV plan (82, 83, 9A, 9C) a key generated, a certificate imported, and two signatures made with the key
 * (`test-signature`, standing for the request's and the test signature the upgrade makes: Debian's
 * yubico-piv-tool 2.2 built against OpenSSL 3 cannot sign a request, Yubico/yubico-piv-tool#388). The
 * old certificates are overwritten in 9A and 9C, as the upgrade does (it deletes none on this card). The
 * certificates come from openssl, outside the time measured. The card's throwaway factory PIN and management key
 * reach the tool on stdin (its --stdin-input flag), as in test/e2e/yubico-piv-tool-drives-virtual-card.test.ts.
 */
import {blankCard} from '../source/card/virtual/profiles.js';
import {DEFAULT_PIN} from '../source/card/virtual/state.js';
import {JCOP4_TIMING} from '../source/card/virtual/timing.js';
import {VirtualPivCard} from '../source/card/virtual/virtual-card.js';
import {connectVpcd} from '../source/card/virtual/vpcd.js';
import {startPrivatePcscd, type PrivatePcscd} from '../test/e2e/support/pcscd.js';
import {createToolWorkspace, runTool} from '../test/e2e/support/third-party-tools.js';

/** yubico-piv-tool 2.2 knows only 3DES management keys: a card of firmware 5.4.3 has one from the factory. */
const FIRMWARE = {major: 5, minor: 4, patch: 3};
const FACTORY_MANAGEMENT_KEY = '010203040506070801020304050607080102030405060708';
const SLOTS = ['82', '83', '9a', '9c'] as const;
/** RSA-2048 generation on the JCOP4 model takes seconds; a slow draw must not be killed. */
const TOOL_TIMEOUT_MS = 120_000;

/** Waits (outside vitest: no vi.waitFor) until opensc-tool lists the first vpcd reader with a card. */
async function cardPresent(pcscd: PrivatePcscd): Promise<void> {
  const row = new RegExp(String.raw`^\d+\s+Yes\s+${pcscd.readerNames[0]}$`, 'm');
  for (let attempt = 0; attempt < 100; attempt++) {
    const {stdout} = await runTool('opensc-tool', ['--list-readers'], {env: pcscd.env});
    if (row.test(stdout)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the virtual card did not appear in the vpcd reader');
}

/** Milliseconds yubico-piv-tool takes for the card work, summed over its runs (openssl's excluded). */
export async function yubicoPivToolMs(): Promise<number> {
  const pcscd = await startPrivatePcscd();
  const workspace = await createToolWorkspace(pcscd);
  const card = new VirtualPivCard({state: await blankCard({firmware: FIRMWARE}), timing: JCOP4_TIMING});
  const bridge = connectVpcd({card, port: pcscd.port, retryDelayMs: 50});
  await cardPresent(pcscd);
  const run = async (command: string, args: readonly string[], secrets: readonly string[] = []) => {
    const result = await runTool(command, args, {
      env: workspace.env,
      cwd: workspace.directory,
      input: secrets.map((secret) => `${secret}\n`).join(''),
      timeoutMs: TOOL_TIMEOUT_MS,
    });
    if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  };
  let toolMs = 0;
  const piv = async (args: readonly string[], secrets: readonly string[]) => {
    const started = performance.now();
    await run('yubico-piv-tool', ['--reader', pcscd.readerNames[0]!, '--stdin-input', ...args], secrets);
    toolMs += performance.now() - started;
  };
  try {
    await run('openssl', [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'],
      ...['-keyout', 'ca.key', '-out', 'ca.pem', '-subj', '/CN=Bench CA', '-days', '2'],
    ]);
    for (const slot of SLOTS) {
      const certificate = `certificate-${slot}.pem`;
      await piv(
        ['-k', '-a', 'generate', '-s', slot, '-A', 'RSA2048', '-o', `public-${slot}.pem`],
        [FACTORY_MANAGEMENT_KEY],
      );
      await run('openssl', [
        ...['x509', '-new', '-force_pubkey', `public-${slot}.pem`, '-subj', '/CN=Anna Andersson'],
        ...['-CA', 'ca.pem', '-CAkey', 'ca.key', '-days', '1', '-out', certificate],
      ]);
      await piv(['-k', '-a', 'import-certificate', '-s', slot, '-i', certificate], [FACTORY_MANAGEMENT_KEY]);
      // Two signatures, as the upgrade makes (the request's and the test signature), each judged by the tool.
      for (let signature = 0; signature < 2; signature++) {
        await piv(['-a', 'verify-pin', '-a', 'test-signature', '-s', slot, '-i', certificate], [DEFAULT_PIN]);
      }
    }
    return toolMs;
  } finally {
    await bridge.close();
    await pcscd.stop();
    await workspace.remove();
  }
}
