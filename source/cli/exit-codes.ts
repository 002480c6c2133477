import type {EngineErrorCode} from '../upgrade/errors.js';

/** The exit codes, as `--help` documents them (the catalogues' help texts list the same numbers). */
export enum ExitCode {
  Ok = 0,
  Failed = 1,
  Usage = 2,
  Reader = 3,
  Pin = 4,
  Service = 5,
  Card = 6,
  /** status/test: the card works but still needs the upgrade. */
  NeedsUpgrade = 10,
  Internal = 70,
  /** 128 + SIGHUP: the terminal (SSH session) went away. */
  Hangup = 129,
  /** 128 + SIGINT: Ctrl+C. */
  Interrupted = 130,
  /** 128 + SIGTERM. */
  Terminated = 143,
}

/** The exit code for an engine error. Exhaustive: a new error code fails to compile until it has one. */
export function exitCodeFor(code: EngineErrorCode): ExitCode {
  switch (code) {
    case 'no-reader':
    case 'pcscd-not-running':
    case 'pcsclite-missing':
    case 'access-denied':
    case 'reader-busy':
    case 'card-reset':
      return ExitCode.Reader;
    case 'invalid-pin':
    case 'pin-format':
    case 'pin-blocked':
    case 'invalid-puk':
    case 'puk-blocked':
      return ExitCode.Pin;
    case 'service-unreachable':
    case 'service-tls':
    case 'service-chain-untrusted':
    case 'service-refused':
    case 'key-not-attested':
    case 'login-certificate-revoked':
    case 'service-error':
    case 'answer-rejected':
      return ExitCode.Service;
    case 'card-removed':
    case 'card-changed':
    case 'not-a-piv-card':
    case 'card-already-new':
    case 'no-login-credential':
    case 'management-key-rejected':
    case 'card-full':
    case 'card-error':
      return ExitCode.Card;
    case 'cancelled':
      return ExitCode.Interrupted;
    case 'internal':
      return ExitCode.Internal;
  }
}
