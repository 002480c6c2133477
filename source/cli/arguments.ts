import {parseArgs, type ParseArgsConfig} from 'node:util';
import type {SimulatedCard} from '../card/virtual/simulate.js';
import type {Language} from '../screens/i18n/catalogue.js';
import {isLanguage} from '../screens/i18n/locale.js';
import {CliError} from './errors.js';
import type {ReportFormat} from './report-output.js';
import {checkServiceUrl} from './service-url.js';

/** Options every engine command takes; flags override the settings. */
export interface EngineOptions {
  readonly reader?: string;
  readonly service?: string;
  readonly serviceCa?: string;
  readonly language?: Language;
  /** Plain lines for screen readers, logs and non-terminals. */
  readonly isPlain: boolean;
  /** ASCII instead of box drawing. */
  readonly isAscii: boolean;
  /** No colours. */
  readonly isColorless: boolean;
  /** Adds the redacted APDUs to the support log (--trace, or SITHS_TRACE=1). */
  readonly isTracing: boolean;
}

/** The help pages, one per command. */
export type HelpTopic = 'main' | 'status' | 'test' | 'pin' | 'config' | 'serve' | 'simulate';

/** What the command line asks for. */
export type Command =
  | {readonly kind: 'help'; readonly topic: HelpTopic; readonly language?: Language}
  | {readonly kind: 'version'}
  | {
      readonly kind: 'run';
      readonly options: EngineOptions;
      readonly isDemo: boolean;
      /** The demo's virtual card (--card; default the two-PIN SITHS card). */
      readonly demoCard: SimulatedCard;
    }
  | {readonly kind: 'status'; readonly options: EngineOptions; readonly isJson: boolean}
  | {readonly kind: 'test'; readonly options: EngineOptions}
  | {readonly kind: 'pin'; readonly options: EngineOptions; readonly action: 'change' | 'unblock'}
  | {readonly kind: 'config'; readonly action: 'list'; readonly language?: Language}
  | {
      readonly kind: 'config';
      readonly action: 'get' | 'unset';
      readonly key: string;
      readonly language?: Language;
    }
  | {
      readonly kind: 'config';
      readonly action: 'set';
      readonly key: string;
      readonly value: string;
      readonly language?: Language;
    }
  | {readonly kind: 'serve'; readonly configPath: string; readonly language?: Language}
  | {readonly kind: 'serve-init'; readonly directory: string; readonly language?: Language}
  | {
      readonly kind: 'serve-report';
      readonly configPath: string;
      readonly format: ReportFormat;
      readonly language?: Language;
    }
  | {
      readonly kind: 'simulate';
      readonly stateFile?: string;
      readonly vpcd: {readonly host: string; readonly port: number};
      readonly card: SimulatedCard;
      readonly profile: 'blank' | 'old-siths';
      readonly timing: 'realistic' | 'instant';
      /** A reference service's config: the card's credential from its old CA, its management key from its secret. */
      readonly serviceConfig?: string;
      readonly language?: Language;
    };

const ENGINE_FLAGS = {
  reader: {type: 'string'},
  service: {type: 'string'},
  'service-ca': {type: 'string'},
  lang: {type: 'string'},
  plain: {type: 'boolean'},
  ascii: {type: 'boolean'},
  'no-color': {type: 'boolean'},
  trace: {type: 'boolean'},
  help: {type: 'boolean', short: 'h'},
} as const;

/** Flags that would carry a secret: refused by name before anything is parsed. */
const SECRET_FLAG = /^--?(pin|puk|new-pin|current-pin|management-key|mgm-key|key)(=|$)/i;

/** The language flag of an argument list, when valid (for the language of help and error texts). */
export function languageFlag(argv: readonly string[]): Language | undefined {
  const index = argv.findIndex((arg) => arg === '--lang' || arg.startsWith('--lang='));
  if (index === -1) return undefined;
  const arg = argv[index]!;
  const value = arg.includes('=') ? arg.slice('--lang='.length) : argv[index + 1];
  return isLanguage(value) ? value : undefined;
}

function parse<const Flags extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  flags: Flags,
) {
  try {
    return parseArgs({args: [...args], options: flags, allowPositionals: true, strict: true});
  } catch (error) {
    const option = /'(-[^']*)'/.exec((error as Error).message)?.[1] ?? args.join(' ');
    throw new CliError('usage', option, {cause: error});
  }
}

function language(value: unknown): Language | undefined {
  if (value === undefined) return undefined;
  if (!isLanguage(value)) throw new CliError('usage', `--lang ${String(value)}`);
  return value;
}

function engineOptions(values: Record<string, string | boolean | undefined>): EngineOptions {
  const text = (name: string) => {
    const value = values[name];
    if (value === '') throw new CliError('usage', `--${name}`);
    return typeof value === 'string' ? value : undefined;
  };
  return {
    reader: text('reader'),
    service: optional(text('service'), checkServiceUrl),
    serviceCa: text('service-ca'),
    language: language(values['lang']),
    isPlain: values['plain'] === true,
    isAscii: values['ascii'] === true,
    isColorless: values['no-color'] === true,
    isTracing: values['trace'] === true,
  };
}

function optional<T>(value: string | undefined, check: (value: string) => T): T | undefined {
  return value === undefined ? undefined : check(value);
}

function noMore(positionals: readonly string[], from: number): void {
  const extra = positionals[from];
  if (extra !== undefined) throw new CliError('usage', extra);
}

/** Every flag that takes a value, so the command is found after `--lang en` and the like. */
const VALUE_FLAGS = [
  'reader',
  'service',
  'service-ca',
  'lang',
  'config',
  'init',
  'state',
  'card',
  'vpcd',
  'profile',
  'timing',
  'for-service',
] as const;

/** vsmartcard's default vpcd port (0x8C7B). */
const VPCD_DEFAULT = {host: '127.0.0.1', port: 35963} as const;

/** A virtual card's kind, as --card names it. Throws CliError 'usage'. */
function virtualCard(value: string): SimulatedCard {
  if (value !== 'piv' && value !== 'siths-eid') throw new CliError('usage', `--card ${value}`);
  return value;
}

function vpcdAddress(value: string | undefined): {host: string; port: number} {
  if (value === undefined) return VPCD_DEFAULT;
  const match = /^(.+):(\d{1,5})$/.exec(value);
  const port = Number(match?.[2]);
  if (match === null || port < 1 || port > 65_535) throw new CliError('usage', `--vpcd ${value}`);
  return {host: match[1]!, port};
}

/** The arguments that are neither flags nor flags' values: the command word, then its own words. */
function wordsOf(argv: readonly string[]): string[] {
  const options = Object.fromEntries(VALUE_FLAGS.map((flag) => [flag, {type: 'string' as const}]));
  return parseArgs({args: [...argv], options, strict: false, allowPositionals: true}).positionals;
}

/** No command word: the full screen or the demo, --help, --version. */
function runCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, {
    ...ENGINE_FLAGS,
    demo: {type: 'boolean'},
    card: {type: 'string'},
    version: {type: 'boolean', short: 'v'},
  });
  noMore(positionals, 0);
  if (values.help) return {kind: 'help', topic: 'main', language: lang};
  if (values.version) return {kind: 'version'};
  // The demo's card; a real service means a real card, found by what it answers.
  if (values.card !== undefined && values.service !== undefined && values.demo !== true)
    throw new CliError('usage', `--card ${values.card} --service`);
  return {
    kind: 'run',
    options: engineOptions(values),
    isDemo: values.demo === true,
    demoCard: virtualCard(values.card ?? 'siths-eid'),
  };
}

/** `status [--json]`: the card's state, for IT. */
function statusCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, {...ENGINE_FLAGS, json: {type: 'boolean'}});
  noMore(positionals, 1);
  if (values.help) return {kind: 'help', topic: 'status', language: lang};
  return {kind: 'status', options: engineOptions(values), isJson: values.json === true};
}

/** `test`: the card signs, the signature is checked. */
function testCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, ENGINE_FLAGS);
  noMore(positionals, 1);
  if (values.help) return {kind: 'help', topic: 'test', language: lang};
  return {kind: 'test', options: engineOptions(values)};
}

/** `pin change|unblock`. */
function pinCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, ENGINE_FLAGS);
  if (values.help) return {kind: 'help', topic: 'pin', language: lang};
  const action = positionals[1];
  if (action !== 'change' && action !== 'unblock') throw new CliError('usage', `pin ${action ?? ''}`.trim());
  noMore(positionals, 2);
  return {kind: 'pin', options: engineOptions(values), action};
}

/** `config [list|get KEY|set KEY VALUE|unset KEY]`. */
function configCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, {help: ENGINE_FLAGS.help, lang: ENGINE_FLAGS.lang});
  if (values.help) return {kind: 'help', topic: 'config', language: lang};
  const [, action = 'list', key, value] = positionals;
  if (action === 'list') {
    noMore(positionals, 2);
    return {kind: 'config', action, language: lang};
  }
  if ((action === 'get' || action === 'unset') && key !== undefined) {
    noMore(positionals, 3);
    return {kind: 'config', action, key, language: lang};
  }
  if (action === 'set' && key !== undefined && value !== undefined) {
    noMore(positionals, 4);
    return {kind: 'config', action, key, value, language: lang};
  }
  throw new CliError('usage', `config ${positionals.slice(1).join(' ')}`);
}

/** `serve --config FILE`, `serve --init DIR` or `serve report --config FILE [--json | --csv]`. */
function serveCommand(argv: readonly string[], lang: Language | undefined): Command {
  if (wordsOf(argv)[1] === 'report') return serveReportCommand(argv, lang);
  const {values, positionals} = parse(argv, {
    help: ENGINE_FLAGS.help,
    lang: ENGINE_FLAGS.lang,
    config: {type: 'string'},
    init: {type: 'string'},
  });
  noMore(positionals, 1);
  if (values.help) return {kind: 'help', topic: 'serve', language: lang};
  if (values.init !== undefined && values.config === undefined)
    return {kind: 'serve-init', directory: values.init, language: lang};
  if (values.config !== undefined && values.init === undefined)
    return {kind: 'serve', configPath: values.config, language: lang};
  throw new CliError('usage', 'serve --config <file> | --init <dir>');
}

/** `serve report --config FILE [--json | --csv]`: the campaign report, as a table unless a flag says otherwise. */
function serveReportCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, {
    help: ENGINE_FLAGS.help,
    lang: ENGINE_FLAGS.lang,
    config: {type: 'string'},
    json: {type: 'boolean'},
    csv: {type: 'boolean'},
  });
  noMore(positionals, 2);
  if (values.help) return {kind: 'help', topic: 'serve', language: lang};
  if (values.json && values.csv) throw new CliError('usage', '--json --csv');
  if (values.config === undefined)
    throw new CliError('usage', 'serve report --config <file> [--json | --csv]');
  const format = values.json ? 'json' : values.csv ? 'csv' : 'table';
  return {kind: 'serve-report', configPath: values.config, format, language: lang};
}

/** `simulate`: a virtual card behind vpcd. */
function simulateCommand(argv: readonly string[], lang: Language | undefined): Command {
  const {values, positionals} = parse(argv, {
    help: ENGINE_FLAGS.help,
    lang: ENGINE_FLAGS.lang,
    state: {type: 'string'},
    vpcd: {type: 'string'},
    card: {type: 'string'},
    profile: {type: 'string'},
    timing: {type: 'string'},
    'for-service': {type: 'string'},
  });
  noMore(positionals, 1);
  if (values.help) return {kind: 'help', topic: 'simulate', language: lang};
  const card = virtualCard(values.card ?? 'piv');
  const profile = values.profile ?? 'old-siths';
  if (profile !== 'blank' && profile !== 'old-siths') throw new CliError('usage', `--profile ${profile}`);
  const timing = values.timing ?? 'realistic';
  if (timing !== 'realistic' && timing !== 'instant') throw new CliError('usage', `--timing ${timing}`);
  return {
    kind: 'simulate',
    stateFile: values.state,
    vpcd: vpcdAddress(values.vpcd),
    card,
    profile,
    timing,
    serviceConfig: values['for-service'],
    language: lang,
  };
}

/**
 * Reads the command line (without node and the script). Pure. Throws CliError 'usage' for anything it does not
 * know, 'pin-in-arguments' for a flag that would carry a PIN, PUK or key, and those of checkServiceUrl for a
 * --service that is not an https URL.
 */
export function parseArguments(argv: readonly string[]): Command {
  const secret = argv.find((arg) => SECRET_FLAG.test(arg));
  if (secret !== undefined) throw new CliError('pin-in-arguments', secret.split('=')[0]!);
  const command = wordsOf(argv)[0];
  const lang = languageFlag(argv);
  switch (command) {
    case undefined:
      return runCommand(argv, lang);
    case 'status':
      return statusCommand(argv, lang);
    case 'test':
      return testCommand(argv, lang);
    case 'pin':
      return pinCommand(argv, lang);
    case 'config':
      return configCommand(argv, lang);
    case 'serve':
      return serveCommand(argv, lang);
    case 'simulate':
      return simulateCommand(argv, lang);
    default:
      throw new CliError('usage', command);
  }
}

/**
 * Whether the command line starts the terminal session (`run`: the TUI or its plain mode), which the entry prepares
 * before the app loads; false for other commands and for arguments parseArguments refuses (main says why).
 */
export function isTerminalSession(argv: readonly string[]): boolean {
  try {
    return parseArguments(argv).kind === 'run';
  } catch {
    return false;
  }
}
