import type {Language} from './catalogue.js';

/** Whether `value` names a language of the screens. */
export function isLanguage(value: unknown): value is Language {
  return value === 'sv' || value === 'en';
}

/**
 * The language for a POSIX locale (LC_ALL, LC_MESSAGES or LANG, in that order of precedence): English for
 * 'en_*', Swedish for everything else (the users are Swedish staff; docs/architecture.md, "The ten steps").
 */
export function languageFromLocale(locale: string | undefined): Language {
  return locale !== undefined && /^en([_.@-]|$)/i.test(locale) ? 'en' : 'sv';
}
