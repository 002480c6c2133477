import {mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {CliError, SettingsFileError} from '../../source/cli/errors.js';
import {checkSetting, isSettingKey, Settings} from '../../source/cli/settings.js';
import {createCertificateAuthority} from '../../source/pki/issue.js';

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'siths-settings-'));
});
afterEach(() => {
  rmSync(directory, {recursive: true, force: true});
});

function refused(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('checkSetting', () => {
  it('takes an https URL for the service, without a trailing slash, and says why it refuses another', () => {
    expect(checkSetting('service', 'https://upgrade.example:8443/')).toBe('https://upgrade.example:8443');
    expect(refused(() => checkSetting('service', 'http://upgrade.example')).code).toBe('service-not-https');
    expect(refused(() => checkSetting('service', 'upgrade.example')).code).toBe('service-not-a-url');
  });

  it('takes a readable PEM certificate for the service CA and stores its absolute path', async () => {
    const {X509Certificate} = await import('node:crypto');
    const authority = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Test CA'}],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date(Date.now() - 1000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    writeFileSync(join(directory, 'ca.pem'), new X509Certificate(authority.certificate).toString());
    expect(checkSetting('service-ca', 'ca.pem', directory)).toBe(join(directory, 'ca.pem'));
    writeFileSync(join(directory, 'not.pem'), 'nothing\n');
    expect(refused(() => checkSetting('service-ca', 'not.pem', directory)).code).toBe('setting-invalid');
    expect(refused(() => checkSetting('service-ca', 'missing.pem', directory)).code).toBe('setting-invalid');
  });

  it('takes sv or en as the language and any name as the reader', () => {
    expect(checkSetting('lang', 'en')).toBe('en');
    expect(refused(() => checkSetting('lang', 'de')).detail).toBe('lang de');
    expect(checkSetting('reader', 'Yubico YubiKey')).toBe('Yubico YubiKey');
    expect(refused(() => checkSetting('reader', '  ')).code).toBe('setting-invalid');
  });

  it('knows its keys', () => {
    expect(['service', 'service-ca', 'lang', 'reader'].every(isSettingKey)).toBe(true);
    expect(isSettingKey('pin')).toBe(false);
  });
});

describe('Settings', () => {
  it('keeps settings in a JSON file only its owner can read, and removes them', async () => {
    const settings = new Settings(directory);
    await settings.set('lang', 'en');
    await settings.set('reader', 'Virtual PCD 00 00');
    expect(settings.get('lang')).toBe('en');
    expect(new Settings(directory).values()).toEqual({
      service: undefined,
      serviceCa: undefined,
      language: 'en',
      reader: 'Virtual PCD 00 00',
    });
    expect(JSON.parse(readFileSync(settings.path, 'utf8'))).toEqual({
      lang: 'en',
      reader: 'Virtual PCD 00 00',
    });
    expect(statSync(settings.path).mode & 0o777).toBe(0o600);
    await settings.unset('reader');
    expect(settings.get('reader')).toBeUndefined();
    expect(new Settings(directory).get('reader')).toBeUndefined();
    expect(new Settings(directory).get('lang')).toBe('en');
  });

  it.each([
    [
      'not JSON',
      '{"service": "https://x",\n "lang" "en"}',
      {kind: 'not-json', position: {line: 2, column: 9}},
    ],
    ['cut short', '{"service": ', {kind: 'not-json', position: {line: 1, column: 13}}],
    ['empty', '', {kind: 'not-json', position: {line: 1, column: 1}}],
    ['JSON but no object', '["lang", "en"]', {kind: 'not-an-object'}],
  ])(
    'reports a settings file that is %s, naming it and where, and leaves it as it is',
    (_, text, problem) => {
      const path = join(directory, 'config.json');
      writeFileSync(path, text);
      const error = refused(() => new Settings(directory));
      expect(error).toBeInstanceOf(SettingsFileError);
      expect(error.code).toBe('settings-file-invalid');
      expect(error.detail).toBe(path);
      expect((error as SettingsFileError).problem).toEqual(problem);
      expect(readFileSync(path, 'utf8')).toBe(text);
    },
  );

  it('reports a settings file it cannot read, naming it and why', () => {
    mkdirSync(join(directory, 'config.json'));
    const error = refused(() => new Settings(directory)) as SettingsFileError;
    expect(error.detail).toBe(join(directory, 'config.json'));
    expect(error.problem).toEqual({kind: 'unreadable', reason: 'EISDIR'});
  });

  it('reads the file again before it writes: one broken meanwhile is reported and left as it is', async () => {
    const settings = new Settings(directory);
    await settings.set('lang', 'en');
    writeFileSync(settings.path, '{"lang": "sv",');
    await expect(settings.set('reader', 'Virtual PCD 00 00')).rejects.toMatchObject({
      constructor: SettingsFileError,
      problem: {kind: 'not-json', position: {line: 1, column: 15}},
    });
    await expect(settings.unset('lang')).rejects.toBeInstanceOf(SettingsFileError);
    expect(readFileSync(settings.path, 'utf8')).toBe('{"lang": "sv",');
  });

  it('reports a settings file it cannot write, naming it and why', async () => {
    // sysfs has no such directory (so nothing to read) and refuses to make one even to root (EPERM).
    const settings = new Settings('/sys/siths-upgrade-settings-test');
    expect(settings.values().language).toBeUndefined();
    await expect(settings.set('lang', 'en')).rejects.toMatchObject({
      constructor: SettingsFileError,
      detail: '/sys/siths-upgrade-settings-test/config.json',
      problem: {kind: 'unwritable', reason: 'EPERM'},
    });
  });

  it('ignores a hand-edited value that is not valid', () => {
    const settings = new Settings(directory);
    writeFileSync(settings.path, JSON.stringify({lang: 'klingon'}));
    expect(new Settings(directory).values().language).toBeUndefined();
  });
});
