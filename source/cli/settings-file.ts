import {readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import {join, resolve} from 'node:path';
import type {Language} from '../screens/i18n/catalogue.js';
import type {SettingsFileProblem} from './errors.js';
import {isLanguage} from '../screens/i18n/locale.js';

/**
 * The settings file for the entry's own answers (`--help` in the saved language, the first frame's key), which do
 * not load source/cli/settings.ts and what it imports. Where the file is, as conf and env-paths put it for
 * projectName 'siths-upgrade' with no suffix: `directory`/config.json, else the platform's config directory.
 */
export function settingsFilePath(directory?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (directory !== undefined) return resolve(directory, 'config.json');
  const home = homedir();
  const name = 'siths-upgrade';
  const configDirectory =
    process.platform === 'darwin'
      ? join(home, 'Library', 'Preferences', name)
      : process.platform === 'win32'
        ? join(env['APPDATA'] || join(home, 'AppData', 'Roaming'), name, 'Config')
        : join(env['XDG_CONFIG_HOME'] || join(home, '.config'), name);
  return resolve(configDirectory, 'config.json');
}

/** A file of the tool's state: $XDG_STATE_HOME/siths-upgrade/`name` (by default in ~/.local/state). */
export function stateFilePath(env: {readonly XDG_STATE_HOME?: string}, name: string): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'siths-upgrade', name);
}

/** The settings file's text: {} when there is none, undefined when it is there but cannot be read. */
export function readSettingsText(path: string): {readonly text?: string} | undefined {
  try {
    return {text: readFileSync(path, 'utf8')};
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? {} : undefined;
  }
}

/**
 * The saved language as Settings.values() gives it (a value that is no language is ignored; no file: none),
 * or undefined when the file is there but does not read as JSON settings: then only Settings can say what
 * happens (it throws), so the caller goes the long way.
 */
export function readSavedLanguage(path: string): {readonly language?: Language} | undefined {
  const settings = readSettingsText(path);
  if (settings === undefined) return undefined;
  if (settings.text === undefined) return {};
  const parsed = parseSettingsText(settings.text);
  if ('problem' in parsed) return undefined;
  const language = parsed.values['lang'];
  return isLanguage(language) ? {language} : {};
}

/**
 * The settings in a settings file's `text`, or what is wrong with it: not JSON (where parsing stopped, as a 1-based
 * line and column), or JSON that is not one object.
 */
export function parseSettingsText(
  text: string,
): {readonly values: Readonly<Record<string, unknown>>} | {readonly problem: SettingsFileProblem} {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return {problem: {kind: 'not-json', position: parsePosition(text, error)}};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return {problem: {kind: 'not-an-object'}};
  return {values: parsed as Record<string, unknown>};
}

/** Where JSON.parse stopped (node 20 says "at position N" or "end of JSON input"). */
function parsePosition(text: string, error: unknown): {line: number; column: number} {
  const match = /at position (\d+)/.exec(error instanceof Error ? error.message : '');
  const offset = match ? Math.min(Number(match[1]), text.length) : text.length;
  const before = text.slice(0, offset).split('\n');
  return {line: before.length, column: before.at(-1)!.length + 1};
}
