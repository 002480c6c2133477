import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import type Conf from 'conf';
import type {Language} from '../screens/i18n/catalogue.js';
import {isLanguage} from '../screens/i18n/locale.js';
import {CliError, SettingsFileError} from './errors.js';
import {checkServiceUrl} from './service-url.js';
import {parseSettingsText, settingsFilePath} from './settings-file.js';

/** The settings `siths-upgrade config` shows and changes. */
export const SETTING_KEYS = ['service', 'service-ca', 'lang', 'reader'] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** The settings as the program uses them. */
export interface SettingValues {
  readonly service?: string;
  /** Absolute path of the service's CA certificate (PEM). */
  readonly serviceCa?: string;
  readonly language?: Language;
  readonly reader?: string;
}

export function isSettingKey(key: string): key is SettingKey {
  return (SETTING_KEYS as readonly string[]).includes(key);
}

/**
 * Checks and normalises a value before it is stored: the service an https URL, the CA a readable PEM certificate
 * (stored as an absolute path), the language sv or en, the reader a non-empty name. Throws CliError
 * 'setting-invalid', or those of checkServiceUrl.
 */
export function checkSetting(key: SettingKey, value: string, cwd = process.cwd()): string {
  switch (key) {
    case 'service':
      return checkServiceUrl(value);
    case 'service-ca': {
      const path = resolve(cwd, value);
      try {
        new X509Certificate(readFileSync(path));
      } catch (error) {
        throw new CliError('setting-invalid', `service-ca ${value}`, {cause: error});
      }
      return path;
    }
    case 'lang':
      if (!isLanguage(value)) throw new CliError('setting-invalid', `lang ${value}`);
      return value;
    case 'reader':
      if (value.trim() === '') throw new CliError('setting-invalid', 'reader');
      return value;
  }
}

/**
 * The settings file: JSON in the user's config directory (e.g. ~/.config/siths-upgrade/config.json, where conf and
 * env-paths put it: settingsFilePath). It is read once with a plain JSON.parse, so that the start of the program
 * does not wait for conf (it brings ajv, semver and assert, about 15 ms before the first frame); conf writes it
 * (atomically, only its owner may read it), loaded only by `config set` and `config unset`. Settings are
 * conveniences: losing the file loses nothing of the upgrade (docs/architecture.md, "Truth lives on the card and
 * in the service").
 */
export class Settings {
  readonly path: string;
  #values: Readonly<Record<string, unknown>>;

  /**
   * `directory` overrides where the file lives (tests, portable installs). Throws SettingsFileError when the
   * file cannot be read or is not a JSON object; the file is left as it is.
   */
  constructor(directory?: string) {
    this.path = settingsFilePath(directory);
    this.#values = this.#read();
  }

  get(key: SettingKey): string | undefined {
    const value = this.#values[key];
    return typeof value === 'string' ? value : undefined;
  }

  /** Checks `value` (checkSetting) and stores it; returns what was stored. Throws CliError 'setting-invalid'. */
  async set(key: SettingKey, value: string): Promise<string> {
    const checked = checkSetting(key, value);
    await this.#writing((store) => store.set(key, checked));
    this.#values = {...this.#values, [key]: checked};
    return checked;
  }

  async unset(key: SettingKey): Promise<void> {
    await this.#writing((store) => store.delete(key));
    this.#values = Object.fromEntries(Object.entries(this.#values).filter(([name]) => name !== key));
  }

  /** The settings for the engine; a value that no longer checks out (hand-edited file) is ignored. */
  values(): SettingValues {
    const language = this.get('lang');
    return {
      service: this.get('service'),
      serviceCa: this.get('service-ca'),
      language: isLanguage(language) ? language : undefined,
      reader: this.get('reader'),
    };
  }

  /** The file's settings: none when there is no file. Throws SettingsFileError. */
  #read(): Readonly<Record<string, unknown>> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException;
      if (code === 'ENOENT') return {};
      throw new SettingsFileError(
        this.path,
        {kind: 'unreadable', reason: code ?? String(error)},
        {cause: error},
      );
    }
    return parseSettings(this.path, text);
  }

  /**
   * Changes the file with conf, after reading it again, so that a file broken meanwhile is reported instead of
   * overwritten. Throws SettingsFileError, 'unwritable' when the system refuses the write (or the directory).
   */
  async #writing(change: (store: Conf<Record<string, unknown>>) => void): Promise<void> {
    this.#read();
    const {default: Conf} = await import('conf');
    try {
      change(
        new Conf<Record<string, unknown>>({
          projectName: 'siths-upgrade',
          projectSuffix: '',
          cwd: dirname(this.path),
          configFileMode: 0o600,
          deserialize: (text) => parseSettings(this.path, text),
        }),
      );
    } catch (error) {
      if (error instanceof SettingsFileError) throw error;
      const {code} = error as NodeJS.ErrnoException;
      throw new SettingsFileError(
        this.path,
        {kind: 'unwritable', reason: code ?? String(error)},
        {cause: error},
      );
    }
  }
}

/** The settings in `text`, the file at `path`. Throws SettingsFileError when it is not JSON or not an object. */
function parseSettings(path: string, text: string): Readonly<Record<string, unknown>> {
  const parsed = parseSettingsText(text);
  if ('problem' in parsed) throw new SettingsFileError(path, parsed.problem);
  return parsed.values;
}
