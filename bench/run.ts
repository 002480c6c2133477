/**
 * `npm run bench`: what the full screen costs on a thin line and how fast it starts (issue 7).
 * 1. Bytes written for 100 progress updates at 100x30: Ink's default (whole frame each time, 30 fps) against
 *    incremental rendering with a 10 fps cap (what the CLI uses).
 * 2. Time to the first frame of the bundled CLI (dist/cli.js, `npm run build` first) against the unbundled
 *    sources, in a pseudo-terminal (script(1)).
 * 3. Time until `--version` and `--help` of the bundle have answered and exited, against `node -e 0`.
 */
import {spawn} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {existsSync} from 'node:fs';
import {render} from 'ink';
import React from 'react';
import {App, type EngineControl} from '../source/app.js';
import {catalogues} from '../source/screens/i18n/language.js';
import {
  initialState,
  reduce,
  type EngineEvent,
  type EngineState,
  type Progress,
} from '../source/upgrade/state.js';

const UPDATES = 100;
/** The engine reports progress every 250 ms; updates come faster here so the frame cap shows. */
const UPDATE_INTERVAL_MS = 50;

class CountingTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 100;
  readonly rows = 30;
  bytes = 0;
  writes = 0;
  write = (chunk: string): boolean => {
    this.bytes += Buffer.byteLength(chunk);
    this.writes++;
    return true;
  };
}

class SilentInput extends EventEmitter {
  readonly isTTY = true;
  setRawMode(): void {}
  setEncoding(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read(): null {
    return null;
  }
}

/** The engine's state machine fed with events, for the screens. */
class EventFedEngine implements EngineControl {
  #state: EngineState = initialState;
  readonly #listeners = new Set<() => void>();
  play(...events: EngineEvent[]): void {
    for (const event of events) this.#state = reduce(this.#state, event);
    for (const listener of this.#listeners) listener();
  }
  getState = () => this.#state;
  subscribe = (listener: () => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };
  start = () => undefined;
  chooseReader = () => undefined;
  logIn = () => undefined;
  chooseOperation = () => undefined;
  submitPin = (pin: Uint8Array) => pin.fill(0);
  confirmLastTry = () => undefined;
  acceptTerms = () => undefined;
  chooseCertificate = () => undefined;
  cancel = () => undefined;
  retry = () => undefined;
}

const card = {
  readerName: 'Virtual PCD 00 00',
  holder: 'Anna Andersson',
  hsaId: 'SE2321000016-1001',
  cardNumber: '97522700000001',
  certificates: [],
  pinTriesLeft: 3,
  isUpgraded: false,
  pinCount: 1 as const,
};
const plan = (['82', '83', '9A', '9C'] as const).map((slotName, index) => ({
  identityKind: index < 2 ? ('personnummer' as const) : ('hsa-id' as const),
  purpose: index % 2 === 0 ? ('authentication' as const) : ('signature' as const),
  slot: Number.parseInt(slotName, 16),
  slotName,
  keyAlgorithm: 'rsa-2048' as const,
}));

function progressAt(update: number): Progress {
  const elapsedMs = update * 250;
  return {
    fraction: update / UPDATES,
    activity: update % 25 < 20 ? 'generating-key' : 'writing-certificate',
    currentItem: plan[Math.min(3, Math.floor(update / 25))],
    elapsedMs,
    estimatedRemainingMs: Math.max(0, 25_000 - elapsedMs),
    isIndeterminate: false,
  };
}

async function bytesFor100Updates(options: {incrementalRendering: boolean; maxFps: number}) {
  const terminal = new CountingTerminal();
  const engine = new EventFedEngine();
  engine.play(
    {type: 'started'},
    {type: 'cardReadStarted', readerName: card.readerName},
    {type: 'cardRead', card},
    {type: 'loggedIn', identity: {name: card.holder, hsaId: card.hsaId}},
    {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
    {type: 'termsAccepted', progress: progressAt(0)},
  );
  const instance = render(
    React.createElement(App, {
      engine,
      catalogue: catalogues.sv,
      appearance: {isColor: true, isUnicode: true},
      onExit: () => undefined,
    }),
    {
      stdout: terminal as unknown as NodeJS.WriteStream,
      stdin: new SilentInput() as unknown as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
      ...options,
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = terminal.bytes;
  const writesBefore = terminal.writes;
  for (let update = 1; update <= UPDATES; update++) {
    engine.play({type: 'progressed', progress: progressAt(update)});
    await new Promise((resolve) => setTimeout(resolve, UPDATE_INTERVAL_MS));
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const result = {bytes: terminal.bytes - before, writes: terminal.writes - writesBefore};
  instance.unmount();
  return result;
}

/** Milliseconds from spawn until the title is on the (pseudo-)terminal, then the program is stopped. */
function firstFrameMs(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      COLUMNS: '100',
      LINES: '30',
    };
    delete env['CI'];
    const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${command}`, '/dev/null'], {env});
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no first frame from: ${command}`));
    }, 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ta fram PIN-koder')) {
        const ms = performance.now() - started;
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(ms);
      }
    });
    child.on('error', reject);
  });
}

/** Milliseconds from spawn until node exits (output to a pipe, read and dropped). */
function exitMs(args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {stdio: ['ignore', 'pipe', 'ignore']});
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', () => resolve(performance.now() - started));
  });
}

async function median(times: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let run = 0; run < times; run++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

console.log(`1. ${UPDATES} progress updates at 100x30, one every ${UPDATE_INTERVAL_MS} ms`);
for (const [label, options] of [
  ["Ink's default (whole frame, 30 fps)", {incrementalRendering: false, maxFps: 30}],
  ['incremental, 30 fps', {incrementalRendering: true, maxFps: 30}],
  ['incremental, 10 fps (the CLI)', {incrementalRendering: true, maxFps: 10}],
] as const) {
  const {bytes, writes} = await bytesFor100Updates(options);
  console.log(`   ${label.padEnd(38)} ${kb(bytes).padStart(9)} in ${writes} writes`);
}

console.log('2. time to the first frame (median of 5, pseudo-terminal 100x30)');
if (!existsSync('dist/cli.js')) {
  console.log('   dist/cli.js is missing: run npm run build first');
} else {
  console.log(
    `   bundled   (node dist/cli.js)             ${(await median(5, () => firstFrameMs('node dist/cli.js'))).toFixed(0)} ms`,
  );
  console.log(
    `   unbundled (node --import tsx source/cli.tsx) ${(await median(5, () => firstFrameMs('node --import tsx source/cli.tsx'))).toFixed(0)} ms`,
  );
}
console.log('3. --version and --help of the bundle against bare node (median of 11, runs interleaved)');
if (existsSync('dist/cli.js')) {
  const commands = [
    ['node -e 0', ['-e', '0']],
    ['node dist/cli.js --version', ['dist/cli.js', '--version']],
    ['node dist/cli.js --help', ['dist/cli.js', '--help']],
  ] as const;
  const times = commands.map(() => [] as number[]);
  for (let run = 0; run < 11; run++) {
    for (const [index, [, args]] of commands.entries()) times[index]!.push(await exitMs(args));
  }
  const medians = times.map((values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!);
  for (const [index, [label]] of commands.entries()) {
    const ratio = index === 0 ? '' : ` (${(medians[index]! / medians[0]!).toFixed(2)}x bare node)`;
    console.log(`   ${label.padEnd(38)} ${medians[index]!.toFixed(0).padStart(6)} ms${ratio}`);
  }
}
process.exit(0);
