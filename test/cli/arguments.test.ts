import {describe, expect, it} from 'vitest';
import {isTerminalSession, languageFlag, parseArguments} from '../../source/cli/arguments.js';
import {CliError} from '../../source/cli/errors.js';

const plainOptions = {isPlain: false, isAscii: false, isColorless: false, isTracing: false};

function failure(argv: string[]): CliError {
  try {
    parseArguments(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('parseArguments accepted it');
}

describe('parseArguments', () => {
  it('runs the full screen without a command, the demo with --demo', () => {
    expect(parseArguments([])).toEqual({
      kind: 'run',
      options: plainOptions,
      isDemo: false,
      demoCard: 'siths-eid',
    });
    expect(parseArguments(['--demo'])).toMatchObject({kind: 'run', isDemo: true});
  });

  it("puts the two-PIN SITHS card in the demo's reader, a PIV card with --card piv", () => {
    expect(parseArguments(['--demo'])).toMatchObject({demoCard: 'siths-eid'});
    expect(parseArguments(['--demo', '--card', 'piv'])).toMatchObject({isDemo: true, demoCard: 'piv'});
    expect(() => parseArguments(['--demo', '--card', 'yubikey'])).toThrow(
      expect.objectContaining({code: 'usage'}),
    );
    // A real service means a real card: the card is found by what it answers.
    expect(() => parseArguments(['--card', 'piv', '--service', 'https://u.example'])).toThrow(
      expect.objectContaining({code: 'usage'}),
    );
  });

  it('reads the engine flags of every engine command', () => {
    const argv = [
      '--reader',
      'Yubico',
      '--service',
      'https://u.example',
      '--service-ca',
      'ca.pem',
      '--lang',
      'en',
    ];
    const options = {reader: 'Yubico', service: 'https://u.example', serviceCa: 'ca.pem', language: 'en'};
    expect(parseArguments(argv)).toMatchObject({kind: 'run', options});
    expect(parseArguments(['status', '--json', ...argv])).toMatchObject({
      kind: 'status',
      isJson: true,
      options,
    });
    expect(parseArguments(['test', '--plain', '--ascii', '--no-color'])).toMatchObject({
      kind: 'test',
      options: {isPlain: true, isAscii: true, isColorless: true},
    });
    expect(parseArguments(['status', '--trace'])).toMatchObject({kind: 'status', options: {isTracing: true}});
    expect(parseArguments(['status'])).toMatchObject({kind: 'status', options: {isTracing: false}});
    expect(parseArguments(['pin', 'change'])).toMatchObject({kind: 'pin', action: 'change'});
    expect(parseArguments(['pin', 'unblock', '--reader', 'X'])).toMatchObject({
      kind: 'pin',
      action: 'unblock',
    });
  });

  it('finds the command after flags with values', () => {
    expect(parseArguments(['--lang', 'en', 'status'])).toMatchObject({
      kind: 'status',
      options: {language: 'en'},
    });
    expect(parseArguments(['--reader=Virtual PCD 00 00', 'test'])).toMatchObject({kind: 'test'});
  });

  it('gives help for each command, and the version', () => {
    expect(parseArguments(['--help'])).toEqual({kind: 'help', topic: 'main', language: undefined});
    for (const topic of ['status', 'test', 'pin', 'config', 'serve', 'simulate'] as const) {
      expect(parseArguments([topic, '-h'])).toMatchObject({kind: 'help', topic});
    }
    expect(parseArguments(['--lang', 'en', 'config', '--help'])).toMatchObject({language: 'en'});
    expect(parseArguments(['-v'])).toEqual({kind: 'version'});
  });

  it('reads config list, get, set and unset', () => {
    expect(parseArguments(['config'])).toMatchObject({kind: 'config', action: 'list'});
    expect(parseArguments(['config', 'get', 'lang'])).toMatchObject({action: 'get', key: 'lang'});
    expect(parseArguments(['config', 'set', 'service', 'https://x'])).toMatchObject({
      action: 'set',
      key: 'service',
      value: 'https://x',
    });
    expect(parseArguments(['config', 'unset', 'reader'])).toMatchObject({action: 'unset', key: 'reader'});
  });

  it('reads serve and simulate', () => {
    expect(parseArguments(['serve', '--config', 'c.json'])).toMatchObject({
      kind: 'serve',
      configPath: 'c.json',
    });
    expect(parseArguments(['serve', '--init', 'dir'])).toMatchObject({kind: 'serve-init', directory: 'dir'});
    expect(parseArguments(['simulate'])).toMatchObject({
      kind: 'simulate',
      vpcd: {host: '127.0.0.1', port: 35963},
      card: 'piv',
      profile: 'old-siths',
      timing: 'realistic',
    });
    expect(
      parseArguments(['simulate', '--vpcd', 'localhost:20000', '--profile', 'blank', '--timing', 'instant']),
    ).toMatchObject({vpcd: {host: 'localhost', port: 20000}, profile: 'blank', timing: 'instant'});
    expect(parseArguments(['simulate', '--card', 'siths-eid'])).toMatchObject({
      card: 'siths-eid',
      profile: 'old-siths',
    });
  });

  it('reads serve report: a table unless --json or --csv, help on the serve page', () => {
    expect(parseArguments(['serve', 'report', '--config', 'c.json'])).toEqual({
      kind: 'serve-report',
      configPath: 'c.json',
      format: 'table',
      language: undefined,
    });
    expect(parseArguments(['serve', 'report', '--config=c.json', '--json'])).toMatchObject({format: 'json'});
    expect(parseArguments(['--lang', 'sv', 'serve', '--csv', 'report', '--config', 'c.json'])).toMatchObject({
      kind: 'serve-report',
      format: 'csv',
      language: 'sv',
    });
    expect(parseArguments(['serve', 'report', '--help'])).toMatchObject({kind: 'help', topic: 'serve'});
    // The config file's name is a flag's value, not the subcommand.
    expect(parseArguments(['serve', '--config', 'report'])).toMatchObject({
      kind: 'serve',
      configPath: 'report',
    });
  });

  it.each([
    [['bogus'], 'bogus'],
    [['--bogus'], '--bogus'],
    [['status', 'extra'], 'extra'],
    [['pin'], 'pin'],
    [['pin', 'reset'], 'pin reset'],
    [['--lang', 'de'], '--lang de'],
    [['--reader', ''], '--reader'],
    [['config', 'set', 'lang'], 'config set lang'],
    [['serve'], 'serve --config <file> | --init <dir>'],
    [['serve', '--json', '--config', 'c.json'], '--json'],
    [['serve', 'report'], 'serve report --config <file> [--json | --csv]'],
    [['serve', 'report', '--config', 'c.json', '--json', '--csv'], '--json --csv'],
    [['serve', 'report', '--config', 'c.json', 'extra'], 'extra'],
    [['serve', 'report', '--init', 'dir'], '--init'],
    [['simulate', '--vpcd', 'nowhere'], '--vpcd nowhere'],
    [['simulate', '--profile', 'new'], '--profile new'],
    [['simulate', '--card', 'idprime'], '--card idprime'],
  ])('refuses %j as a usage error naming %s', (argv, detail) => {
    const error = failure(argv);
    expect(error.code).toBe('usage');
    expect(error.detail).toBe(detail);
  });

  it.each([
    [['--service', 'not a url'], 'service-not-a-url', 'not a url'],
    [['status', '--service', 'upgrade.example:8443'], 'service-not-https', 'upgrade.example:8443'],
    [['--service', 'http://upgrade.example'], 'service-not-https', 'http://upgrade.example'],
    [['test', '--service=ftp://upgrade.example'], 'service-not-https', 'ftp://upgrade.example'],
    [
      ['--service', 'https://anna:secret@upgrade.example'],
      'service-has-credentials',
      'https://upgrade.example/',
    ],
  ])('refuses --service %j with the reason %s', (argv, code, detail) => {
    const error = failure(argv);
    expect(error.code).toBe(code);
    expect(error.detail).toBe(detail);
    expect(error.message).not.toContain('secret');
  });

  it('takes an https --service, without a trailing slash', () => {
    expect(parseArguments(['--service', 'https://upgrade.example:8443/'])).toMatchObject({
      options: {service: 'https://upgrade.example:8443'},
    });
  });

  it.each([
    ['--pin', '123456'],
    ['--pin=123456'],
    ['test', '--puk', '12345678'],
    ['pin', 'change', '--new-pin=1'],
  ])('refuses a code on the command line (%s) without reading its value', (...argv) => {
    const error = failure(argv);
    expect(error.code).toBe('pin-in-arguments');
    expect(error.detail).not.toMatch(/\d/);
    expect(error.message).not.toMatch(/\d{6}/);
  });
});

describe('languageFlag', () => {
  it('finds --lang in both forms, and ignores an unknown language', () => {
    expect(languageFlag(['status', '--lang', 'en'])).toBe('en');
    expect(languageFlag(['--lang=sv'])).toBe('sv');
    expect(languageFlag(['--lang', 'de'])).toBeUndefined();
    expect(languageFlag([])).toBeUndefined();
  });
});

describe('isTerminalSession', () => {
  it('is the terminal session for the TUI and its plain mode, not other commands or refused arguments', () => {
    expect(isTerminalSession([])).toBe(true);
    expect(isTerminalSession(['--demo', '--plain'])).toBe(true);
    expect(isTerminalSession(['status'])).toBe(false);
    expect(isTerminalSession(['serve', '--config', 'config.json'])).toBe(false);
    expect(isTerminalSession(['--help'])).toBe(false);
    expect(isTerminalSession(['--bogus'])).toBe(false);
    expect(isTerminalSession(['--pin=1234'])).toBe(false);
  });
});
