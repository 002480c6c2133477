import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {afterAll, beforeAll, expect, it} from 'vitest';
import {loadCardState} from '../../source/card/virtual/state-file.js';
import {buildBundle, type TestBundle} from './support/bundle.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  runTool,
  waitForCardPresence,
  type ToolWorkspace,
} from './support/third-party-tools.js';

/**
 * The IT commands of the bundled CLI against a real pcscd, with the card put in the vpcd reader by the CLI's own
 * `simulate`: status (text and JSON), test, pin change, a wrong PIN, and simulate ending cleanly on SIGTERM.
 */

describeWithPcscd(
  'the IT commands through pcscd',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    let simulator: ChildProcessWithoutNullStreams;
    let simulatorExit: Promise<number | null>;
    let bundle: TestBundle | undefined;

    beforeAll(async () => {
      bundle = buildBundle();
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd);
      simulator = spawn(
        process.execPath,
        [
          bundle.cli,
          'simulate',
          '--state',
          workspace.path('card.json'),
          '--vpcd',
          `127.0.0.1:${pcscd.port}`,
          '--timing',
          'instant',
        ],
        {env: environment(), stdio: ['pipe', 'pipe', 'pipe']},
      );
      simulatorExit = new Promise((resolve) => simulator.once('exit', (code) => resolve(code)));
      await waitForCardPresence(pcscd, true);
    }, 120_000);

    afterAll(async () => {
      if (simulator !== undefined && simulator.exitCode === null) simulator.kill('SIGKILL');
      await pcscd?.stop();
      await workspace?.remove();
      bundle?.remove();
    });

    /** The CLI's environment: the private pcscd, English, no user settings, no terminal. */
    function environment(): NodeJS.ProcessEnv {
      const env: NodeJS.ProcessEnv = {
        ...workspace.env,
        LANG: 'en_GB.UTF-8',
        SITHS_UPGRADE_CONFIG_DIR: workspace.path('config'),
        XDG_STATE_HOME: workspace.path('state'),
      };
      delete env['NO_COLOR'];
      return env;
    }

    function cli(args: readonly string[], input = '') {
      return runTool(process.execPath, [bundle!.cli, ...args], {env: environment(), input});
    }

    it('shows the card status as text and JSON, and says with 10 that the card still needs the upgrade', async () => {
      const text = await cli(['status', '--reader', pcscd.readerNames[0]]);
      expect(text.code).toBe(10);
      expect(text.stdout).toContain('Card holder: Anna Andersson');
      expect(text.stdout).toContain('HSA-id: SE2321000016-1001');
      expect(text.stdout).toContain('The card needs the upgrade.');

      const json = await cli(['status', '--json']);
      expect(json.code).toBe(10);
      const status = JSON.parse(json.stdout) as {
        holder: string;
        cardNumber: string;
        isUpgraded: boolean;
        pinTriesLeft: number;
        certificates: {slot: string; purpose: string; isNew: boolean}[];
      };
      expect(status).toMatchObject({
        holder: 'Anna Andersson',
        cardNumber: '97522700000001',
        isUpgraded: false,
      });
      expect(status.certificates.map((certificate) => certificate.slot).sort()).toEqual(['9A', '9C']);
      expect(status.pinTriesLeft).toBe(3);
    });

    it('names a reader that is not there, and the readers there are, with 3 instead of waiting', async () => {
      const status = await cli(['status', '--plain', '--reader', 'No such reader']);
      expect(status.code).toBe(3);
      expect(status.stdout).toContain(
        `There is no card reader "No such reader". Card readers: ${pcscd.readerNames.join(', ')}.`,
      );
    });

    it('tests the e-id with the PIN read from standard input, never from the arguments', async () => {
      const tested = await cli(['test'], '123456\n');
      // It works, but the old certificate is not under the new issuer: 10, the card needs the upgrade.
      expect(tested.code).toBe(10);
      expect(tested.stdout).toContain('Your e-id works');
      expect(tested.stdout).not.toContain('123456');

      const refused = await cli(['test', '--pin', '123456']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('never taken from arguments');
    });

    it('changes the PIN, after which the new one works and the old one does not', async () => {
      const changed = await cli(['pin', 'change'], '123456\n24681357\n');
      expect(changed.code).toBe(0);
      expect(changed.stdout).toContain('The PIN is changed.');

      const wrong = await cli(['test'], '123456\n');
      expect(wrong.code).toBe(4);
      expect(wrong.stdout).toContain('Wrong code.');
      expect(wrong.stdout).toContain('2 tries left');

      const right = await cli(['test'], '24681357\n');
      expect(right.code, right.stdout + right.stderr).toBe(10);
      const status = JSON.parse((await cli(['status', '--json'])).stdout) as {pinTriesLeft: number};
      expect(status.pinTriesLeft).toBe(3);
    });

    it('ends simulate with 0 on SIGTERM and keeps the card state', async () => {
      simulator.kill('SIGTERM');
      expect(await simulatorExit).toBe(0);
      await waitForCardPresence(pcscd, false);
      expect(loadCardState(workspace.path('card.json')).pin.remainingRetries).toBe(3);
      // Without a card and without a terminal, status answers at once instead of waiting: 6, the card.
      expect((await cli(['status'])).code).toBe(6);
    });
  },
  ['opensc-tool'],
);
