import type {SettingsFileProblem} from '../../cli/errors.js';
import type {AnswerCheck, EngineError, EngineErrorCode, WayForward} from '../../upgrade/errors.js';
import type {PinRole} from '../../upgrade/ports.js';
import type {
  Activity,
  CardVerdict,
  IdentityKind,
  Operation,
  PinReason,
  Purpose,
  ServiceCertificateView,
  Step,
  Warning,
} from '../../upgrade/state.js';
import type {TerminalSize} from '../terminal-size.js';

/** The languages of the screens. Swedish is the default (docs/architecture.md, "The ten steps"). */
export type Language = 'sv' | 'en';

/** What the header says about the reader and card, derived from the engine state. */
export type CardStatus =
  'no-reader' | 'waiting' | 'reading' | 'ready' | 'logged-in' | 'busy' | 'done' | 'failed';

/** The keys the footer can name. */
export type KeyName =
  | 'continue'
  | 'back'
  | 'quit'
  | 'move'
  | 'choose'
  | 'tick'
  | 'start-download'
  | 'scroll'
  | 'retry'
  | 'menu'
  | 'confirm-last-try'
  | 'erase'
  | 'cancel-upgrade'
  | 'log-in'
  | 'unblock';

/** The title and the explanation of an engine error. */
export interface ErrorText {
  readonly title: string;
  readonly detail: string;
}

/** One text per error code; each function gets the error with its own fields. */
export type ErrorTexts = {
  readonly [Code in EngineErrorCode]: (error: Extract<EngineError, {code: Code}>) => ErrorText;
};

/** The help of the command line, one entry per command. */
export interface HelpTexts {
  readonly main: string;
  readonly status: string;
  readonly test: string;
  readonly pin: string;
  readonly config: string;
  readonly serve: string;
  readonly simulate: string;
}

/**
 * Every text the program shows, for one language. A key missing in a language is a type error, and
 * test/screens/i18n/catalogue.test.ts checks the two catalogues have the same keys at run time too.
 */
export interface Catalogue {
  readonly language: Language;
  readonly app: {
    readonly title: string;
    readonly demo: string;
    /** The terminal is smaller than the layout needs (`MINIMUM_SIZE`): what it must be and what it is. */
    readonly tooSmall: (minimum: TerminalSize, now: TerminalSize) => string;
  };
  readonly header: {
    readonly reader: (name: string) => string;
    readonly noReaderChosen: string;
    readonly cardStatus: Readonly<Record<CardStatus, string>>;
  };
  /** The ten steps: `title` is the instructions' wording, `short` fits the step list. */
  readonly steps: Readonly<Record<Step, {readonly short: string; readonly title: string}>>;
  readonly stepMarks: {readonly done: string; readonly current: string; readonly pending: string};
  readonly keys: Readonly<Record<KeyName, {readonly key: string; readonly label: string}>>;
  /** A list longer than its panel: how many choices are out of sight above and below the window. */
  readonly choiceList: {
    readonly moreAbove: (count: number) => string;
    readonly moreBelow: (count: number) => string;
  };
  readonly welcome: {
    readonly heading: string;
    readonly youNeed: string;
    readonly needCard: string;
    readonly needPins: string;
    readonly pinsWhere: string;
    readonly duration: string;
    readonly noPins: string;
    readonly demo: string;
    readonly demoPin: (pin: string) => string;
    /** The two PINs of the demo's SITHS card. */
    readonly demoAuthenticationPin: (pin: string) => string;
    readonly demoSignaturePin: (pin: string) => string;
    readonly demoPuk: (puk: string) => string;
  };
  readonly insertCard: {
    readonly instruction: string;
    readonly readers: string;
    readonly noReaders: string;
    readonly hasCard: string;
    readonly noCard: string;
    readonly chooseReader: string;
    readonly reading: string;
    /** The reader asked for is not there; `readers`: the names there are, comma-separated ('' for none). */
    readonly readerMissing: (reader: string, readers: string) => string;
  };
  readonly overview: {
    readonly heading: string;
    readonly holder: string;
    readonly hsaId: string;
    readonly cardNumber: string;
    readonly certificates: string;
    readonly noCertificates: string;
    readonly validUntil: (date: string) => string;
    readonly expired: (date: string) => string;
    readonly isNew: string;
    readonly isOld: string;
    /** By cardVerdict (source/upgrade/state.ts). */
    readonly verdicts: Readonly<Record<CardVerdict, string>>;
    readonly pinTries: (tries: number) => string;
    readonly pinBlocked: string;
    /** A card with two PINs: one line per PIN, named as the instruction names it. */
    readonly namedPinTries: (pinName: string, tries: number) => string;
    readonly namedPinBlocked: (pinName: string) => string;
    readonly unknown: string;
  };
  readonly purposes: Readonly<Record<Purpose | 'unknown', string>>;
  readonly identityKinds: Readonly<Record<IdentityKind | 'unknown', string>>;
  readonly pin: {
    readonly prompts: Readonly<Record<PinReason, string>>;
    /** The two PINs of a card with two, as the staff instruction names them. */
    readonly names: Readonly<Record<PinRole, string>>;
    /** The prompts for the PIN chosen on a card with two PINs (change, unblock); `pinName` from `names`. */
    readonly namedPrompts: Readonly<Record<'current-pin' | 'new-pin' | 'puk', (pinName: string) => string>>;
    /** Why the signature PIN is asked after the terms (a card with two PINs). */
    readonly signatureWhy: string;
    /** A card with two PINs: which PIN to change or unblock. */
    readonly choosePin: Readonly<Record<'change-pin' | 'unblock-pin', string>>;
    /** Said when the card has one PIN for login and signature (PIV). */
    readonly onePin: string;
    readonly twoPins: string;
    readonly repeatNewPin: string;
    readonly newPinsDiffer: string;
    readonly newPinRule: string;
    readonly triesLeft: (tries: number) => string;
    readonly lastTry: string;
    /** The PUK's last try: a wrong PUK now blocks it for good (the card can then not be unblocked). */
    readonly lastPukTry: string;
    readonly lastTryConfirmed: string;
    readonly wrongCode: string;
    readonly badFormat: string;
    readonly digitsOnly: string;
    readonly field: string;
  };
  readonly menu: {
    readonly heading: string;
    readonly loggedInAs: (name: string, hsaId: string) => string;
    readonly operations: Readonly<Record<Operation, string>>;
  };
  readonly activities: Readonly<Record<Activity, string>>;
  readonly working: {
    readonly loggingIn: string;
    readonly pleaseWait: string;
  };
  readonly terms: {
    readonly heading: string;
    readonly version: (version: string) => string;
    readonly plan: (count: number) => string;
    readonly haveYourPin: string;
    /** A card with two PINs: the instruction's reminder. */
    readonly haveYourPins: string;
    readonly accept: string;
    readonly startDownload: string;
    readonly tickFirst: string;
    /** The card generating the new keys while the terms are read: `done` of `total` ready. */
    readonly preparing: (done: number, total: number) => string;
    readonly prepared: (total: number) => string;
    readonly position: (first: number, last: number, total: number) => string;
  };
  readonly progress: {
    readonly heading: string;
    readonly elapsed: (time: string) => string;
    readonly remaining: (time: string) => string;
    readonly remainingUnknown: string;
    readonly keyGenerationNote: string;
    readonly workingOn: (slotName: string, what: string) => string;
    readonly installed: (count: number, total: number) => string;
    /** The big warning, one entry per line of big letters (each must fit in 80 columns). */
    readonly warningLines: readonly string[];
    /** The same warning as one plain line. */
    readonly warning: string;
    readonly cancelling: string;
  };
  readonly done: {
    readonly heading: string;
    readonly newCertificates: string;
    readonly removeCard: string;
  };
  readonly results: {
    readonly status: string;
    readonly certificatesListed: string;
    readonly noCertificates: string;
    readonly certificateStatus: Readonly<Record<ServiceCertificateView['status'], string>>;
    readonly eIdWorks: (slotName: string) => string;
    readonly eIdNotTrusted: string;
    /** A card with two PINs: the signature key's test (`eIdWorks` tells the authentication key's). */
    readonly eIdSignatureWorks: (slotName: string) => string;
    readonly pinChanged: string;
    readonly pinUnblocked: string;
    readonly namedPinChanged: (pinName: string) => string;
    readonly namedPinUnblocked: (pinName: string) => string;
    readonly refetched: (count: number) => string;
    readonly revoked: (serial: string) => string;
    readonly chooseCertificate: string;
    readonly serial: (serial: string) => string;
  };
  readonly errors: ErrorTexts;
  readonly answerChecks: Readonly<Record<AnswerCheck, string>>;
  readonly wayForward: Readonly<Record<WayForward, string>>;
  readonly errorScreen: {
    readonly heading: string;
    readonly wayForward: string;
    readonly safe: string;
    /**
     * The way forward for a card taken out, in plain lines, where nothing continues by itself: a session that asks
     * r/q (`retry`), or one that ends (`runAgain`, a script).
     */
    readonly reinsertCard: {readonly retry: string; readonly runAgain: string};
  };
  readonly warnings: {
    readonly [Code in Warning['code']]: (warning: Extract<Warning, {code: Code}>) => string;
  };
  readonly cli: {
    readonly help: HelpTexts;
    readonly unknownCommand: (command: string) => string;
    readonly badArguments: (detail: string) => string;
    readonly seeHelp: string;
    readonly pinPrompt: (prompt: string) => string;
    readonly pinNotFromArguments: string;
    readonly noTerminalForPin: string;
    readonly configKeys: string;
    readonly configUnknownKey: (key: string) => string;
    readonly settingInvalid: (detail: string) => string;
    /** The settings file is broken: which file, what is wrong, how to fix it (lines). */
    readonly settingsFileInvalid: (path: string, problem: SettingsFileProblem) => string[];
    /** Where a refused service address came from when it was the settings file, and how to change it. */
    readonly serviceFromSettings: (path: string) => string;
    /** Why the upgrade service's address was refused (--service, config set service). */
    readonly serviceUrl: {
      readonly 'not-a-url': (value: string) => string;
      readonly 'not-https': (value: string) => string;
      readonly 'has-credentials': (value: string) => string;
    };
    readonly setupWritten: (configPath: string) => string;
    readonly configSet: (key: string, value: string) => string;
    readonly configUnset: (key: string) => string;
    readonly configFile: (path: string) => string;
    readonly notSet: string;
    readonly interrupted: string;
    readonly fatal: (detail: string) => string;
    readonly demoReady: (url: string) => string;
    readonly serviceListening: (url: string) => string;
    readonly simulating: (reader: string) => string;
    readonly stopWith: string;
    readonly supportLog: (path: string) => string;
    readonly noServiceConfigured: string;
    /** The headings of `serve report`'s table; its JSON and CSV keep English names, for scripts. */
    readonly report: {
      readonly organisations: string;
      readonly upgradesPerDay: string;
      readonly refusalsByCode: string;
      readonly refusalsPerDay: string;
      readonly notUpgraded: string;
      readonly organisation: string;
      readonly cards: string;
      readonly upgradeable: string;
      readonly upgraded: string;
      readonly stillOld: string;
      readonly total: string;
      readonly day: string;
      readonly code: string;
      readonly count: string;
      readonly hsaId: string;
      readonly name: string;
      readonly cardNumber: string;
      /** A section without rows. */
      readonly none: string;
    };
  };
  /** 83 000 ms -> '1:23'. */
  readonly formatDuration: (ms: number) => string;
  /** A date as the screens write it (ISO 8601, which Swedish uses too). */
  readonly formatDate: (date: Date) => string;
}

/** 83 000 ms -> '1:23' (minutes and seconds; both languages write it so). */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** 2027-03-01 (the local calendar date). */
export function formatDate(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}
