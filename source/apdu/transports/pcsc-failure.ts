import {TransportError, type TransportErrorCode} from './errors.js';
import {WinscardError} from './winscard.js';

/**
 * The PC/SC return codes this layer tells apart (pcsc-lite PCSC/pcsclite.h; the same values as Windows'
 * winerror.h SCARD_*). The text after each is what pcsc_stringify_error says in pcsc-lite 1.9.
 */
export enum ScardCode {
  /** "Command cancelled.": SCardCancel, e.g. when a watcher is closed. */
  Cancelled = 0x8010_0002,
  UnknownReader = 0x8010_0009,
  SharingViolation = 0x8010_000b,
  NoSmartcard = 0x8010_000c,
  /**
   * "Card protocol mismatch.": pcscd answers a transmit so when the card's protocol is no longer the one this
   * connection negotiated: another program reset the card and its protocol is not negotiated again yet.
   */
  ProtoMismatch = 0x8010_000f,
  /** SCARD_F_COMM_ERROR, "RPC transport error.": the socket to pcscd broke. */
  CommError = 0x8010_0013,
  /** "Transaction failed.": the reader driver failed mid-exchange (the card stopped answering). */
  NotTransacted = 0x8010_0016,
  ReaderUnavailable = 0x8010_0017,
  NoService = 0x8010_001d,
  ServiceStopped = 0x8010_001e,
  /** Windows' access refusal; pcsc-lite refuses with SecurityViolation. */
  NoAccess = 0x8010_0027,
  NoReadersAvailable = 0x8010_002e,
  UnresponsiveCard = 0x8010_0066,
  UnpoweredCard = 0x8010_0067,
  ResetCard = 0x8010_0068,
  RemovedCard = 0x8010_0069,
  /** "Access denied.": pcscd's polkit check refused the client (access_pcsc) or the reader (access_card). */
  SecurityViolation = 0x8010_006a,
}

/**
 * What the transport was doing when PC/SC failed, which decides what a code means: no card at `connect` is
 * 'no-card', during `transmit` the card was removed mid-session.
 */
export type PcscStep = 'context' | 'connect' | 'transmit';

/** The PC/SC return code of a failed WinSCard call, or undefined for any other error. Pure. */
export function scardCodeOf(error: unknown): number | undefined {
  return error instanceof WinscardError ? error.returnCode : undefined;
}

/**
 * Translates a failed WinSCard call into a TransportError whose message tells the user what to do. Codes:
 * `pcscd-not-running`, `access-denied`, `no-reader`, `no-card`, `card-removed`, `card-reset`, `reader-busy`,
 * `transport-failed` (anything else, with PC/SC's own text). Messages name the reader, never APDU data. Pure.
 */
export function pcscFailure(error: unknown, step: PcscStep, readerName?: string): TransportError {
  const reader = readerName === undefined ? 'the reader' : `the reader "${readerName}"`;
  const code = scardCodeOf(error);
  const failure =
    serviceFailure(code, step) ??
    cardFailure(code, step === 'transmit', reader) ??
    otherFailure(error, reader);
  return new TransportError(failure.code, failure.message, {cause: error});
}

/** What a TransportError says: its code and the message for the user. */
interface Failure {
  readonly code: TransportErrorCode;
  readonly message: string;
}

/** The failures of pcscd itself, which no reader or card can fix: not running, or refusing this session. */
function serviceFailure(code: number | undefined, step: PcscStep): Failure | undefined {
  switch (code) {
    case ScardCode.NoService:
    case ScardCode.ServiceStopped:
    case ScardCode.CommError:
      return {
        code: 'pcscd-not-running',
        message:
          step === 'transmit'
            ? 'The connection to the smart card service pcscd was lost: start it again (sudo systemctl restart pcscd.socket pcscd) and insert the card again'
            : 'The smart card service pcscd is not running: start it (sudo systemctl start pcscd.socket) or install it (sudo apt-get install pcscd)',
      };
    case ScardCode.NoAccess:
    case ScardCode.SecurityViolation:
      return {
        code: 'access-denied',
        message:
          'pcscd refused access to the card readers: its polkit policy refuses remote (SSH) and inactive sessions by default. IT can allow it with a polkit rule granting the actions org.debian.pcsc-lite.access_pcsc and org.debian.pcsc-lite.access_card (see the README)',
      };
    default:
      return undefined;
  }
}

/**
 * The failures of a reader or card. A reader or card gone during `transmit` (`isMidSession`) is a card removed
 * mid-session; before it, there is no reader or no card to begin with.
 */
function cardFailure(code: number | undefined, isMidSession: boolean, reader: string): Failure | undefined {
  switch (code) {
    case ScardCode.NoReadersAvailable:
      return {code: 'no-reader', message: 'No smart card reader is connected: connect a reader'};
    case ScardCode.UnknownReader:
    case ScardCode.ReaderUnavailable:
      return isMidSession
        ? {
            code: 'card-removed',
            message: `${capitalize(reader)} was disconnected during a command: connect it, insert the card and continue`,
          }
        : {
            code: 'no-reader',
            message: `${capitalize(reader)} is not connected: connect it or choose another reader`,
          };
    case ScardCode.NoSmartcard:
    case ScardCode.RemovedCard:
      return isMidSession
        ? {code: 'card-removed', message: `The card was removed from ${reader}: insert it again to continue`}
        : {code: 'no-card', message: `There is no card in ${reader}: insert the card`};
    case ScardCode.NotTransacted:
      return isMidSession
        ? {
            code: 'card-removed',
            message: `The card in ${reader} stopped answering in the middle of a command (removed?): insert it again to continue`,
          }
        : undefined;
    case ScardCode.UnresponsiveCard:
    case ScardCode.UnpoweredCard:
      return {
        code: 'no-card',
        message: `The card in ${reader} does not answer: take it out and insert it again, chip first and facing up`,
      };
    case ScardCode.ProtoMismatch:
      return isMidSession ? resetFailure(reader) : undefined;
    case ScardCode.ResetCard:
      return resetFailure(reader);
    case ScardCode.SharingViolation:
      return {
        code: 'reader-busy',
        message: `Another program is using the card in ${reader}: close it (for example a browser or other smart card software) and try again`,
      };
    default:
      return undefined;
  }
}

/** Another program reset the card: the tool reconnects and selects, reads and verifies again. */
function resetFailure(reader: string): Failure {
  return {
    code: 'card-reset',
    message: `Another program reset the card in ${reader}: close other programs that use the card; the card is then read again and the PIN asked again`,
  };
}

/** Any other failure: PC/SC's own words. */
function otherFailure(error: unknown, reader: string): Failure {
  return {code: 'transport-failed', message: `${capitalize(reader)} failed: ${pcscText(error)}`};
}

/** PC/SC's own words without the call's name: `Transaction failed. (0x80100016)`. */
function pcscText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^SCard\w+: /, '');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
