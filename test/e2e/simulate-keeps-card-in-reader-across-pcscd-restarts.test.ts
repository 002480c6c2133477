import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {afterAll, afterEach, beforeAll, expect, it, vi} from 'vitest';
import type {SimulateOptions} from '../../source/card/virtual/simulate.js';
import {loadCardState} from '../../source/card/virtual/state-file.js';
import {describeWithPcscd, startPrivatePcscd, type PrivatePcscd} from './support/pcscd.js';
import {
  createToolWorkspace,
  runTool,
  waitForCardPresence,
  type ToolWorkspace,
} from './support/third-party-tools.js';

/**
 * `simulate` as a process (runSimulate without an abort signal, as the CLI runs it): the card stays in the vpcd
 * reader while pcscd restarts, keeps its state across the restart and across runs, and SIGTERM or SIGINT take it
 * out, save the state and end the process with exit code 0. yubico-piv-tool reads the card each time.
 */

const SIMULATE_ENTRY = new URL('support/simulate-process.ts', import.meta.url).pathname;
const WAIT = {timeout: 15_000, interval: 50};
const WRONG_PIN = '999999';

interface SimulateProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
}

describeWithPcscd(
  'simulate keeps the card in the vpcd reader',
  () => {
    let pcscd: PrivatePcscd;
    let workspace: ToolWorkspace;
    const processes: SimulateProcess[] = [];

    beforeAll(async () => {
      pcscd = await startPrivatePcscd();
      workspace = await createToolWorkspace(pcscd);
    });

    afterEach(async () => {
      for (const {child, exited} of processes.splice(0)) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited;
      }
    });

    afterAll(async () => {
      await pcscd?.stop();
      await workspace?.remove();
    });

    function simulate(): SimulateProcess {
      const options: SimulateOptions = {
        vpcd: {host: '127.0.0.1', port: pcscd.port},
        statePath: workspace.path('card.json'),
        profile: 'blank',
        timing: 'instant',
      };
      const child = spawn(process.execPath, ['--import', 'tsx', SIMULATE_ENTRY, JSON.stringify(options)], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const running = {child, exited, stdout: () => stdout, stderr: () => stderr};
      processes.push(running);
      return running;
    }

    function piv(args: readonly string[], secrets: readonly string[] = []) {
      return runTool('yubico-piv-tool', ['--reader', pcscd.readerNames[0], '--stdin-input', ...args], {
        env: workspace.env,
        input: secrets.map((secret) => `${secret}\n`).join(''),
      });
    }

    const inserted = () => `Card inserted in the vpcd reader at 127.0.0.1:${pcscd.port}`;

    it('creates the card, keeps it through a pcscd restart, and saves its state on SIGTERM', async () => {
      const run = simulate();
      await vi.waitFor(() => expect(run.stdout()).toContain(inserted()), WAIT);
      await waitForCardPresence(pcscd, true);
      const wrong = await piv(['-a', 'verify-pin'], [WRONG_PIN]);
      expect(wrong.stderr).toContain('2 tries left');

      await pcscd.restartDaemon();
      await vi.waitFor(() => expect(run.stdout().split(inserted())).toHaveLength(3), WAIT);
      await waitForCardPresence(pcscd, true);
      const status = await piv(['-a', 'status']);
      run.child.kill('SIGTERM');

      expect(await run.exited).toBe(0);
      expect(status.stdout).toContain('PIN tries left:\t2');
      const serial = loadCardState(workspace.path('card.json')).serial;
      expect(run.stdout().split('\n').filter(Boolean)).toEqual([
        `Virtual PIV card ${serial} created (blank): ${workspace.path('card.json')}`,
        `Waiting for the vpcd reader at 127.0.0.1:${pcscd.port} (pcscd with vsmartcard-vpcd)`,
        inserted(),
        `Waiting for the vpcd reader at 127.0.0.1:${pcscd.port} (pcscd with vsmartcard-vpcd)`,
        inserted(),
        `Card removed from the vpcd reader at 127.0.0.1:${pcscd.port}`,
        `State saved: ${workspace.path('card.json')}`,
      ]);
      expect(run.stderr()).toBe('');
      expect(loadCardState(workspace.path('card.json')).pin.remainingRetries).toBe(2);
      await waitForCardPresence(pcscd, false);
    });

    it('loads the saved card in the next run, and stops on SIGINT', async () => {
      const serial = loadCardState(workspace.path('card.json')).serial;
      const run = simulate();
      await vi.waitFor(() => expect(run.stdout()).toContain(inserted()), WAIT);
      await waitForCardPresence(pcscd, true);
      const status = await piv(['-a', 'status']);
      run.child.kill('SIGINT');

      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain(`Virtual PIV card ${serial} loaded: ${workspace.path('card.json')}`);
      expect(status.stdout).toContain(`Serial Number:\t${serial}`);
      expect(status.stdout).toContain('PIN tries left:\t2');
    });
  },
  ['yubico-piv-tool', 'opensc-tool'],
);
