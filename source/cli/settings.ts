import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';
import Conf from 'conf';
import type {Language} from '../screens/i18n/catalogue.js';
import {isLanguage} from '../screens/i18n/locale.js';
import {CliError, SettingsFileError, type SettingsFileProblem} from './errors.js';
import {checkServiceUrl} from './service-url.js';

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
 * The settings file (conf: JSON in the user's config directory, e.g. ~/.config/siths-upgrade/config.json).
 * Settings are conveniences: losing the file loses nothing of the upgrade (docs/architecture.md, "Truth lives
 * on the card and in the service").
 */
export class Settings {
  readonly #store: Conf<Partial<Record<SettingKey, string>>>;

  /** What was wrong with the file when it was last read. */
  #problem: SettingsFileProblem | undefined;

  /**
   * `directory` overrides where the file lives (tests, portable installs). Throws SettingsFileError when the
   * file cannot be read or is not a JSON object; the file is left as it is.
   */
  constructor(directory?: string) {
    try {
      this.#store = new Conf<Partial<Record<SettingKey, string>>>({
        projectName: 'siths-upgrade',
        projectSuffix: '',
        ...(directory === undefined ? {} : {cwd: directory}),
        configFileMode: 0o600,
        // Conf reads the file on every access: a broken one reads as empty and is reported (never rewritten).
        deserialize: (text) => this.#parse(text),
      });
    } catch (error) {
      const {path, code} = error as {path?: string; code?: string};
      throw new SettingsFileError(
        path ?? expectedPath(directory),
        {kind: 'unreadable', reason: code ?? String(error)},
        {cause: error},
      );
    }
    this.#check();
  }

  get path(): string {
    return this.#store.path;
  }

  get(key: SettingKey): string | undefined {
    const value = this.#store.get(key);
    this.#check();
    return typeof value === 'string' ? value : undefined;
  }

  #parse(text: string): Partial<Record<SettingKey, string>> {
    this.#problem = undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      this.#problem = {kind: 'not-json', position: parsePosition(text, error)};
      return {};
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      this.#problem = {kind: 'not-an-object'};
      return {};
    }
    return parsed as Partial<Record<SettingKey, string>>;
  }

  /** Reads the file before a change, so a file broken meanwhile is reported instead of overwritten. */
  #readable(): void {
    void this.#store.store;
    this.#check();
  }

  #check(): void {
    if (this.#problem !== undefined) throw new SettingsFileError(this.#store.path, this.#problem);
  }

  /** Checks `value` (checkSetting) and stores it; returns what was stored. Throws CliError 'setting-invalid'. */
  set(key: SettingKey, value: string): string {
    const checked = checkSetting(key, value);
    this.#readable();
    this.#store.set(key, checked);
    return checked;
  }

  unset(key: SettingKey): void {
    this.#readable();
    this.#store.delete(key);
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
}

/** Where JSON.parse stopped, as a 1-based line and column (node 20 says "at position N" or "end of JSON input"). */
function parsePosition(text: string, error: unknown): {line: number; column: number} {
  const match = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  const offset = match ? Math.min(Number(match[1]), text.length) : text.length;
  const before = text.slice(0, offset).split('\n');
  return {line: before.length, column: before.at(-1)!.length + 1};
}

/** Where conf keeps the file (its Linux default, for messages when conf itself could not say). */
function expectedPath(directory: string | undefined): string {
  const config = process.env['XDG_CONFIG_HOME'] || join(homedir(), '.config');
  return join(directory ?? join(config, 'siths-upgrade'), 'config.json');
}
