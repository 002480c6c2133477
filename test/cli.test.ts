import {existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import packageJson from '../package.json' with {type: 'json'};
import {ExitCode} from '../source/cli/exit-codes.js';
import {catalogues} from '../source/screens/i18n/language.js';
import {runCliFromSources, type CliAnswer} from './support/run-cli.js';

/**
 * source/cli.tsx, the entry, as a process: it answers --help and --version itself and hands everything else to
 * source/main.tsx, which dispatches the commands and ends every failure with a message and an exit code.
 */

const en = catalogues.en;
const sv = catalogues.sv;

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'siths-entry-'));
});
afterEach(() => {
  rmSync(home, {recursive: true, force: true});
});

type Answer = CliAnswer;

/** Runs the entry from the sources in `lang`'s locale, with its own settings and state directories. */
function cli(argv: readonly string[], lang = 'en_GB.UTF-8'): Promise<Answer> {
  return runCliFromSources(argv, {home, lang});
}

/** A failure's message is for people: no stack trace, no JavaScript error names. */
function expectNoTrace(answer: Answer): void {
  expect(answer.stderr).not.toMatch(/^\s+at |TypeError|ReferenceError|node:internal/m);
}

/** Each test starts the entry several times from the sources, a few seconds each on a busy machine. */
describe('the entry, source/cli.tsx', {timeout: 180_000}, () => {
  it('prints the help of the main command and of each command, in the locale’s language or --lang’s, exit 0', async () => {
    const english = await cli(['--help']);
    expect(english).toEqual({code: ExitCode.Ok, stdout: `${en.cli.help.main}\n`, stderr: ''});
    const swedish = await cli(['-h'], 'sv_SE.UTF-8');
    expect(swedish.stdout).toBe(`${sv.cli.help.main}\n`);
    const status = await cli(['status', '--help', '--lang', 'sv']);
    expect(status.stdout).toBe(`${sv.cli.help.status}\n`);
    const pin = await cli(['pin', 'change', '-h']);
    expect(pin.stdout).toBe(`${en.cli.help.pin}\n`);
  });

  it('prints the version of package.json, exit 0', async () => {
    for (const flag of ['--version', '-v']) {
      expect(await cli([flag])).toEqual({code: ExitCode.Ok, stdout: `${packageJson.version}\n`, stderr: ''});
    }
  });

  it('refuses an unknown flag, command or incomplete command as a usage error (exit 2) that names it and points to --help', async () => {
    for (const [argv, detail] of [
      [['--bogus'], '--bogus'],
      [['frobnicate'], 'frobnicate'],
      [['pin'], 'pin'],
      [['serve'], 'serve --config <file> | --init <dir>'],
      [['--lang', 'de'], '--lang de'],
    ] as const) {
      const answer = await cli(argv);
      expect(answer.code, argv.join(' ')).toBe(ExitCode.Usage);
      expect(answer.stdout).toBe('');
      expect(answer.stderr).toBe(`${en.cli.badArguments(detail)}\n${en.cli.seeHelp}\n`);
    }
  });

  it('refuses a PIN given as an argument (exit 2), without repeating it', async () => {
    const answer = await cli(['status', '--pin=123456']);
    expect(answer.code).toBe(ExitCode.Usage);
    expect(answer.stderr).toBe(`${en.cli.pinNotFromArguments}\n`);
    expect(answer.stderr).not.toContain('123456');
  });

  it('dispatches config: set, get, list and unset, and the saved language is the help’s', async () => {
    const set = await cli(['config', 'set', 'lang', 'sv']);
    expect(set.code).toBe(ExitCode.Ok);
    expect((await cli(['config', 'get', 'lang'])).stdout).toBe('sv\n');
    const list = await cli(['config', 'list']);
    expect(list.stdout).toContain(sv.cli.configFile(join(home, 'config', 'config.json')));
    expect(list.stdout).toContain('lang = sv');
    expect((await cli(['--help'])).stdout).toBe(`${sv.cli.help.main}\n`);
    expect((await cli(['config', 'unset', 'lang'])).code).toBe(ExitCode.Ok);
    const unset = await cli(['config', 'get', 'lang']);
    expect(unset).toEqual({code: ExitCode.Failed, stdout: `${en.cli.notSet}\n`, stderr: ''});
    const unknown = await cli(['config', 'get', 'colour']);
    expect(unknown.code).toBe(ExitCode.Usage);
    expect(unknown.stderr).toContain(en.cli.configUnknownKey('colour'));
  });

  it('dispatches serve --init to the reference service’s demo setup, which it writes', async () => {
    const directory = join(home, 'service');
    const answer = await cli(['serve', '--init', directory]);
    expect(answer.code, answer.stderr).toBe(ExitCode.Ok);
    expect(answer.stdout).toBe(`${en.cli.setupWritten(join(directory, 'config.json'))}\n`);
    expect(existsSync(join(directory, 'config.json'))).toBe(true);
  });

  it('dispatches serve report to the campaign report of the configured store, and ends a bad config with its message', async () => {
    const directory = join(home, 'service');
    expect((await cli(['serve', '--init', directory])).code).toBe(ExitCode.Ok);
    const config = join(directory, 'config.json');
    const table = await cli(['serve', 'report', '--config', config, '--lang', 'sv']);
    expect(table.code, table.stderr).toBe(ExitCode.Ok);
    expect(table.stdout).toContain(`${sv.cli.report.organisations}\n`);
    expect(table.stdout).toMatch(/^Region Demo +4 +2 +0 +2$/m);
    const json = await cli(['serve', 'report', '--config', config, '--json']);
    expect(json.code, json.stderr).toBe(ExitCode.Ok);
    const report = JSON.parse(json.stdout) as {notUpgraded: {name: string}[]; days: unknown[]};
    expect(report.notUpgraded.map((card) => card.name)).toEqual(['Anna Andersson', 'Bo Berg', 'Daniel Dahl']);
    expect(report.days).toEqual([]);
    const csv = await cli(['serve', 'report', '--config', config, '--csv']);
    expect(
      csv.stdout.startsWith('organisations\r\norganisation,cards,upgradeable,upgraded,stillOld\r\n'),
    ).toBe(true);

    const missing = join(home, 'nowhere.json');
    const failed = await cli(['serve', 'report', '--config', missing]);
    expect(failed.code).toBe(ExitCode.Internal);
    expect(failed).toMatchObject({stdout: '', stderr: `${en.cli.fatal(`cannot read ${missing}`)}\n`});
    expectNoTrace(failed);
  });

  it('leaves --help to main when the settings file does not read, which says what is wrong (exit 2)', async () => {
    mkdirSync(join(home, 'config'));
    const path = join(home, 'config', 'config.json');
    writeFileSync(path, '{lang');
    const answer = await cli(['--help']);
    expect(answer.code).toBe(ExitCode.Usage);
    expect(answer.stdout).toBe('');
    expect(answer.stderr).toContain(path);
    expectNoTrace(answer);
    // --lang needs no setting: the entry answers it.
    expect((await cli(['--help', '--lang', 'en'])).stdout).toBe(`${en.cli.help.main}\n`);
  });

  it('ends a command that needs a service it does not have with a clear message (exit 2)', async () => {
    const answer = await cli(['--service', 'https://upgrade.example', '--plain']);
    expect(answer.code).toBe(ExitCode.Usage);
    expect(answer.stderr).toBe(`${en.cli.noServiceConfigured}\n`);
    expectNoTrace(answer);
  });
});
