import {SithsError} from '../errors.js';

/** What can go wrong before the engine runs: arguments, settings, terminal. */
export type CliErrorCode =
  /** Unknown command or option, a missing or malformed value. */
  | 'usage'
  /** A PIN or PUK was given on the command line (refused: argv is visible to every user of the machine). */
  | 'pin-in-arguments'
  /** A setting's value is not valid (CA file, language, reader). */
  | 'setting-invalid'
  /** The upgrade service's address (--service, the service setting) is not a URL. */
  | 'service-not-a-url'
  /** The upgrade service's address is not https (only an encrypted, verified connection is accepted). */
  | 'service-not-https'
  /** The upgrade service's address holds a user name or password. */
  | 'service-has-credentials'
  /** The settings file cannot be read or is not a JSON object: a SettingsFileError says which and where. */
  | 'settings-file-invalid'
  /** No upgrade service is configured for a command that needs one. */
  | 'no-service'
  /** A code was needed but there is neither a terminal nor a line on standard input. */
  | 'no-code-input';

/**
 * An error of the command line. `detail` is the offending argument or value, for the message; it never holds a
 * PIN (arguments that look like one are refused before they are read).
 */
export class CliError extends SithsError<CliErrorCode> {
  override readonly name = 'CliError';
  /** The settings file the value came from, when it came from there rather than the command line. */
  readonly settingsFile: string | undefined;
  constructor(
    code: CliErrorCode,
    readonly detail: string,
    options?: {cause?: unknown; settingsFile?: string},
  ) {
    super(code, `${code}: ${detail}`, options);
    this.settingsFile = options?.settingsFile;
  }
}

/** What is wrong with the settings file. */
export type SettingsFileProblem =
  /** Not JSON; `position` is where parsing stopped (1-based line and column). */
  | {readonly kind: 'not-json'; readonly position: {readonly line: number; readonly column: number}}
  /** JSON, but not an object of settings. */
  | {readonly kind: 'not-an-object'}
  /** The file cannot be read (`reason`: the system's error code, e.g. EACCES). */
  | {readonly kind: 'unreadable'; readonly reason: string}
  /** The file (or its directory) cannot be written (`reason`: the system's error code, e.g. EROFS). */
  | {readonly kind: 'unwritable'; readonly reason: string};

/** The settings file is broken: `detail` is its path. The program touches nothing and says how to fix it. */
export class SettingsFileError extends CliError {
  constructor(
    path: string,
    readonly problem: SettingsFileProblem,
    options?: {cause?: unknown},
  ) {
    super('settings-file-invalid', path, options);
  }
}
