/**
 * `npm run bench`: what the full screen costs on a thin line and how fast it starts (issue 7).
 * 1. Bytes written for 100 progress updates at 100x30: Ink's default (whole frame each time, 30 fps) against
 *    incremental rendering with a 10 fps cap, and that with each frame in one write (what the CLI uses; Ink from
 *    node_modules, without the bundle's changes of scripts/build.js).
 * 2. Time to the first frame of the bundled CLI (dist/cli.js, `npm run build` first) against the unbundled
 *    sources, in a pseudo-terminal (script(1)).
 * 3. Time until `--version` and `--help` of the bundle have answered and exited, against `node -e 0`.
 * 4. A whole upgrade of the demo (virtual card with a real card's timing) through the real full screen in a
 *    pseudo-terminal at 100x30, typed as a person would, on each card profile (the two-PIN SITHS card and PIV):
 *    the bytes the terminal received (read from the pty) and the program's own writes (bench/count-writes.js), from
 *    START DOWNLOAD to the done screen and in all; the APDUs and bytes sent to the card (from --trace); the peak
 *    memory of the TUI; and START DOWNLOAD to done after 20 s on the terms (the card generates keys meanwhile)
 *    against the terms ticked at once, in pairs of runs that draw the same key generation times (BENCH_SEEDS
 *    pairs, default 3; the median ratio).
 * 5. One APDU's round trip through a private pcscd and the vpcd reader to a card in this process, with the card
 *    side acknowledging at once (TCP_QUICKACK, what the virtual card does) and without (vpcd's delayed-ACK stall).
 * 6. yubico-piv-tool's wall time for the same card work as the PIV upgrade (bench/yubico-piv-tool.ts), and this
 *    tool's START DOWNLOAD to done of part 4 against it.
 * 7. The reference service under many upgrades at once (bench/service-load.ts; BENCH_CLIENTS, default 200): 3
 *    `serve` instances on a private PostgreSQL behind a round-robin TCP balancer against one on a SQLite file
 *    (upgrades a second, p50 and p99 per request kind), a run with one instance killed half-way and the store's
 *    invariants after it, and two completions of one card at once on two instances.
 */
import {spawn} from 'node:child_process';
import {EventEmitter} from 'node:events';
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {render} from 'ink';
import {PcscReaders} from '../source/apdu/transports/pcsc.js';
import {connectVpcd} from '../source/card/virtual/vpcd.js';
import React from 'react';
import {App, type EngineControl} from '../source/app.js';
import {framedOutput} from '../source/cli/synchronized-output.js';
import {catalogues} from '../source/screens/i18n/language.js';
import {EchoCard, ECHO_AID} from '../test/e2e/support/echo-card.js';
import {XtermScreen} from '../test/support/xterm-screen.js';
import {missingPcscdPrerequisite, startPrivatePcscd} from '../test/e2e/support/pcscd.js';
import {serviceLoadBench} from './service-load.js';
import {yubicoPivToolMs} from './yubico-piv-tool.js';
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
  choosePin = () => undefined;
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

async function bytesFor100Updates({
  isFramed,
  ...options
}: {
  incrementalRendering: boolean;
  maxFps: number;
  /** Each frame in one write, synchronized (source/cli/synchronized-output.ts), as the CLI does. */
  isFramed: boolean;
}) {
  const terminal = new CountingTerminal();
  const stdout = terminal as unknown as NodeJS.WriteStream;
  const engine = new EventFedEngine();
  engine.play(
    {type: 'started'},
    {type: 'cardReadStarted', readerName: card.readerName},
    {type: 'cardRead', card},
    {type: 'loggedIn', identity: {name: card.holder, hsaId: card.hsaId}},
    {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
    {type: 'upgradeStarted', plan, progress: progressAt(0)},
  );
  const instance = render(
    React.createElement(App, {
      engine,
      catalogue: catalogues.sv,
      appearance: {isColor: true, isUnicode: true},
      onExit: () => undefined,
    }),
    {
      stdout: isFramed ? framedOutput(stdout, true) : stdout,
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

/** What the welcome screen shows first, and what bare node prints in its place. */
const FIRST_FRAME_MARK = 'Ta fram PIN-koder';

/**
 * Milliseconds from spawn until the welcome screen's text is on the (pseudo-)terminal, then the program is stopped.
 * `stateDirectory` is its XDG_STATE_HOME, where the first frame of the previous start is remembered.
 */
function firstFrameMs(command: string, stateDirectory: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LANG: 'C.UTF-8',
      TERM: 'xterm-256color',
      COLUMNS: '100',
      LINES: '30',
      XDG_STATE_HOME: stateDirectory,
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
      if (output.includes(FIRST_FRAME_MARK)) {
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

interface Span {
  /** When it began (Date.now()). */
  readonly startedAt: number;
  readonly ms: number;
  readonly ptyBytes: number;
  readonly bytes: number;
  readonly writes: number;
}

/**
 * The commands the tool sent the card in a session, from its support log (--trace): how many, how many bytes, and
 * when each key generation ran (from its command to its answer).
 */
interface Sent {
  readonly apdus: number;
  readonly bytes: number;
  readonly keyGenerations: readonly {readonly from: number; readonly to: number}[];
}

/** GENERATE KEY PAIR on the two-PIN card (ISO 7816-8, 46) and GENERATE ASYMMETRIC KEY PAIR on PIV (47). */
const GENERATE_COMMAND = /^> 00 4[67] /;

function sentTo(supportLog: string): Sent {
  const entries = readFileSync(supportLog, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as {time: string; event: string; line?: string})
    .flatMap(({time, event, line}) => (event === 'apdu' && line ? [{at: Date.parse(time), line}] : []));
  const commands = entries.filter(({line}) => line.startsWith('> ')).map(({line}) => line.slice(2));
  const keyGenerations = entries.flatMap(({at, line}, index) =>
    GENERATE_COMMAND.test(line) && entries[index + 1] ? [{from: at, to: entries[index + 1]!.at}] : [],
  );
  return {
    apdus: commands.length,
    bytes: commands.reduce((sum, line) => sum + line.split(' ').length, 0),
    keyGenerations,
  };
}

/** The milliseconds of the run's key generations, and of those the part after START DOWNLOAD. */
function keyGenerationMs(run: UpgradeRun): {all: number; afterStart: number} {
  const all = run.sent.keyGenerations.reduce((sum, {from, to}) => sum + to - from, 0);
  const afterStart = run.sent.keyGenerations.reduce(
    (sum, {from, to}) => sum + Math.max(0, to - Math.max(from, run.upgrade.startedAt)),
    0,
  );
  return {all, afterStart};
}

/** One run of the whole upgrade: START DOWNLOAD to done, the whole session, the card's APDUs, peak memory. */
interface UpgradeRun {
  readonly upgrade: Span;
  readonly total: Span;
  readonly sent: Sent;
  readonly peakRssMiB: number;
}

/**
 * Runs the demo's upgrade on `profile`'s card in script(1) at 100x30, answering each screen as the end-to-end test
 * does, with --trace so that the support log tells the APDUs. The terms stay on screen `readingMs` before they
 * are ticked (the card generates keys meanwhile). `seed` seeds the card's key generation times.
 */
function wholeUpgrade(profile: 'siths-eid' | 'piv', readingMs: number, seed: number): Promise<UpgradeRun> {
  const t = catalogues.sv;
  const directory = mkdtempSync(join(tmpdir(), 'siths-bench-'));
  const writesFile = join(directory, 'writes.json');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LANG: 'sv_SE.UTF-8',
    TERM: 'xterm-256color',
    HOME: directory,
    SITHS_UPGRADE_CONFIG_DIR: join(directory, 'config'),
    XDG_STATE_HOME: join(directory, 'state'),
    SITHS_UPGRADE_DEMO_CARD: join(directory, 'card.json'),
    SITHS_UPGRADE_DEMO_SEED: String(seed),
    SITHS_BENCH_WRITES: writesFile,
  };
  for (const name of ['CI', 'TMUX', 'LC_ALL', 'LC_CTYPE']) delete env[name];
  const command = `node --import ./bench/count-writes.js dist/cli.js --demo --card ${profile} --trace`;
  const child = spawn('script', ['-qfec', `stty cols 100 rows 30; exec ${command}`, '/dev/null'], {env});
  /** What to wait for on the screen, then the keys to type; the demo's card has two PINs. */
  const script: [string, string][] = [
    ['Ta fram PIN-koder', '\r'],
    [t.overview.holder, '\r'],
    [`${t.pin.prompts.login}:`, '123456'],
    ['●●●●●●', '\r'],
    [t.menu.heading, '\r'],
    [t.terms.startDownload, ' '],
    ['[✔]', '\r'],
    ...(profile === 'siths-eid'
      ? ([
          [`${t.pin.prompts.signature}:`, '654321'],
          ['●●●●●●', '\r'],
        ] as [string, string][])
      : []),
    [t.done.removeCard, 'q'],
  ];
  /** The Enter that starts the download: after the tick, or after the PIN asked on the terms. */
  const startDownload = script.length - 2;
  const started = Date.now();
  const screen = new XtermScreen(100, 30);
  /** The pty's output drawn on the screen in order; each piece then looked at. */
  let drawn = Promise.resolve();
  let ptyBytes = 0;
  let next = 0;
  let isTyping = false;
  const marks: {at: number; ptyBytes: number}[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the upgrade did not reach: ${script[next]?.[0]}`));
    }, 180_000);
    /** What the screen shows after the pty had sent `bytesAt` bytes: when it is the next step's, its keys. */
    const onScreen = (bytesAt: number) => {
      const step = script[next];
      if (step === undefined || isTyping) return;
      const rows = screen.text();
      const panel = rows
        .split('\n')
        .map((line) => line.slice(line.indexOf('│') + 1).trim())
        .join(' ')
        .replace(/\s+/g, ' ');
      if (!`${rows}\n${panel}`.includes(step[0])) return;
      const isStart = next === startDownload;
      const delayMs = step[0] === t.terms.startDownload ? readingMs : 200;
      next++;
      // START DOWNLOAD is counted from the Enter that starts it (when it is typed); done is the done screen.
      if (step[0] === t.done.removeCard) marks.push({at: Date.now(), ptyBytes: bytesAt});
      isTyping = true;
      setTimeout(() => {
        isTyping = false;
        if (isStart) marks.push({at: Date.now(), ptyBytes});
        child.stdin.write(step[1]);
      }, delayMs);
    };
    child.stdout.on('data', (chunk: Buffer) => {
      ptyBytes += chunk.length;
      const bytesAt = ptyBytes;
      drawn = drawn.then(() => screen.write(chunk)).then(() => onScreen(bytesAt));
    });
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      try {
        if (marks.length < 2) throw new Error(`the upgrade did not reach: ${script[next]?.[0]}`);
        const {writes, maxRssKiB} = JSON.parse(readFileSync(writesFile, 'utf8')) as {
          writes: [number, number][];
          maxRssKiB: number;
        };
        const [start, done] = marks as [(typeof marks)[0], (typeof marks)[0]];
        const within = writes.filter(([at]) => at > start.at && at <= done.at);
        resolve({
          upgrade: {
            startedAt: start.at,
            ms: done.at - start.at,
            ptyBytes: done.ptyBytes - start.ptyBytes,
            bytes: within.reduce((sum, [, bytes]) => sum + bytes, 0),
            writes: within.length,
          },
          total: {
            startedAt: started,
            ms: Date.now() - started,
            ptyBytes,
            bytes: writes.reduce((sum, [, bytes]) => sum + bytes, 0),
            writes: writes.length,
          },
          sent: sentTo(join(directory, 'state', 'siths-upgrade', 'support-log.jsonl')),
          peakRssMiB: maxRssKiB / 1024,
        });
      } catch (error) {
        reject(error);
      } finally {
        rmSync(directory, {recursive: true, force: true});
      }
    });
  });
}

/** The median round trip of a SELECT through a private pcscd and vpcd, in ms, over `count` commands. */
async function apduRoundTripMs(acknowledgesAtOnce: boolean, count: number): Promise<number> {
  const pcscd = await startPrivatePcscd();
  // libpcsclite reads the socket name once per process: each measurement has a process of its own (see below).
  process.env.PCSCLITE_CSOCK_NAME = pcscd.socketPath;
  const bridge = connectVpcd({card: new EchoCard(), port: pcscd.port, acknowledgesAtOnce});
  const readers = await PcscReaders.open();
  try {
    while (!(await readers.list())[0]?.hasCard) await new Promise((resolve) => setTimeout(resolve, 20));
    const transport = await readers.connect(pcscd.readerNames[0]);
    const select = Uint8Array.of(0x00, 0xa4, 0x04, 0x00, ECHO_AID.length, ...ECHO_AID);
    const times: number[] = [];
    for (let index = 0; index < count; index++) {
      const start = performance.now();
      await transport.transmit(select);
      times.push(performance.now() - start);
    }
    await transport.close();
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  } finally {
    readers.close();
    await bridge.close();
    await pcscd.stop();
  }
}

async function median(times: number, measure: () => Promise<number>): Promise<number> {
  const values: number[] = [];
  for (let run = 0; run < times; run++) values.push(await measure());
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

/** `npm run bench -- 2 4` runs only those parts. */
const parts = new Set(process.argv.slice(2).map(Number));
/** Set in a child run of part 5, which measures only that. */
const roundTrip = process.env.BENCH_APDU_ROUND_TRIP;
const runs = (part: number) => roundTrip === undefined && (parts.size === 0 || parts.has(part));

if (runs(1)) {
  console.log(`1. ${UPDATES} progress updates at 100x30, one every ${UPDATE_INTERVAL_MS} ms`);
  for (const [label, options] of [
    ["Ink's default (whole frame, 30 fps)", {incrementalRendering: false, maxFps: 30, isFramed: false}],
    ['incremental, 30 fps', {incrementalRendering: true, maxFps: 30, isFramed: false}],
    ['incremental, 10 fps', {incrementalRendering: true, maxFps: 10, isFramed: false}],
    ['incremental, 10 fps, framed (the CLI)', {incrementalRendering: true, maxFps: 10, isFramed: true}],
  ] as const) {
    const {bytes, writes} = await bytesFor100Updates(options);
    console.log(`   ${label.padEnd(38)} ${kb(bytes).padStart(9)} in ${writes} writes`);
  }
}
const hasBundle = existsSync('dist/cli.js');
if (!hasBundle && [2, 3, 4].some(runs)) console.log('   dist/cli.js is missing: run npm run build first');
if (runs(2) && hasBundle) {
  console.log('2. time to the first frame (median of 5, pseudo-terminal 100x30)');
  const directories: string[] = [];
  const fresh = () => {
    directories.push(mkdtempSync(join(tmpdir(), 'siths-bench-state-')));
    return directories.at(-1)!;
  };
  const remembering = fresh();
  await firstFrameMs('node dist/cli.js', remembering);
  if (!existsSync(join(remembering, 'siths-upgrade', 'first-frame.json')))
    console.log('   (no frame remembered)');
  const bare = await median(5, () => firstFrameMs(`node -e "console.log('${FIRST_FRAME_MARK}')"`, fresh()));
  const firstFrames = [
    ['bundled, first start (no frame remembered)', () => firstFrameMs('node dist/cli.js', fresh())],
    ['bundled, frame remembered from the last start', () => firstFrameMs('node dist/cli.js', remembering)],
    [
      'unbundled (node --import tsx source/cli.tsx)',
      () => firstFrameMs('node --import tsx source/cli.tsx', fresh()),
    ],
  ] as const;
  console.log(`   ${'bare node printing the same text'.padEnd(46)} ${bare.toFixed(0).padStart(5)} ms`);
  for (const [label, measure] of firstFrames) {
    const ms = await median(5, measure);
    console.log(
      `   ${label.padEnd(46)} ${ms.toFixed(0).padStart(5)} ms (${(ms / bare).toFixed(2)}x bare node)`,
    );
  }
  for (const directory of directories) rmSync(directory, {recursive: true, force: true});
}
if (runs(3) && hasBundle) {
  console.log('3. --version and --help of the bundle against bare node (median of 11, runs interleaved)');
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
/** Seconds the bench spends on the terms before ticking them, about what reading them takes. */
const READING_MS = 20_000;
/**
 * The seeds of part 4's pairs of runs: both runs of a pair draw the same key generation times, so their ratio
 * compares the same card work; BENCH_SEEDS pairs (default 3), the median ratio printed.
 */
const SEEDS = Array.from(
  {length: Math.max(1, Math.floor(Number(process.env['BENCH_SEEDS'] ?? 3)) || 1)},
  (_, index) => index + 1,
);

function printUpgradeRun(label: string, run: UpgradeRun): void {
  console.log(`   ${label}`);
  console.log(
    `     START DOWNLOAD to done (${(run.upgrade.ms / 1000).toFixed(1)} s): terminal ` +
      `${kb(run.upgrade.ptyBytes)}, program ${kb(run.upgrade.bytes)} in ${run.upgrade.writes} writes`,
  );
  console.log(
    `     whole session (start to quit): terminal ${kb(run.total.ptyBytes)}, ` +
      `program ${kb(run.total.bytes)} in ${run.total.writes} writes`,
  );
  console.log(`     sent to the card in the session: ${run.sent.apdus} APDUs, ${kb(run.sent.bytes)}`);
  console.log(`     peak memory (RSS) of the TUI: ${run.peakRssMiB.toFixed(0)} MiB`);
}

/** START DOWNLOAD to done on the PIV card after the time on the terms, from part 4 (for part 6's ratio). */
let pivUpgradeMs: number | undefined;
if (runs(4) && hasBundle) {
  console.log(
    '4. a whole upgrade of the demo at 100x30 (realistic card timing), keys typed in a pseudo-terminal; ' +
      `${SEEDS.length} pairs of runs, each pair with the same key generation times`,
  );
  for (const [label, profile] of [
    ['two-PIN SITHS card', 'siths-eid'],
    ['PIV card', 'piv'],
  ] as const) {
    const ratios: number[] = [];
    for (const seed of SEEDS) {
      const reading = await wholeUpgrade(profile, READING_MS, seed);
      const atOnce = await wholeUpgrade(profile, 200, seed);
      if (seed === SEEDS[0]) {
        printUpgradeRun(`${label}, ${READING_MS / 1000} s on the terms (keys generated meanwhile)`, reading);
        printUpgradeRun(`${label}, the terms ticked at once (no time to generate keys ahead)`, atOnce);
        if (profile === 'piv') pivUpgradeMs = reading.upgrade.ms;
      }
      ratios.push(reading.upgrade.ms / atOnce.upgrade.ms);
      const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
      const generated = keyGenerationMs(reading);
      console.log(
        `   ${label}, seed ${seed}: START DOWNLOAD to done ${seconds(reading.upgrade.ms)} with keys generated ` +
          `on the terms (${seconds(generated.afterStart)} of the card's ${seconds(generated.all)} of key ` +
          `generation still to wait for), ${seconds(atOnce.upgrade.ms)} without ` +
          `(${seconds(keyGenerationMs(atOnce).afterStart)} of key generation): ${ratios.at(-1)!.toFixed(2)}x`,
      );
    }
    const sorted = ratios.toSorted((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = Number.isInteger(middle)
      ? (sorted[middle - 1]! + sorted[middle]!) / 2
      : sorted[Math.floor(middle)]!;
    console.log(`   ${label}: median ${median.toFixed(2)}x`);
  }
}
if (roundTrip !== undefined) {
  // A child run of part 5 (below): one measurement, its result on stdout.
  console.log((await apduRoundTripMs(roundTrip === 'at-once', 100)).toFixed(2));
} else if (runs(5)) {
  const missing = missingPcscdPrerequisite();
  console.log('5. one APDU through a private pcscd and the vpcd reader (median of 100)');
  if (missing !== undefined) console.log(`   cannot run: ${missing}`);
  for (const [label, mode] of [
    ['card side acknowledging at once', 'at-once'],
    ['card side with delayed ACKs', 'delayed'],
  ] as const) {
    if (missing !== undefined) break;
    const output = await new Promise<string>((resolve) => {
      let text = '';
      const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts'], {
        env: {...process.env, BENCH_APDU_ROUND_TRIP: mode},
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      child.once('exit', () => resolve(text.trim()));
    });
    console.log(`   ${label.padEnd(38)} ${output.padStart(6)} ms`);
  }
}
if (roundTrip === undefined && runs(6)) {
  const missing = missingPcscdPrerequisite();
  console.log(
    "6. yubico-piv-tool doing the PIV upgrade's card work (four RSA-2048 keys) on the same card model",
  );
  if (missing === undefined) {
    const toolMs = await yubicoPivToolMs();
    const ratio =
      pivUpgradeMs === undefined
        ? ' (run part 4 with it for the ratio)'
        : `; this tool's START DOWNLOAD to done (part 4, ${READING_MS / 1000} s on the terms) / that: ` +
          `${(pivUpgradeMs / toolMs).toFixed(2)}x`;
    console.log(
      `   yubico-piv-tool, generate + import-certificate + 2 test-signature: ${(toolMs / 1000).toFixed(1)} s${ratio}`,
    );
  } else {
    console.log(`   cannot run: ${missing}`);
  }
}
if (runs(7)) await serviceLoadBench();
process.exit(0);
