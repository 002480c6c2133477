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
  constructor(
    code: CliErrorCode,
    readonly detail: string,
    options?: {cause?: unknown},
  ) {
    super(code, `${code}: ${detail}`, options);
  }
}
