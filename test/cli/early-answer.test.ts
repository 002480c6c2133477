import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import packageJson from '../../package.json' with {type: 'json'};
import type {HelpTopic} from '../../source/cli/arguments.js';
import {earlyAnswer} from '../../source/cli/early-answer.js';
import {readSavedLanguage, settingsFilePath} from '../../source/cli/settings-file.js';
import {Settings} from '../../source/cli/settings.js';
import {catalogues} from '../../source/screens/i18n/language.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'siths-early-'));
});
afterEach(() => {
  rmSync(directory, {recursive: true, force: true});
});

const TOPICS: readonly [HelpTopic, string[]][] = [
  ['main', ['--help']],
  ['main', ['-h']],
  ['status', ['status', '--help']],
  ['test', ['test', '-h']],
  ['pin', ['pin', 'change', '--help']],
  ['config', ['config', '--help']],
  ['serve', ['serve', '--help']],
  ['simulate', ['simulate', '--help']],
];

describe('earlyAnswer', () => {
  it.each(TOPICS)(
    'gives the catalogue’s help (%s) in the language of --lang, the setting or the locale',
    async (topic, argv) => {
      const env = {SITHS_UPGRADE_CONFIG_DIR: directory, LANG: 'sv_SE.UTF-8'};
      expect(earlyAnswer(argv, env)).toBe(catalogues.sv.cli.help[topic]);
      expect(earlyAnswer([...argv, '--lang', 'en'], env)).toBe(catalogues.en.cli.help[topic]);
      expect(earlyAnswer(argv, {...env, LANG: 'en_GB.UTF-8'})).toBe(catalogues.en.cli.help[topic]);
      expect(earlyAnswer(argv, {...env, LC_ALL: 'en_US.UTF-8'})).toBe(catalogues.en.cli.help[topic]);
      await new Settings(directory).set('lang', 'en');
      expect(earlyAnswer(argv, env)).toBe(catalogues.en.cli.help[topic]);
      expect(earlyAnswer([...argv, '--lang=sv'], env)).toBe(catalogues.sv.cli.help[topic]);
    },
  );

  it('gives the version', () => {
    expect(earlyAnswer(['--version'], {})).toBe(packageJson.version);
    expect(earlyAnswer(['-v'], {})).toBe(packageJson.version);
  });

  it('leaves everything else to main: other commands, refused arguments, a settings file that does not read', () => {
    const env = {SITHS_UPGRADE_CONFIG_DIR: directory};
    expect(earlyAnswer([], env)).toBeUndefined();
    expect(earlyAnswer(['status'], env)).toBeUndefined();
    expect(earlyAnswer(['--help', '--bogus'], env)).toBeUndefined();
    expect(earlyAnswer(['--help', '--pin=1234'], env)).toBeUndefined();
    writeFileSync(join(directory, 'config.json'), '{lang');
    expect(earlyAnswer(['--help'], env)).toBeUndefined();
    expect(earlyAnswer(['--help', '--lang', 'en'], env)).toBe(catalogues.en.cli.help.main);
  });
});

describe('the settings file without conf', () => {
  it('is where conf keeps it, in a given directory or the user’s config directory', () => {
    expect(settingsFilePath(directory)).toBe(new Settings(directory).path);
    const saved = process.env['XDG_CONFIG_HOME'];
    process.env['XDG_CONFIG_HOME'] = directory;
    try {
      expect(settingsFilePath(undefined, process.env)).toBe(new Settings().path);
    } finally {
      if (saved === undefined) delete process.env['XDG_CONFIG_HOME'];
      else process.env['XDG_CONFIG_HOME'] = saved;
    }
  });

  it('gives the saved language as Settings does, ignoring a value that is no language', async () => {
    const path = settingsFilePath(directory);
    expect(readSavedLanguage(path)).toEqual({});
    const settings = new Settings(directory);
    await settings.set('lang', 'en');
    expect(readSavedLanguage(path)).toEqual({language: 'en'});
    writeFileSync(path, JSON.stringify({lang: 'klingon'}));
    expect(readSavedLanguage(path)).toEqual({});
    expect(new Settings(directory).values().language).toBeUndefined();
  });
});
