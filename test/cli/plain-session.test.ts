import {mkdirSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {PassThrough} from 'node:stream';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {blankCard} from '../../source/card/virtual/profiles.js';
import {INSTANT_TIMING} from '../../source/card/virtual/timing.js';
import {VirtualPivCard} from '../../source/card/virtual/virtual-card.js';
import {startDemo, type Demo} from '../../source/cli/demo.js';
import {ExitCode} from '../../source/cli/exit-codes.js';
import {runPlainSession, type PlainTask} from '../../source/cli/plain-session.js';
import {systemClock, systemRandom} from '../../source/cli/system-ports.js';
import {TerminalInput} from '../../source/cli/terminal-input.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {InProcessReaders} from '../../source/upgrade/adapters/in-process-readers.js';
import {openCard} from '../../source/upgrade/adapters/open-card.js';
import {UpgradeEngine} from '../../source/upgrade/engine.js';
import type {EngineState} from '../../source/upgrade/state.js';

/**
 * The plain mode and the IT commands over the demo: the real reference service on loopback and the virtual card
 * (without its real-card timings), answers typed into a pipe as a script would.
 */

const t = catalogues.sv;
let demo: Demo;
/** The demo with the two-PIN SITHS card. */
let eidDemo: Demo;
let directory: string;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'siths-plain-session-'));
  mkdirSync(join(directory, 'piv'));
  mkdirSync(join(directory, 'siths-eid'));
  const sleep = (ms: number) => systemClock.sleep(ms);
  demo = await startDemo(sleep, {card: 'piv', directory: join(directory, 'piv'), timing: INSTANT_TIMING});
  eidDemo = await startDemo(sleep, {
    card: 'siths-eid',
    directory: join(directory, 'siths-eid'),
    timing: INSTANT_TIMING,
  });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await eidDemo?.close();
  rmSync(directory, {recursive: true, force: true});
});

async function session(
  task: PlainTask,
  answers: string,
  readers = demo.deps.readers,
  preferredReader?: string,
  from: Demo = demo,
  /** More answers, typed once the engine's state is `when`. */
  later?: {readonly when: (state: EngineState) => boolean; readonly answers: string},
): Promise<{code: ExitCode; lines: string[]}> {
  const engine = new UpgradeEngine({
    ...from.deps,
    readers,
    preferredReader,
    clock: systemClock,
    random: systemRandom,
    log: {write: () => undefined},
    language: 'sv',
  });
  const input = new PassThrough();
  if (later === undefined) {
    input.end(answers);
  } else {
    input.write(answers);
    const stop = engine.subscribe(() => {
      if (!later.when(engine.getState())) return;
      stop();
      input.end(later.answers);
    });
  }
  const prompts = new PassThrough();
  prompts.resume();
  const terminal = new TerminalInput(
    input as unknown as NodeJS.ReadStream,
    prompts as unknown as NodeJS.WriteStream,
    () => undefined,
  );
  const lines: string[] = [];
  try {
    const code = await runPlainSession({
      engine,
      catalogue: t,
      input: terminal,
      write: (line) => lines.push(line),
      now: () => new Date(),
      task,
    });
    return {code, lines};
  } finally {
    terminal.close();
    await engine.dispose();
  }
}

describe('a plain session over the demo', () => {
  it('reports the status as JSON, with 10 while the card needs the upgrade', async () => {
    const {code, lines} = await session({kind: 'operation', operation: 'status', isJson: true}, '');
    expect(code).toBe(ExitCode.NeedsUpgrade);
    const status = JSON.parse(lines.join('\n')) as {
      holder: string;
      isUpgraded: boolean;
      certificates: unknown[];
    };
    expect(status).toMatchObject({holder: 'Anna Andersson', isUpgraded: false});
    expect(status.certificates).toHaveLength(2);
  });

  it('reports a card without certificates with 6, saying it cannot be upgraded and what to do', async () => {
    const readers = new InProcessReaders((transport) => openCard(transport), ['Blank reader']);
    readers.insert(
      'Blank reader',
      new VirtualPivCard({state: await blankCard({serial: 12_345_678}), timing: INSTANT_TIMING}),
    );
    const {code, lines} = await session({kind: 'operation', operation: 'status'}, '', readers);
    expect(code).toBe(ExitCode.Card);
    expect(lines).toContain(t.overview.verdicts['no-certificates']);
    expect(lines).not.toContain(t.overview.verdicts['needs-upgrade']);
  });

  it('names a reader that is not there and the readers there are, and ends with 3 instead of waiting', async () => {
    const readers = await demo.deps.readers.list();
    const {code, lines} = await session(
      {kind: 'operation', operation: 'status'},
      '',
      demo.deps.readers,
      'No such reader',
    );
    expect(code).toBe(ExitCode.Reader);
    expect(lines).toContain(
      t.insertCard.readerMissing('No such reader', readers.map((reader) => reader.name).join(', ')),
    );
  });

  it('says a wrong PIN and the tries left, and ends with 4 when no more codes come', async () => {
    const {code, lines} = await session({kind: 'operation', operation: 'test-eid'}, '000000\n');
    expect(code).toBe(ExitCode.Pin);
    expect(lines).toContain(t.pin.wrongCode);
    expect(lines).toContain(t.pin.triesLeft(2));
  });

  it('changes the PIN with the current code and the new one, one a line', async () => {
    const {code, lines} = await session({kind: 'operation', operation: 'change-pin'}, '123456\n13572468\n');
    expect(code).toBe(ExitCode.Ok);
    expect(lines).toContain(t.results.pinChanged);
  });

  it('runs the ten steps as lines: login, the menu, the terms, the progress, done', async () => {
    const {code, lines} = await session({kind: 'interactive'}, '13572468\n1\nj\n');
    expect(code).toBe(ExitCode.Ok);
    const steps = lines
      .filter((line) => /^\[\d+\/10\]/.test(line))
      .map((line) => Number(/^\[(\d+)/.exec(line)![1]));
    expect(steps).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const text of [
      t.terms.version('2026-1'),
      `*** ${t.progress.warning} ***`,
      t.done.heading,
      t.done.removeCard,
    ]) {
      expect(lines).toContain(text);
    }
    expect(lines.filter((line) => line.startsWith(`${t.progress.installed(4, 4)}`))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain('13572468');
  });

  it('reports the upgraded card with 0', async () => {
    const {code, lines} = await session({kind: 'operation', operation: 'status'}, '');
    expect(code).toBe(ExitCode.Ok);
    expect(lines).toContain(t.overview.verdicts.upgraded);
  });
});

describe('a plain session over the demo with the two-PIN SITHS card', () => {
  const eidSession = (task: PlainTask, answers: string) =>
    session(task, answers, eidDemo.deps.readers, undefined, eidDemo);

  it('lists both PINs in the status JSON, each with its tries left', async () => {
    const {code, lines} = await eidSession({kind: 'operation', operation: 'status', isJson: true}, '');
    expect(code).toBe(ExitCode.NeedsUpgrade);
    expect(JSON.parse(lines.join('\n'))).toMatchObject({pinTriesLeft: 3, signaturePinTriesLeft: 3});
  });

  it('tests the e-id with both keys: the Legitimering PIN, then the Underskrift PIN', async () => {
    const {code, lines} = await eidSession({kind: 'operation', operation: 'test-eid'}, '123456\n654321\n');
    expect(code).toBe(ExitCode.NeedsUpgrade);
    expect(lines.some((line) => line.startsWith(t.results.eIdWorks('').slice(0, 30)))).toBe(true);
    expect(lines.some((line) => line.startsWith(t.results.eIdSignatureWorks('').slice(0, 30)))).toBe(true);
  });

  it('changes the PIN chosen by its number: 2, the Underskrift PIN, after which the old one is wrong', async () => {
    const changed = await eidSession({kind: 'operation', operation: 'change-pin'}, '2\n654321\n97531864\n');
    expect(changed.code).toBe(ExitCode.Ok);
    expect(changed.lines).toContain(t.pin.choosePin['change-pin']);
    expect(changed.lines).toContain(t.results.namedPinChanged(t.pin.names.signature));

    const wrong = await eidSession({kind: 'operation', operation: 'test-eid'}, '123456\n654321\n');
    expect(wrong.code).toBe(ExitCode.Pin);
    expect(wrong.lines).toContain(t.pin.triesLeft(2));
    const status = await eidSession({kind: 'operation', operation: 'status', isJson: true}, '');
    expect(JSON.parse(status.lines.join('\n'))).toMatchObject({pinTriesLeft: 3, signaturePinTriesLeft: 2});
  });

  it('asks the terms once while the card is prepared under them, and upgrades after the answer', async () => {
    // The Underskrift PIN is the one the test above set.
    const {code, lines} = await session(
      {kind: 'interactive'},
      '123456\n1\n',
      eidDemo.deps.readers,
      undefined,
      eidDemo,
      {
        when: (state) =>
          state.type === 'awaiting-terms' && state.preparation !== undefined && state.preparation.done === 4,
        answers: 'j\n97531864\n',
      },
    );
    expect(code).toBe(ExitCode.Ok);
    expect(lines).toContain(t.done.heading);
  });
});
