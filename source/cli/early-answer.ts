import packageJson from '../../package.json' with {type: 'json'};
import type {HelpTexts, Language} from '../screens/i18n/catalogue.js';
import {helpEn} from '../screens/i18n/help-en.js';
import {helpSv} from '../screens/i18n/help-sv.js';
import {languageFromLocale} from '../screens/i18n/locale.js';
import {parseArguments} from './arguments.js';
import {readSavedLanguage, settingsFilePath} from './settings-file.js';

const HELP: Readonly<Record<Language, HelpTexts>> = {sv: helpSv, en: helpEn};

/**
 * What `--help` and `--version` print, worked out from small modules only, so they answer without loading the
 * app (source/main.tsx: Ink, React, the catalogues, the engine). The language is main's: --lang, else the
 * saved setting, else the locale. Undefined for everything else, and whenever only main can tell what happens
 * (arguments it refuses, a settings file that does not read): main then answers as it always has.
 */
export function earlyAnswer(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  let command;
  try {
    command = parseArguments(argv);
  } catch {
    return undefined;
  }
  if (command.kind === 'version') return packageJson.version;
  if (command.kind !== 'help') return undefined;
  if (command.language !== undefined) return HELP[command.language][command.topic];
  const saved = readSavedLanguage(settingsFilePath(env['SITHS_UPGRADE_CONFIG_DIR'], env));
  if (saved === undefined) return undefined;
  const language = saved.language ?? languageFromLocale(env['LC_ALL'] || env['LC_MESSAGES'] || env['LANG']);
  return HELP[language][command.topic];
}
