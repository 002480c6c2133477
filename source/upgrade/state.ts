import {wayForwardFor, type EngineError, type WayForward} from './errors.js';
import type {PinRole} from './ports.js';

/**
 * The ten steps staff know from the instructions (docs/architecture.md, "The ten steps"). The numbers are
 * what the screens show; keep them.
 */
export enum Step {
  /** Have your PIN codes ready. */
  PrepareCodes = 1,
  /** Insert the card in the reader. */
  InsertCard = 2,
  /** Log in with the card's authentication certificate and PIN. */
  LogIn = 3,
  /** Choose "Upgrade card". */
  ChooseOperation = 4,
  /** Read and accept the terms, then START DOWNLOAD. */
  AcceptTerms = 5,
  /** The download starts; do not remove the card. */
  DownloadStarted = 6,
  /** Generating certificate requests (keys generated on the card, requests signed by it). */
  GenerateRequests = 7,
  /** Fetching and installing certificates. */
  FetchAndInstall = 8,
  /** Deleting old certificates (and destroying old keys). */
  DeleteOld = 9,
  /** Done: the certificates are downloaded and the upgrade is complete. */
  Done = 10,
}

/** Which identity a certificate is for. */
export type IdentityKind = 'hsa-id' | 'personnummer';

/** What a certificate's key is for. */
export type Purpose = 'authentication' | 'signature';

/** A reader as the reader watcher reports it. */
export interface ReaderView {
  readonly name: string;
  readonly hasCard: boolean;
}

/** One certificate on the card, as the overview and the done screen show it. */
export interface CertificateView {
  /** Key reference on the card (PIV: 0x9a, 0x9c, 0x82, ...). */
  readonly slot: number;
  /** The slot as people write it ('9A', '82'). */
  readonly slotName: string;
  readonly purpose: Purpose | 'unknown';
  readonly identityKind: IdentityKind | 'unknown';
  /** Subject common name (the holder's name). */
  readonly subjectName: string;
  /** Issuer common name. */
  readonly issuerName: string;
  /** Serial number, hex. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Issued under the configured (new) trust anchor. */
  readonly isNew: boolean;
}

/** A slot as people write it: 0x9a -> '9A'. */
export function slotName(slot: number): string {
  return slot.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * What a card needs: nothing (it holds the complete new layout), the upgrade, or a card with certificates (a
 * blank card holds no SITHS certificate to log in with, so it cannot be upgraded: its issuer must personalise it).
 */
export type CardVerdict = 'upgraded' | 'needs-upgrade' | 'no-certificates';

export function cardVerdict(card: CardOverview): CardVerdict {
  if (card.certificates.length === 0) return 'no-certificates';
  return card.isUpgraded ? 'upgraded' : 'needs-upgrade';
}

/** What the card-ready screen shows. */
export interface CardOverview {
  readonly readerName: string;
  /** The holder's name, from the authentication certificate. */
  readonly holder?: string;
  readonly hsaId?: string;
  /** The card number (PIV: from the CHUID). */
  readonly cardNumber?: string;
  readonly certificates: readonly CertificateView[];
  /** Tries left of the authentication PIN ("Pinkod för Legitimering"; PIV: the card's one PIN). */
  readonly pinTriesLeft: number;
  /** Tries left of the signature PIN ("Pinkod för Underskrift"), on a card with two PINs (pinCount 2). */
  readonly signaturePinTriesLeft?: number;
  /** The card already holds the complete new layout: nothing to upgrade. */
  readonly isUpgraded: boolean;
  /** 1 for PIV: one PIN for login and signature; the screens then ask once and say so. 2 for cards with two. */
  readonly pinCount: 1 | 2;
}

/** Who the service logged in. */
export interface LoggedInIdentity {
  readonly name: string;
  readonly hsaId: string;
}

/** Every operation the engine runs. */
export type Operation =
  | 'upgrade'
  | 'status'
  | 'list-certificates'
  | 'test-eid'
  | 'change-pin'
  | 'unblock-pin'
  | 'refetch'
  | 'revoke';

/** Why the engine asks for a PIN or PUK. */
export type PinReason =
  /** The PIN that unlocks login (PIV: the card's one PIN; "Pinkod för Legitimering"). */
  | 'login'
  /** The signature PIN of a card with two PINs ("Pinkod för Underskrift"). */
  | 'signature'
  /** The current PIN, to change it. */
  | 'current-pin'
  /** The new PIN (change or unblock). */
  | 'new-pin'
  /** The PUK, to unblock the PIN. */
  | 'puk';

export interface PinRequest {
  readonly reason: PinReason;
  /**
   * Which PIN the code is for, on a card with two PINs when the person chose one (change, unblock): the prompts
   * name it. Absent on a PIV card (one PIN) and where the reason names it (login, signature).
   */
  readonly role?: PinRole;
  /** Tries left for this code, when the card tells. */
  readonly triesLeft?: number;
  /** One try left: the user must confirm (confirmLastTry()) before the engine sends it. */
  readonly isLastTry: boolean;
  readonly isLastTryConfirmed: boolean;
  /** The previous entry was refused. */
  readonly wasRejected: boolean;
  /** Why it was refused: the card said wrong ('wrong-code', a try used) or it was not 6-8 digits ('bad-format', no try used). */
  readonly rejection?: 'wrong-code' | 'bad-format';
}

/** The terms, in the chosen language. */
export interface Terms {
  readonly version: string;
  readonly language: 'sv' | 'en';
  readonly text: string;
}

/** The card prepared while the terms are read: key pairs generated in the plan's free slots. */
export interface KeyPreparationView {
  /** Keys generated so far. */
  readonly done: number;
  /** Keys to generate (the plan items in free slots). */
  readonly total: number;
  /** It stopped early (the card pulled, a reset): the download generates what is missing. */
  readonly isInterrupted: boolean;
}

/** One certificate of the upgrade plan. */
export interface PlanItemView {
  readonly identityKind: IdentityKind;
  readonly purpose: Purpose;
  readonly slot: number;
  readonly slotName: string;
  readonly keyAlgorithm: 'rsa-2048' | 'ecc-p256';
}

/** What the engine is doing right now, inside a step. */
export type Activity =
  | 'reading-card'
  | 'asking-service'
  | 'authenticating-card'
  | 'generating-key'
  | 'signing-request'
  | 'awaiting-certificate'
  | 'checking-certificate'
  | 'writing-certificate'
  | 'testing-signature'
  | 'deleting-certificate'
  | 'destroying-key'
  | 'completing';

export interface Progress {
  /** 0..1 of the whole upgrade (steps 6 to 10). */
  readonly fraction: number;
  readonly activity: Activity;
  /** The certificate being worked on. */
  readonly currentItem?: PlanItemView;
  readonly elapsedMs: number;
  /** Estimate from the card's key algorithm (docs/timing-model.md means), refined by measured progress. */
  readonly estimatedRemainingMs: number;
  /** True while the card generates an RSA key: its duration cannot be predicted. */
  readonly isIndeterminate: boolean;
  /**
   * While indeterminate: the fractions where the key generation began (`fraction` stays there until it ends) and
   * where it is expected to end, for the screens to show as a band instead of a creeping percentage.
   */
  readonly band?: {readonly from: number; readonly to: number};
}

/** A certificate of the person's, as the service lists it. */
export interface ServiceCertificateView {
  readonly serial: string;
  /** Issued by the upgrade service ('service'), or an earlier certificate it saw ('previous'). */
  readonly origin?: 'service' | 'previous';
  readonly identityKind: IdentityKind;
  readonly purpose: Purpose;
  readonly status: 'valid' | 'revoked' | 'expired';
  readonly notAfter: Date;
  readonly cardNumber?: string;
}

/** What a finished operation other than the upgrade reports. */
export type OperationResult =
  | {readonly type: 'status'; readonly card: CardOverview}
  | {readonly type: 'certificates-listed'; readonly certificates: readonly ServiceCertificateView[]}
  | {
      readonly type: 'e-id-tested';
      /** The certificate whose key signed the challenge; the signature verified with it. */
      readonly certificate: CertificateView;
      /** The certificate chains to the configured trust anchor and is valid now. */
      readonly isTrusted: boolean;
      /** On a card with two PINs: the signature key's test (signed after the signature PIN). */
      readonly signature?: {readonly certificate: CertificateView; readonly isTrusted: boolean};
    }
  | {readonly type: 'pin-changed'; readonly role?: PinRole}
  | {readonly type: 'pin-unblocked'; readonly role?: PinRole}
  | {readonly type: 'certificates-refetched'; readonly certificates: readonly CertificateView[]}
  | {readonly type: 'certificate-revoked'; readonly serial: string};

/** Something worth telling without stopping. */
export type Warning =
  /** The card already holds the new certificates. */
  | {readonly code: 'card-already-upgraded'}
  /** An interrupted upgrade was found (on the card or at the service) and is being finished. */
  | {readonly code: 'resuming-upgrade'}
  /** Another program reset the card: the applet was selected again and the work goes on (PINs asked again). */
  | {readonly code: 'card-reset'}
  /** The service did not answer; retrying after `delayMs`. */
  | {readonly code: 'service-retrying'; readonly attempt: number; readonly delayMs: number}
  /** A PIN was submitted on the last try without confirmLastTry(); it was not sent. */
  | {readonly code: 'last-try-not-confirmed'}
  /** The command is not possible now (e.g. cancel while a card step must finish). */
  | {readonly code: 'not-now'};

/** A PIN to choose on a card with two PINs (PIN change and unblock), with its tries left when the card tells. */
export interface PinChoice {
  readonly role: PinRole;
  readonly triesLeft?: number;
}

/** Fields every state carries, so the header and the step list render from any state. */
interface Common {
  readonly step: Step;
  readonly readerName?: string;
  readonly card?: CardOverview;
  readonly identity?: LoggedInIdentity;
  readonly operation?: Operation;
  readonly warnings: readonly Warning[];
}

/** The engine's state: what the screens render. */
export type EngineState = Common &
  (
    | {readonly type: 'idle'}
    | {
        readonly type: 'waiting-for-card';
        readonly readers: readonly ReaderView[];
        /** Whether `readers` is a listing (false until the engine has listed the readers after the state began). */
        readonly isListed: boolean;
        /** Several readers hold a card: chooseReader() picks one. */
        readonly isChoosingReader: boolean;
        /** The reader asked for (--reader, the settings) matches none of `readers`. */
        readonly missingReader?: string;
      }
    | {readonly type: 'reading-card'}
    | {readonly type: 'card-ready'; readonly card: CardOverview}
    | {readonly type: 'awaiting-pin'; readonly request: PinRequest; readonly pinCount: 1 | 2}
    | {readonly type: 'logging-in'}
    | {readonly type: 'menu'; readonly identity: LoggedInIdentity}
    | {readonly type: 'working'; readonly operation: Operation; readonly activity: Activity}
    | {
        readonly type: 'awaiting-terms';
        readonly terms: Terms;
        readonly plan: readonly PlanItemView[];
        readonly preparation?: KeyPreparationView;
      }
    | {
        readonly type: 'upgrading';
        readonly step: Step;
        readonly plan: readonly PlanItemView[];
        readonly progress: Progress;
        readonly installed: readonly CertificateView[];
      }
    | {readonly type: 'choosing-certificate'; readonly certificates: readonly ServiceCertificateView[]}
    /** A card with two PINs: which PIN to change or unblock (choosePin()). */
    | {
        readonly type: 'choosing-pin';
        readonly operation: 'change-pin' | 'unblock-pin';
        readonly choices: readonly PinChoice[];
      }
    | {readonly type: 'operation-result'; readonly result: OperationResult}
    | {readonly type: 'done'; readonly installed: readonly CertificateView[]}
    | {
        readonly type: 'failed';
        readonly error: EngineError;
        readonly wayForward: WayForward;
        /** retry() is possible (the engine keeps what it needs to try again). */
        readonly canRetry: boolean;
      }
  );

/** What happened, in the past tense. The engine emits them; `reduce` folds them into the state. */
export type EngineEvent =
  | {readonly type: 'started'}
  | {
      readonly type: 'readersChanged';
      readonly readers: readonly ReaderView[];
      readonly isChoosingReader: boolean;
      /** The reader asked for, when no reader has its name. */
      readonly missingReader?: string;
    }
  | {readonly type: 'cardReadStarted'; readonly readerName: string}
  | {readonly type: 'cardRead'; readonly card: CardOverview}
  | {readonly type: 'cardRemoved'}
  | {readonly type: 'pinRequested'; readonly request: Omit<PinRequest, 'isLastTryConfirmed'>}
  | {readonly type: 'lastTryConfirmed'}
  /** The card told the PIN's tries left (a wrong PIN, or the counter back after a right one): the overview follows. */
  | {readonly type: 'pinTriesChanged'; readonly triesLeft: number; readonly role?: PinRole}
  /** A card with two PINs: the person chooses which PIN to change or unblock. */
  | {
      readonly type: 'pinChoiceOffered';
      readonly operation: 'change-pin' | 'unblock-pin';
      readonly choices: readonly PinChoice[];
    }
  | {readonly type: 'loginStarted'}
  /** Logged in; `operation` when the login was for an operation, which then goes on (no menu in between). */
  | {readonly type: 'loggedIn'; readonly identity: LoggedInIdentity; readonly operation?: Operation}
  | {readonly type: 'operationStarted'; readonly operation: Operation; readonly activity: Activity}
  | {readonly type: 'activityChanged'; readonly activity: Activity}
  | {readonly type: 'termsPresented'; readonly terms: Terms; readonly plan: readonly PlanItemView[]}
  /** The card's preparation while the terms are shown moved on. */
  | {readonly type: 'keysPrepared'; readonly preparation: KeyPreparationView}
  /**
   * The upgrade's progress begins: after the terms were accepted (now, or before: a resumed upgrade, or only checks
   * and completion remain) and the PINs it needs were verified, whatever screens came between.
   */
  | {readonly type: 'upgradeStarted'; readonly plan: readonly PlanItemView[]; readonly progress: Progress}
  /** The card was read again without leaving the current screen (e.g. after an upgrade). */
  | {readonly type: 'cardRefreshed'; readonly card: CardOverview}
  | {readonly type: 'stepStarted'; readonly step: Step}
  | {readonly type: 'progressed'; readonly progress: Progress}
  | {readonly type: 'certificateInstalled'; readonly certificate: CertificateView}
  | {readonly type: 'certificatesOffered'; readonly certificates: readonly ServiceCertificateView[]}
  | {readonly type: 'operationCompleted'; readonly result: OperationResult}
  | {readonly type: 'completed'; readonly installed: readonly CertificateView[]}
  | {readonly type: 'warningRaised'; readonly warning: Warning}
  | {readonly type: 'cancelled'}
  | {readonly type: 'failed'; readonly error: EngineError; readonly canRetry: boolean};

/** The state before start(). */
export const initialState: EngineState = {type: 'idle', step: Step.PrepareCodes, warnings: []};

/** Keeps the shared fields of a state when moving to another. */
function common(state: EngineState): Common {
  const {step, readerName, card, identity, operation, warnings} = state;
  return {step, readerName, card, identity, operation, warnings};
}

/** The events of the given types. */
type EventOf<Type extends EngineEvent['type']> = Extract<EngineEvent, {type: Type}>;

/**
 * Folds one event into the state. Pure: no I/O, no clock; the same state and event always give the same result.
 * Events that make no sense in the current state leave it unchanged (the engine never sends them; a stray one is
 * harmless).
 */
export function reduce(state: EngineState, event: EngineEvent): EngineState {
  switch (event.type) {
    case 'started':
    case 'readersChanged':
    case 'cardReadStarted':
    case 'cardRead':
    case 'cardRemoved':
    case 'cardRefreshed':
    case 'pinTriesChanged':
      return reduceCardEvent(state, event);
    case 'pinRequested':
    case 'lastTryConfirmed':
    case 'pinChoiceOffered':
    case 'loginStarted':
    case 'loggedIn':
      return reduceLoginEvent(state, event);
    case 'termsPresented':
    case 'keysPrepared':
    case 'upgradeStarted':
    case 'stepStarted':
    case 'progressed':
    case 'certificateInstalled':
    case 'completed':
      return reduceUpgradeEvent(state, event);
    case 'operationStarted':
    case 'activityChanged':
    case 'certificatesOffered':
    case 'operationCompleted':
    case 'warningRaised':
    case 'cancelled':
    case 'failed':
      return reduceOperationEvent(state, event);
  }
}

/** The card and its readers: waiting, reading, removed, read again, PIN tries. */
function reduceCardEvent(
  state: EngineState,
  event: EventOf<
    | 'started'
    | 'readersChanged'
    | 'cardReadStarted'
    | 'cardRead'
    | 'cardRemoved'
    | 'cardRefreshed'
    | 'pinTriesChanged'
  >,
): EngineState {
  const base = common(state);
  switch (event.type) {
    case 'started':
      return {
        type: 'waiting-for-card',
        step: Step.InsertCard,
        warnings: [],
        readers: [],
        isListed: false,
        isChoosingReader: false,
      };
    case 'readersChanged':
      if (state.type !== 'waiting-for-card') return state;
      return {
        ...state,
        readers: event.readers,
        isListed: true,
        isChoosingReader: event.isChoosingReader,
        missingReader: event.missingReader,
      };
    case 'cardReadStarted':
      return {
        ...base,
        type: 'reading-card',
        step: Step.InsertCard,
        readerName: event.readerName,
        card: undefined,
        identity: undefined,
      };
    case 'cardRead':
      return {...base, type: 'card-ready', step: Step.LogIn, card: event.card};
    case 'cardRemoved':
      return {
        type: 'waiting-for-card',
        step: Step.InsertCard,
        warnings: [],
        operation: state.operation,
        readers: [],
        isListed: false,
        isChoosingReader: false,
      };
    case 'cardRefreshed':
      return {...state, card: event.card};
    case 'pinTriesChanged': {
      if (state.card === undefined) return state;
      if (event.role === 'signature') {
        if (state.card.signaturePinTriesLeft === event.triesLeft) return state;
        return {...state, card: {...state.card, signaturePinTriesLeft: event.triesLeft}};
      }
      if (state.card.pinTriesLeft === event.triesLeft) return state;
      return {...state, card: {...state.card, pinTriesLeft: event.triesLeft}};
    }
  }
}

/** PINs and the login (steps 1 to 3), and which PIN to change or unblock. */
function reduceLoginEvent(
  state: EngineState,
  event: EventOf<'pinRequested' | 'lastTryConfirmed' | 'pinChoiceOffered' | 'loginStarted' | 'loggedIn'>,
): EngineState {
  const base = common(state);
  switch (event.type) {
    case 'pinRequested':
      return {
        ...base,
        type: 'awaiting-pin',
        step:
          event.request.reason === 'login' && state.identity === undefined
            ? Step.LogIn
            : event.request.reason === 'signature' && state.operation === 'upgrade'
              ? Step.AcceptTerms
              : state.step,
        request: {...event.request, isLastTryConfirmed: false},
        pinCount: state.card?.pinCount ?? 1,
      };
    case 'lastTryConfirmed':
      if (state.type !== 'awaiting-pin') return state;
      return {...state, request: {...state.request, isLastTryConfirmed: true}};
    case 'pinChoiceOffered':
      return {...base, type: 'choosing-pin', operation: event.operation, choices: event.choices};
    case 'loginStarted':
      return {...base, type: 'logging-in', step: Step.LogIn};
    case 'loggedIn':
      if (event.operation !== undefined) {
        return {
          ...base,
          type: 'working',
          step: Step.ChooseOperation,
          identity: event.identity,
          operation: event.operation,
          activity: 'asking-service',
        };
      }
      return {...base, type: 'menu', step: Step.ChooseOperation, identity: event.identity};
  }
}

/** The upgrade (steps 5 to 10): terms, progress, installed certificates, done. */
function reduceUpgradeEvent(
  state: EngineState,
  event: EventOf<
    | 'termsPresented'
    | 'keysPrepared'
    | 'upgradeStarted'
    | 'stepStarted'
    | 'progressed'
    | 'certificateInstalled'
    | 'completed'
  >,
): EngineState {
  const base = common(state);
  switch (event.type) {
    case 'termsPresented':
      return {...base, type: 'awaiting-terms', step: Step.AcceptTerms, terms: event.terms, plan: event.plan};
    case 'keysPrepared':
      return state.type === 'awaiting-terms' ? {...state, preparation: event.preparation} : state;
    case 'upgradeStarted':
      return {
        ...base,
        type: 'upgrading',
        step: Step.DownloadStarted,
        operation: 'upgrade',
        plan: event.plan,
        progress: event.progress,
        installed: [],
      };
    case 'stepStarted':
      return {...state, step: event.step};
    case 'progressed':
      if (state.type !== 'upgrading') return state;
      return {...state, progress: event.progress};
    case 'certificateInstalled':
      if (state.type !== 'upgrading') return state;
      return {...state, installed: [...state.installed, event.certificate]};
    case 'completed':
      return {...base, type: 'done', step: Step.Done, installed: event.installed};
  }
}

/** Operations, their questions and results, warnings, cancel and failure. */
function reduceOperationEvent(
  state: EngineState,
  event: EventOf<
    | 'operationStarted'
    | 'activityChanged'
    | 'certificatesOffered'
    | 'operationCompleted'
    | 'warningRaised'
    | 'cancelled'
    | 'failed'
  >,
): EngineState {
  const base = common(state);
  switch (event.type) {
    case 'operationStarted':
      return {
        ...base,
        type: 'working',
        // From the terms (the card finishing the key it generates meanwhile), the upgrade stays at step 5.
        step:
          event.operation !== 'upgrade'
            ? state.step
            : state.type === 'awaiting-terms'
              ? Step.AcceptTerms
              : Step.ChooseOperation,
        operation: event.operation,
        activity: event.activity,
        warnings: [],
      };
    case 'activityChanged':
      if (state.type === 'working') return {...state, activity: event.activity};
      if (state.type === 'upgrading')
        return {...state, progress: {...state.progress, activity: event.activity}};
      return state;
    case 'certificatesOffered':
      return {...base, type: 'choosing-certificate', certificates: event.certificates};
    case 'operationCompleted':
      return {
        ...base,
        type: 'operation-result',
        step: state.identity === undefined ? Step.LogIn : Step.ChooseOperation,
        card: event.result.type === 'status' ? event.result.card : state.card,
        result: event.result,
      };
    case 'warningRaised':
      return {...state, warnings: [...state.warnings, event.warning]};
    case 'cancelled':
      if (state.identity !== undefined) {
        return {...base, type: 'menu', step: Step.ChooseOperation, identity: state.identity, warnings: []};
      }
      if (state.card !== undefined)
        return {...base, type: 'card-ready', step: Step.LogIn, card: state.card, warnings: []};
      return initialState;
    case 'failed':
      return {
        ...base,
        type: 'failed',
        error: event.error,
        wayForward: wayForwardFor(event.error),
        canRetry: event.canRetry,
      };
  }
}
