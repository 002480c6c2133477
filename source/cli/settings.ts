import {X509Certificate} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {resolve} from 'node:path';
import Conf from 'conf';
import type {Language} from '../screens/i18n/catalogue.js';
import {isLanguage} from '../screens/i18n/locale.js';
import {CliError} from './errors.js';

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
 * 'setting-invalid'.
 */
export function checkSetting(key: SettingKey, value: string, cwd = process.cwd()): string {
  switch (key) {
    case 'service': {
      let url: URL;
      try {
        url = new URL(value);
      } catch (error) {
        throw new CliError('setting-invalid', `service ${value}`, {cause: error});
      }
      if (url.protocol !== 'https:') throw new CliError('setting-invalid', `service ${value}`);
      return url.href.replace(/\/$/, '');
    }
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

  /** `directory` overrides where the file lives (tests, portable installs). */
  constructor(directory?: string) {
    this.#store = new Conf<Partial<Record<SettingKey, string>>>({
      projectName: 'siths-upgrade',
      projectSuffix: '',
      ...(directory === undefined ? {} : {cwd: directory}),
      configFileMode: 0o600,
    });
  }

  get path(): string {
    return this.#store.path;
  }

  get(key: SettingKey): string | undefined {
    const value = this.#store.get(key);
    return typeof value === 'string' ? value : undefined;
  }

  /** Checks `value` (checkSetting) and stores it; returns what was stored. Throws CliError 'setting-invalid'. */
  set(key: SettingKey, value: string): string {
    const checked = checkSetting(key, value);
    this.#store.set(key, checked);
    return checked;
  }

  unset(key: SettingKey): void {
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
