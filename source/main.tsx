import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {render} from 'ink';
import packageJson from '../package.json' with {type: 'json'};
import {App, type ExitReason} from './app.js';
import {decideDisplay, type Display} from './cli/appearance.js';
import {languageFlag, parseArguments, type Command, type EngineOptions} from './cli/arguments.js';
import {DeferredEngine} from './cli/deferred-engine.js';
import {demoCodes, demoTimingSeed} from './cli/demo-card.js';
import type {AssembledEngine, EngineSource} from './cli/engine-setup.js';
import type {PlainTask} from './cli/plain-session.js';
import {CliError, SettingsFileError} from './cli/errors.js';
import {exitCodeFor, ExitCode} from './cli/exit-codes.js';
import {rememberingFirstFrame, takeFirstFrame} from './cli/first-frame.js';
import {FullScreen} from './cli/full-screen.js';
import {isTerminalHungUp, releaseHungUpTerminal} from './cli/hung-up-terminal.js';
import {checkServiceUrl} from './cli/service-url.js';
import {isSettingKey, Settings, SETTING_KEYS} from './cli/settings.js';
import {framedOutput, supportsSynchronizedOutput} from './cli/synchronized-output.js';
import {errorText} from './screens/error-text.js';
import type {Catalogue, Language} from './screens/i18n/catalogue.js';
import type {DemoCodes} from './screens/welcome.js';
import {catalogues, languageFromLocale} from './screens/i18n/language.js';
import {UpgradeError} from './upgrade/errors.js';

/**
 * The app behind the entry (source/cli.tsx, which answers --help and --version itself and loads this module for
 * everything else; both are still answered here when the entry leaves them to main): arguments, settings and
 * environment, the real adapters, and render(). The only place that knows about the process: its streams,
 * signals, environment and exit code. Errors end with a message and an exit code (documented in --help), never a
 * stack trace.
 */

/** Work to do before the process exits, in order; each step may fail without stopping the others. */
const cleanups: (() => unknown)[] = [];
let isExiting = false;

/** Runs the clean-ups (at most a few seconds) and exits with `code`. Safe to call from any path, once. */
async function exit(code: number): Promise<never> {
  if (!isExiting) {
    isExiting = true;
    const deadline = new Promise((resolve) => setTimeout(resolve, 3000).unref());
    for (const cleanup of cleanups) {
      await Promise.race([
        Promise.resolve()
          .then(cleanup)
          .catch(() => undefined),
        deadline,
      ]);
    }
    releaseHungUpTerminal();
    process.exit(code);
  }
  return new Promise<never>(() => undefined);
}

function println(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function eprintln(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The language without a --lang flag: the setting, else the locale (Swedish unless it is English). */
function defaultLanguage(settings: Settings | undefined): Language {
  const env = process.env;
  return (
    settings?.values().language ?? languageFromLocale(env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG'])
  );
}

/**
 * The message lines and exit code of a failure outside the engine: a CliError, an engine error met while setting
 * the engine up (the service's issuing CAs), or a fault (code 70).
 */
function failureOf(t: Catalogue, error: unknown): {lines: string[]; code: ExitCode} {
  if (error instanceof UpgradeError) {
    const text = errorText(t, error.error);
    return {lines: [text.title, text.detail], code: exitCodeFor(error.code)};
  }
  if (!(error instanceof CliError)) {
    return {
      lines: [t.cli.fatal(error instanceof Error ? error.message : String(error))],
      code: ExitCode.Internal,
    };
  }
  switch (error.code) {
    case 'usage':
      return {lines: [t.cli.badArguments(error.detail), t.cli.seeHelp], code: ExitCode.Usage};
    case 'pin-in-arguments':
      return {lines: [t.cli.pinNotFromArguments], code: ExitCode.Usage};
    case 'setting-invalid':
      return {lines: [t.cli.settingInvalid(error.detail)], code: ExitCode.Usage};
    case 'service-not-a-url':
    case 'service-not-https':
    case 'service-has-credentials': {
      const problem = error.code.slice('service-'.length) as keyof Catalogue['cli']['serviceUrl'];
      const where =
        error.settingsFile === undefined ? t.cli.seeHelp : t.cli.serviceFromSettings(error.settingsFile);
      return {lines: [t.cli.serviceUrl[problem](error.detail), where], code: ExitCode.Usage};
    }
    case 'no-service':
      return {lines: [t.cli.noServiceConfigured], code: ExitCode.Usage};
    case 'no-code-input':
      return {lines: [t.cli.noTerminalForPin], code: ExitCode.Pin};
    case 'settings-file-invalid': {
      const problem = error instanceof SettingsFileError ? error.problem : ({kind: 'not-an-object'} as const);
      return {lines: t.cli.settingsFileInvalid(error.detail, problem), code: ExitCode.Usage};
    }
  }
}

/** Exits after the clean-ups with the failure's message (printed last, after the terminal is restored). */
function fail(t: Catalogue, error: unknown): Promise<never> {
  if (isTerminalHungUp()) return exit(ExitCode.Hangup);
  const {lines, code} = failureOf(t, error);
  cleanups.push(() => lines.forEach(eprintln));
  return exit(code);
}

async function runConfig(
  command: Extract<Command, {kind: 'config'}>,
  settings: Settings,
  t: Catalogue,
): Promise<ExitCode> {
  if (command.action === 'list') {
    println(t.cli.configFile(settings.path));
    for (const key of SETTING_KEYS) println(`${key} = ${settings.get(key) ?? t.cli.notSet}`);
    return ExitCode.Ok;
  }
  if (!isSettingKey(command.key)) {
    eprintln(t.cli.configUnknownKey(command.key));
    eprintln(t.cli.configKeys);
    return ExitCode.Usage;
  }
  switch (command.action) {
    case 'get': {
      const value = settings.get(command.key);
      println(value ?? t.cli.notSet);
      return value === undefined ? ExitCode.Failed : ExitCode.Ok;
    }
    case 'set':
      println(t.cli.configSet(command.key, await settings.set(command.key, command.value)));
      return ExitCode.Ok;
    case 'unset':
      await settings.unset(command.key);
      println(t.cli.configUnset(command.key));
      return ExitCode.Ok;
  }
}

/** Serves until SIGINT or SIGTERM. */
async function runServe(configPath: string, t: Catalogue): Promise<never> {
  const {serve} = await import('./service/serve.js');
  const running = await serve({configPath: resolve(configPath)});
  cleanups.push(() => running.close());
  eprintln(t.cli.serviceListening(running.url));
  eprintln(t.cli.stopWith);
  return new Promise<never>(() => undefined);
}

/**
 * Prints the campaign report of the store the config names (SELECTs only: running instances go on). A config or
 * store that fails ends as `serve --config` does: the ServiceSetupError's message.
 */
async function runServeReport(
  command: Extract<Command, {kind: 'serve-report'}>,
  t: Catalogue,
): Promise<ExitCode> {
  const [{loadServiceSettings}, {readCampaignReport}, {renderReport}] = await Promise.all([
    import('./service/config.js'),
    import('./service/report.js'),
    import('./cli/report-output.js'),
  ]);
  const report = await readCampaignReport(await loadServiceSettings(resolve(command.configPath)));
  process.stdout.write(renderReport(report, command.format, t.cli.report));
  return ExitCode.Ok;
}

/**
 * A temporary directory for the demo's files, removed when the process exits however it exits (the demo may still
 * be starting when the user quits).
 */
function demoDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), 'siths-upgrade-demo-'));
  process.on('exit', () => rmSync(directory, {recursive: true, force: true}));
  return directory;
}

/** The options, flags over settings. */
function effectiveOptions(options: EngineOptions, settings: Settings) {
  const saved = settings.values();
  return {
    service: options.service ?? saved.service,
    serviceCa: options.serviceCa === undefined ? saved.serviceCa : resolve(options.serviceCa),
    reader: options.reader ?? saved.reader,
  };
}

/** A service address from the settings file (hand-edited, or from an older version), checked as --service is. */
function savedServiceUrl(value: string, path: string): string {
  try {
    return checkServiceUrl(value);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(error.code, error.detail, {cause: error, settingsFile: path});
  }
}

/**
 * The full screen: Ink on the alternate buffer, incremental rendering at most 10 frames a second, each frame in
 * one write (in synchronized-output framing where the terminal takes it). Its first frame goes over the one the
 * entry drew, and is remembered for the next start.
 */
async function runFullScreen(
  t: Catalogue,
  display: Display,
  demo: DemoCodes | undefined,
  makeEngine: () => Promise<AssembledEngine>,
): Promise<never> {
  const screen = firstFrame?.screen ?? new FullScreen(process.stdout, process.stdin);
  cleanups.unshift(() => screen.restore());
  process.on('exit', () => screen.restore());
  screen.enter();
  const deferred = new DeferredEngine();
  let supportLog: string | undefined;
  const quit = (reason: ExitReason) => {
    const state = deferred.getState();
    const code =
      reason === 'interrupted'
        ? ExitCode.Interrupted
        : state.type === 'failed'
          ? exitCodeFor(state.error.code)
          : ExitCode.Ok;
    const path = supportLog;
    if (state.type === 'failed' && path !== undefined) cleanups.push(() => eprintln(t.cli.supportLog(path)));
    void exit(code);
  };
  const instance = render(
    <App
      engine={deferred}
      catalogue={t}
      appearance={display}
      demo={demo}
      onExit={quit}
      onCrash={(error) => void fail(t, error)}
    />,
    {
      stdout: framedOutput(
        firstFrame === undefined ? process.stdout : rememberingFirstFrame(process.stdout, firstFrame),
        supportsSynchronizedOutput(process.env),
      ),
      exitOnCtrlC: false,
      patchConsole: true,
      incrementalRendering: true,
      maxFps: 10,
    },
  );
  cleanups.unshift(() => instance.unmount());
  try {
    const assembled = await makeEngine();
    supportLog = assembled.supportLogPath;
    deferred.ready(assembled.engine);
  } catch (error) {
    return fail(t, error);
  }
  return new Promise<never>(() => undefined);
}

async function runEngineCommand(
  command: Extract<Command, {kind: 'run' | 'status' | 'test' | 'pin'}>,
  settings: Settings,
  t: Catalogue,
): Promise<number> {
  const env = process.env;
  const options = effectiveOptions(command.options, settings);
  const display = decideDisplay(command.options, env, {
    isInputTty: process.stdin.isTTY === true,
    isOutputTty: process.stdout.isTTY === true,
  });
  const isDemo = command.kind === 'run' && (command.isDemo || options.service === undefined);
  if (command.kind === 'run' && !isDemo && options.serviceCa === undefined)
    throw new CliError('no-service', 'service-ca');
  const source: EngineSource = isDemo
    ? {
        kind: 'demo',
        card: command.kind === 'run' ? command.demoCard : 'siths-eid',
        directory: demoDirectory(),
        cardStateFile: env['SITHS_UPGRADE_DEMO_CARD'],
        timingSeed: demoTimingSeed(env['SITHS_UPGRADE_DEMO_SEED']),
      }
    : command.kind === 'run'
      ? {
          kind: 'service',
          serviceUrl: command.options.service ?? savedServiceUrl(options.service!, settings.path),
          serviceCaPath: options.serviceCa!,
        }
      : {
          kind: 'card-only',
          serviceCaPath: options.serviceCa,
          // status and test judge the card's certificates by the service's issuing CAs; pin needs no service.
          serviceUrl:
            command.kind === 'pin' || options.serviceCa === undefined || options.service === undefined
              ? undefined
              : (command.options.service ?? savedServiceUrl(options.service, settings.path)),
        };
  const makeEngine = async (): Promise<AssembledEngine> => {
    const {assembleEngine} = await import('./cli/engine-setup.js');
    const assembled = await assembleEngine(source, {
      language: t.language,
      preferredReader: options.reader,
      isTracing: command.options.isTracing || env['SITHS_TRACE'] === '1',
      env,
    });
    cleanups.unshift(() => assembled.close());
    return assembled;
  };

  const isItCommand = command.kind !== 'run';
  const demo = source.kind === 'demo' ? demoCodes(source.card) : undefined;
  if (!display.isPlain && !isItCommand) return runFullScreen(t, display, demo, makeEngine);

  const task: PlainTask =
    command.kind === 'run'
      ? {kind: 'interactive'}
      : command.kind === 'status'
        ? {kind: 'operation', operation: 'status', isJson: command.isJson}
        : command.kind === 'test'
          ? {kind: 'operation', operation: 'test-eid'}
          : {kind: 'operation', operation: command.action === 'change' ? 'change-pin' : 'unblock-pin'};
  const [{TerminalInput}, {runPlainSession}] = await Promise.all([
    import('./cli/terminal-input.js'),
    import('./cli/plain-session.js'),
  ]);
  const input = new TerminalInput(process.stdin, isItCommand ? process.stderr : process.stdout, () => {
    void exit(ExitCode.Interrupted);
  });
  cleanups.unshift(() => input.close());
  if (demo !== undefined) {
    println(t.welcome.demo);
    const pins =
      demo.signaturePin === undefined
        ? [t.welcome.demoPin(demo.pin)]
        : [t.welcome.demoAuthenticationPin(demo.pin), t.welcome.demoSignaturePin(demo.signaturePin)];
    println([...pins, t.welcome.demoPuk(demo.puk)].join(', '));
  }
  const {engine} = await makeEngine();
  return runPlainSession({engine, catalogue: t, input, write: println, now: () => new Date(), task});
}

/** The catalogue of the language chosen so far, for messages of failures anywhere. */
let t = catalogues.sv;

async function main(argv: readonly string[]): Promise<number> {
  // A frame the entry drew is taken off again however main ends, before its message is printed.
  if (firstFrame !== undefined) cleanups.unshift(() => firstFrame.screen.restore());
  let settings: Settings;
  try {
    settings = new Settings(process.env['SITHS_UPGRADE_CONFIG_DIR']);
  } catch (error) {
    // Said in the language of --lang, else of the locale: the file's own language setting is unreadable.
    t = catalogues[languageFlag(argv) ?? defaultLanguage(undefined)];
    return fail(t, error);
  }
  t = catalogues[languageFlag(argv) ?? defaultLanguage(settings)];
  try {
    const command = parseArguments(argv);
    if ('options' in command && command.options.language !== undefined)
      t = catalogues[command.options.language];
    switch (command.kind) {
      case 'help':
        println(catalogues[command.language ?? t.language].cli.help[command.topic]);
        return ExitCode.Ok;
      case 'version':
        println(packageJson.version);
        return ExitCode.Ok;
      case 'config':
        return await runConfig(command, settings, t);
      case 'serve':
        isStoppedBySignal = true;
        return await runServe(command.configPath, t);
      case 'serve-report':
        return await runServeReport(command, t);
      case 'serve-init': {
        const {createDemoSetup} = await import('./service/demo-setup.js');
        const setup = await createDemoSetup(resolve(command.directory));
        println(t.cli.setupWritten(setup.configPath));
        return ExitCode.Ok;
      }
      case 'simulate': {
        isStoppedBySignal = true;
        const {simulateCommand} = await import('./cli/simulate-command.js');
        const stop = new AbortController();
        const running = simulateCommand(command, process.env, stop.signal);
        cleanups.push(() => {
          stop.abort();
          return running;
        });
        await running;
        return ExitCode.Ok;
      }
      case 'run':
      case 'status':
      case 'test':
      case 'pin':
        return await runEngineCommand(command, settings, t);
    }
  } catch (error) {
    return fail(t, error);
  }
}

/** serve and simulate run until stopped: a signal is their normal end (exit 0). */
let isStoppedBySignal = false;

process.on('SIGINT', () => void exit(isStoppedBySignal ? ExitCode.Ok : ExitCode.Interrupted));
process.on('SIGTERM', () => void exit(isStoppedBySignal ? ExitCode.Ok : ExitCode.Terminated));
process.on('SIGHUP', () => void exit(isStoppedBySignal ? ExitCode.Ok : ExitCode.Hangup));
process.on('uncaughtException', (error) => void fail(t, error));
process.on('unhandledRejection', (reason) => void fail(t, reason));

/**
 * The first frame as the entry left it (source/cli/first-frame.ts): maybe drawn already, on the full screen. Taken
 * only now that main's signal handlers are on: taking it removes the entry's, and a signal caught but not yet
 * dispatched would be lost with the last handler (it was: a SIGTERM while main loaded left the program running).
 */
const firstFrame = takeFirstFrame();

void main(process.argv.slice(2)).then((code) => exit(code));
