import type {CertificateFacts, TrustStore} from './certificate-facts.js';
import {
  engineErrorOf,
  isCardResetReported,
  isCardResetSign,
  UpgradeError,
  type EngineError,
} from './errors.js';
import {surveyCard, surveyLogFields} from './card-survey.js';
import {logFieldsOf} from './support-log.js';
import {logInWithCard} from './login.js';
import {verifiedPin} from './pin-verification.js';
import {missingReader, readerChoice} from './reader-choice.js';
import {changePin} from './operations/change-pin.js';
import type {OperationContext, PromptKind} from './operations/context.js';
import {listCertificates} from './operations/list-certificates.js';
import {refetchCertificates} from './operations/refetch.js';
import {revokeCertificate} from './operations/revoke.js';
import {showStatus} from './operations/status.js';
import {testEid} from './operations/test-eid.js';
import {unblockPin} from './operations/unblock-pin.js';
import {upgradeCard} from './operations/upgrade.js';
import {PinHolder} from './pin-holder.js';
import type {CardPort, EngineDeps, PinRole, PinSource, ServiceSession} from './ports.js';
import {CARD_TIMINGS, type CardTimings} from './progress-estimator.js';
import {
  initialState,
  reduce,
  slotName,
  type CardOverview,
  type EngineEvent,
  type EngineState,
  type Operation,
  type PinReason,
  type ReaderView,
  type Step,
} from './state.js';

/** Options of the engine beyond its ports. */
export interface EngineOptions {
  /** Expected card timings for time-left estimates. Default: the card profile's (docs/timing-model.md). */
  readonly timings?: CardTimings;
}

/** A question to the user the engine waits on. */
type Prompt =
  | {readonly kind: 'pin'; resolve(pin: Uint8Array): void; reject(error: unknown): void}
  | {readonly kind: 'terms'; resolve(): void; reject(error: unknown): void}
  | {readonly kind: 'reader'; resolve(name: string): void; reject(error: unknown): void}
  | {readonly kind: 'certificate'; resolve(serial: string): void; reject(error: unknown): void}
  | {readonly kind: 'pin-choice'; resolve(role: PinRole): void; reject(error: unknown): void};

/** Errors after which retry() can continue: the cause is outside and may go away. */
const RETRYABLE: ReadonlySet<EngineError['code']> = new Set([
  'card-removed',
  'card-reset',
  'reader-busy',
  'card-error',
  'service-unreachable',
  'service-error',
  'cancelled',
  'pcscd-not-running',
  'no-reader',
]);

/**
 * How many times one flow picks the card up again after another program reset it, without getting to a later
 * step in between, before it reports 'card-reset' (docs/architecture.md, "A card reset").
 */
export const MAX_RESET_RECOVERIES = 3;

/** Service refusals that mean the session is gone: log in again. */
const SESSION_GONE_REASONS: ReadonlySet<string> = new Set([
  'session-expired',
  'session-invalid',
  'session-missing',
  'session-certificate-expired',
]);

/**
 * The upgrade engine: plans and runs the operations (upgrade, status, test e-id, PIN change and unblock, list,
 * re-fetch, revoke) as events folded by the pure `reduce` (state.ts); reaches the card, the service, the clock
 * and the log only through `deps` (ports.ts); knows nothing of a terminal.
 *
 * Commands return at once; progress shows in getState() and to subscribers. Failures become a `failed` state
 * with an EngineError and a way forward; retry() continues from whatever the card and the service hold.
 */
export class UpgradeEngine {
  readonly #deps: EngineDeps;
  readonly #timings: CardTimings | undefined;
  readonly #listeners = new Set<() => void>();
  /**
   * One PIN buffer per role (docs/architecture.md, invariant 6). A card with one PIN (PIV) uses the
   * authentication holder for both roles: its PIN is asked once.
   */
  readonly #pins: Readonly<Record<PinRole, PinHolder>> = {
    authentication: new PinHolder(),
    signature: new PinHolder(),
  };
  #state: EngineState = initialState;
  #readers: readonly ReaderView[] = [];
  #readerChanged: (() => void) | undefined;
  #stopWatching: (() => void) | undefined;
  #card: CardPort | undefined;
  /** The certificates on the open card, by slot, as last read. */
  #slots = new Map<number, CertificateFacts>();
  /**
   * The card as last read (cardRead, cardRefreshed), forgotten when another card is read or the card is removed:
   * the engine's own record, not the screens' state.
   */
  #cardRead: CardOverview | undefined;
  #session: ServiceSession | undefined;
  /**
   * PUK tries left as the card last said them (a wrong PUK's answer), by card number: for the whole run, so the
   * last-try warning is not lost when the person leaves the PUK prompt, does something else or re-inserts the card.
   */
  readonly #pukTriesLeft = new Map<string, number>();
  /** Serial of the certificate #session logged in with: its revocation ends the session at the service. */
  #sessionCertificateSerial: string | undefined;
  #prompt: Prompt | undefined;
  #flow: Promise<void> | undefined;
  #retry: (() => Promise<void>) | undefined;
  #abort = new AbortController();
  #isDisposed = false;
  /** A card reset was recovered from in the running flow: its warning is shown again after operationStarted. */
  #isResetWarningDue = false;

  constructor(deps: EngineDeps, options: EngineOptions = {}) {
    this.#deps = deps;
    this.#timings = options.timings;
  }

  getState(): EngineState {
    return this.#state;
  }

  /** Calls `listener` after every state change; returns the unsubscribe function (useSyncExternalStore shape). */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves when the running operation (if any) has ended. */
  async settled(): Promise<void> {
    while (this.#flow !== undefined) await this.#flow;
  }

  /** Starts watching the readers; reads the card once one is inserted (steps 1-2). */
  start(): void {
    if (this.#state.type !== 'idle' || this.#isDisposed) return;
    this.#emit({type: 'started'});
    this.#run(this.#startFlow);
  }

  readonly #startFlow = () => this.#cardFlow();

  /** Picks the reader when several hold a card. */
  chooseReader(name: string): void {
    if (this.#prompt?.kind === 'reader') this.#answer(this.#prompt, name);
  }

  /** Logs in to the service with the card (step 3), then shows the menu (step 4). */
  logIn(): void {
    if (this.#state.type !== 'card-ready') return this.#notNow();
    this.#run(async () => {
      await this.#logIn();
    });
  }

  /** Runs an operation; logs in first when it needs the service. */
  chooseOperation(operation: Operation): void {
    const isOpen = ['card-ready', 'menu', 'operation-result', 'done', 'failed'].includes(this.#state.type);
    if (!isOpen || this.#card === undefined) return this.#notNow();
    this.#abort = new AbortController();
    this.#run(() => this.#operation(operation));
  }

  /**
   * Answers a PIN or PUK request. The engine takes `pin` (ASCII digits) and zeroes it when done with it; the
   * caller must not reuse the buffer. On the last try it is only sent after confirmLastTry().
   */
  submitPin(pin: Uint8Array): void {
    const state = this.#state;
    if (this.#prompt?.kind !== 'pin' || state.type !== 'awaiting-pin') {
      pin.fill(0);
      return this.#notNow();
    }
    if (state.request.isLastTry && !state.request.isLastTryConfirmed) {
      pin.fill(0);
      this.#emit({type: 'warningRaised', warning: {code: 'last-try-not-confirmed'}});
      return;
    }
    this.#answer(this.#prompt, pin);
  }

  /** Chooses which PIN to change or unblock on a card with two PINs (state `choosing-pin`). */
  choosePin(role: PinRole): void {
    if (this.#prompt?.kind === 'pin-choice') this.#answer(this.#prompt, role);
    else this.#notNow();
  }

  /** Confirms that the next PIN may use the last try. */
  confirmLastTry(): void {
    if (this.#state.type === 'awaiting-pin' && this.#state.request.isLastTry)
      this.#emit({type: 'lastTryConfirmed'});
  }

  /** Accepts the terms shown (step 5: "Jag godkänner villkoren", STARTA NEDLADDNING). */
  acceptTerms(): void {
    if (this.#prompt?.kind === 'terms') this.#answer(this.#prompt, undefined);
  }

  /** Picks the certificate to revoke. */
  chooseCertificate(serial: string): void {
    if (this.#prompt?.kind === 'certificate') this.#answer(this.#prompt, serial);
  }

  /**
   * Cancels: a question is withdrawn (back to the menu or the card overview); a running upgrade stops before its
   * next card step, in a state the next run resumes from.
   */
  cancel(): void {
    const prompt = this.#prompt;
    if (prompt !== undefined) {
      this.#prompt = undefined;
      prompt.reject(new UpgradeError({code: 'cancelled'}, 'cancelled by the user'));
      return;
    }
    if (this.#flow !== undefined) {
      this.#abort.abort();
      return;
    }
    this.#notNow();
  }

  /** Tries again after a failure that allows it (card re-inserted, network back, ...). */
  retry(): void {
    const state = this.#state;
    if (state.type !== 'failed' || !state.canRetry || this.#retry === undefined) return this.#notNow();
    this.#abort = new AbortController();
    this.#run(this.#retry);
  }

  /** Stops watching readers, withdraws questions, zeroes the PIN and closes the card. */
  async dispose(): Promise<void> {
    this.#isDisposed = true;
    this.#stopWatching?.();
    this.#abort.abort();
    const prompt = this.#prompt;
    this.#prompt = undefined;
    prompt?.reject(new UpgradeError({code: 'cancelled'}, 'the engine was closed'));
    this.#readerChanged?.();
    await this.settled().catch(() => undefined);
    this.#clearPins();
    await this.#closeCard();
  }

  // ---- flows ----

  /**
   * Runs a flow after the one running (if any) has ended: commands are checked against the state first, so a
   * flow still running then is only finishing (its last event already shown).
   */
  #run(flow: () => Promise<void>): void {
    const previous = this.#flow ?? Promise.resolve();
    const running = previous.then(async () => {
      try {
        await this.#recoveringFromResets(flow);
      } catch (error) {
        this.#failed(error, flow);
      } finally {
        this.#isResetWarningDue = false;
        if (this.#flow === running) this.#flow = undefined;
      }
    });
    this.#flow = running;
  }

  /**
   * Runs `flow`; when the card shows that another program reset it (isCardResetSign), picks the card up again
   * (#afterReset) and runs `flow` again from its start, which reads from the card and the service where it stands
   * and asks again for a PIN the card forgot. After MAX_RESET_RECOVERIES resets without the flow getting to a later
   * step: UpgradeError 'card-reset' when the transport kept reporting resets; else the card's own answer (a 6D00
   * that is no reset: a command it lacks).
   */
  async #recoveringFromResets(flow: () => Promise<void>): Promise<void> {
    let work = flow;
    let lastResetStep: Step | undefined;
    for (let recoveries = 0; ; recoveries++) {
      try {
        await work();
        return;
      } catch (error) {
        if (this.#card === undefined || this.#isDisposed || !isCardResetSign(error)) throw error;
        // A reset at a later step than the last one: the flow got further, so the recoveries count afresh.
        if (lastResetStep !== undefined && this.#state.step > lastResetStep) recoveries = 0;
        lastResetStep = this.#state.step;
        this.#log('cardResetSeen', {error, recoveries});
        if (recoveries >= MAX_RESET_RECOVERIES) {
          if (!isCardResetReported(error)) throw error;
          throw new UpgradeError({code: 'card-reset'}, 'the card was reset again and again', {cause: error});
        }
        work = async () => {
          await this.#afterReset();
          await flow();
        };
      }
    }
  }

  /**
   * After a card reset: the card forgot every verified PIN and the management key, so the engine forgets the PINs
   * too (the flow asks again); the card is reconnected, its applet selected again and read again quietly. A card
   * not shown yet is closed instead: the flow opens and reads it again.
   */
  async #afterReset(): Promise<void> {
    this.#clearPins();
    const card = this.#requireCard();
    if (this.#cardRead === undefined) {
      await this.#closeCard();
      return;
    }
    await card.reconnect();
    this.#isResetWarningDue = true;
    this.#emit({type: 'warningRaised', warning: {code: 'card-reset'}});
    await this.#readCard(card, 'cardRefreshed');
  }

  #failed(error: unknown, flow: () => Promise<void>): void {
    if (this.#isDisposed) return;
    const engineError = engineErrorOf(error);
    this.#log('flowFailed', {error});
    this.#clearPins();
    if (engineError.code === 'cancelled' && this.#state.type !== 'upgrading') {
      this.#emit({type: 'cancelled'});
      return;
    }
    // After 'card-reset' the card stays open: retry() runs the flow again, which reconnects it (#afterReset).
    if (engineError.code === 'card-removed' || engineError.code === 'card-changed') void this.#closeCard();
    // A revoked login certificate ended the session too; another certificate on the card may still log in.
    const isSessionGone =
      (engineError.code === 'service-refused' && SESSION_GONE_REASONS.has(engineError.reason)) ||
      engineError.code === 'login-certificate-revoked';
    if (isSessionGone) this.#session = undefined;
    const canRetry = RETRYABLE.has(engineError.code) || isSessionGone;
    this.#retry = canRetry ? this.#retryFlow(flow) : undefined;
    this.#emit({type: 'failed', error: engineError, canRetry});
  }

  /** After a failure: the same card back (re-inserted, reader back), then the same flow again. */
  #retryFlow(flow: () => Promise<void>): () => Promise<void> {
    const cardNumber = this.#cardRead?.cardNumber;
    return async () => {
      await this.#cardFlow(flow === this.#startFlow ? 'cardRead' : 'cardRefreshed');
      if (cardNumber !== undefined && this.#cardRead?.cardNumber !== cardNumber) {
        throw new UpgradeError({code: 'card-changed'}, 'a different card was inserted');
      }
      await flow();
    };
  }

  /** Watches the readers (once) and opens the card (when none is open). */
  async #cardFlow(show: 'cardRead' | 'cardRefreshed' = 'cardRead'): Promise<void> {
    if (this.#stopWatching === undefined) {
      this.#readers = await this.#deps.readers.list();
      this.#stopWatching = this.#deps.readers.watch(
        (readers) => this.#onReaders(readers),
        (error) => this.#log('readerWatchFailed', {error}),
      );
    }
    if (this.#card === undefined) await this.#insertedCard(show);
  }

  /**
   * Waits for a card in a reader (asking which when several hold one) and reads it: shown as card-ready, or
   * quietly ('cardRefreshed') when an operation goes on with it.
   */
  async #insertedCard(show: 'cardRead' | 'cardRefreshed' = 'cardRead'): Promise<void> {
    const readerName = await this.#cardReader();
    await this.#closeCard();
    this.#emit({type: 'cardReadStarted', readerName});
    const card = await this.#deps.readers.open(readerName);
    this.#card = card;
    await this.#readCard(card, show);
  }

  /** Reads the card's identity, certificates and PIN tries; shows them (cardRead) or updates them quietly. */
  async #readCard(card: CardPort, show: 'cardRead' | 'cardRefreshed' = 'cardRead'): Promise<CardOverview> {
    const survey = await surveyCard(card, this.#trust(), new Date(this.#deps.clock.now()), (slot, error) =>
      this.#log('certificateUnreadable', {slot: slotName(slot), error}),
    );
    this.#slots = new Map(survey.facts.map((entry) => [entry.slot, entry.facts]));
    this.#emit({type: show, card: survey.overview});
    this.#log('cardSurveyed', surveyLogFields(survey));
    return survey.overview;
  }

  async #cardReader(): Promise<string> {
    for (;;) {
      if (this.#isDisposed) throw new UpgradeError({code: 'cancelled'}, 'the engine was closed');
      const choice = readerChoice(this.#readers, this.#deps.preferredReader);
      if (choice.kind === 'reader') return choice.name;
      if (choice.kind === 'ask') {
        this.#showReaders(true);
        return this.#ask<string>({kind: 'reader'});
      }
      this.#showReaders(false);
      await new Promise<void>((resolve) => (this.#readerChanged = resolve));
    }
  }

  #showReaders(isChoosingReader: boolean): void {
    if (this.#state.type !== 'waiting-for-card') this.#emit({type: 'cardRemoved'});
    this.#emit({
      type: 'readersChanged',
      readers: this.#readers,
      isChoosingReader,
      missingReader: missingReader(this.#readers, this.#deps.preferredReader),
    });
  }

  #onReaders(readers: readonly ReaderView[]): void {
    this.#readers = readers;
    const changed = this.#readerChanged;
    this.#readerChanged = undefined;
    changed?.();
    const state = this.#state;
    if (state.type === 'waiting-for-card') {
      this.#emit({
        type: 'readersChanged',
        readers,
        isChoosingReader: state.isChoosingReader,
        missingReader: missingReader(readers, this.#deps.preferredReader),
      });
    }
    const ours = readers.find((reader) => reader.name === this.#card?.readerName);
    const isOursGone = this.#card !== undefined && ours?.hasCard !== true;
    if (
      isOursGone &&
      this.#flow === undefined &&
      ['card-ready', 'menu', 'operation-result', 'done', 'failed'].includes(state.type)
    ) {
      void this.#closeCard();
      this.#session = undefined;
      this.#emit({type: 'cardRemoved'});
      this.#run(() => this.#insertedCard());
    }
    if (isOursGone && this.#prompt !== undefined && this.#flow !== undefined) {
      const prompt = this.#prompt;
      this.#prompt = undefined;
      prompt.reject(new UpgradeError({code: 'card-removed'}, 'the card was removed'));
    }
    // Re-inserted after a removal: continue by itself.
    const lastReader = state.readerName;
    if (
      state.type === 'failed' &&
      state.error.code === 'card-removed' &&
      this.#flow === undefined &&
      readers.some((reader) => reader.hasCard && (lastReader === undefined || reader.name === lastReader))
    ) {
      this.retry();
    }
  }

  // ---- login ----

  /** The PIN of `role` asked until the card accepts it, held in its holder (pin-verification.ts). */
  async #verifiedPin(card: CardPort, role: PinRole = 'authentication'): Promise<void> {
    await verifiedPin({
      card,
      role,
      holder: this.#pinHolder(card, role),
      emit: (event) => this.#emit(event),
      askPin: (reason, triesLeft, rejection) => this.#askPin(reason, triesLeft, rejection),
    });
  }

  #askPin(
    reason: PinReason,
    triesLeft: number | undefined,
    rejection?: 'wrong-code' | 'bad-format',
    role?: PinRole,
  ) {
    this.#emit({
      type: 'pinRequested',
      request: {
        reason,
        ...(role === undefined ? {} : {role}),
        triesLeft,
        isLastTry: triesLeft === 1,
        wasRejected: rejection !== undefined,
        rejection,
      },
    });
    return this.#ask<Uint8Array>({kind: 'pin'});
  }

  /** The session, logging in first (step 3) when there is none: the PIN, then a login with the card. */
  async #logIn(operation?: Operation): Promise<ServiceSession> {
    const card = this.#requireCard();
    if (this.#session !== undefined) return this.#session;
    await this.#verifiedPin(card);
    this.#emit({type: 'loginStarted'});
    const cardNumber = this.#cardRead?.cardNumber ?? '';
    const {session, slot, certificate} = await logInWithCard({
      card,
      service: this.#deps.service,
      cardNumber,
      slots: this.#slots,
      trust: this.#trust(),
      now: new Date(this.#deps.clock.now()),
      pinSource: this.#pinSource(card),
      log: (event, fields) => this.#log(event, fields),
    });
    this.#session = session;
    this.#sessionCertificateSerial = certificate.serial;
    this.#emit({
      type: 'loggedIn',
      identity: {name: session.identity.person.name, hsaId: session.identity.person.hsaId},
      operation,
    });
    this.#log('loggedIn', {slot: slotName(slot), serial: certificate.serial, cardNumber});
    return session;
  }

  // ---- operations ----

  /** Runs one operation, each in its own file under operations/. */
  async #operation(operation: Operation): Promise<void> {
    const context = this.#context(this.#requireCard());
    this.#log('operationChosen', {operation});
    switch (operation) {
      case 'upgrade':
        return upgradeCard(context);
      case 'status':
        return showStatus(context);
      case 'test-eid':
        return testEid(context);
      case 'change-pin':
        return changePin(context);
      case 'unblock-pin':
        return unblockPin(context);
      case 'list-certificates':
        return listCertificates(context);
      case 'refetch':
        return refetchCertificates(context);
      case 'revoke':
        return revokeCertificate(context);
    }
  }

  /** What an operation gets of the engine: the card, the ports, the domain state and the shared steps. */
  #context(card: CardPort): OperationContext {
    // The domain state is read live: an operation outlives the reads and logins it triggers.
    const live = {
      cardRead: () => this.#cardRead,
      slots: () => this.#slots,
      sessionCertificateSerial: () => this.#sessionCertificateSerial,
    };
    return {
      card,
      deps: this.#deps,
      timings: this.#timings ?? CARD_TIMINGS[card.profile],
      signal: this.#abort.signal,
      get cardRead() {
        return live.cardRead();
      },
      get slots() {
        return live.slots();
      },
      trust: this.#trust(),
      pinSource: this.#pinSource(card),
      pukTriesLeft: this.#pukTriesLeft,
      get sessionCertificateSerial() {
        return live.sessionCertificateSerial();
      },
      emit: (event) => this.#emit(event),
      log: (event, fields) => this.#log(event, fields),
      ask: <T>(kind: PromptKind) => this.#ask<T>({kind}),
      askPin: (reason, triesLeft, rejection, role) => this.#askPin(reason, triesLeft, rejection, role),
      verifiedPin: (role) => this.#verifiedPin(card, role),
      logIn: (operation) => this.#logIn(operation),
      readCard: (show) => this.#readCard(card, show),
      clearPins: () => this.#clearPins(),
      endSession: () => {
        this.#session = undefined;
      },
      notNow: () => this.#notNow(),
    };
  }

  // ---- plumbing ----

  /** The holder of `role`'s PIN on `card`: a card with one PIN answers both roles with it. */
  #pinHolder(card: CardPort, role: PinRole): PinHolder {
    return card.pinCount === 2 ? this.#pins[role] : this.#pins.authentication;
  }

  /** The PINs held for `card`, for signers and key proofs: the card layer pads and sends, never keeps. */
  #pinSource(card: CardPort): PinSource {
    return (role) => this.#pinHolder(card, role).provide();
  }

  /** Zeroes both PIN buffers. */
  #clearPins(): void {
    this.#pins.authentication.clear();
    this.#pins.signature.clear();
  }

  #trust(): TrustStore {
    return {anchors: this.#deps.trustAnchors, intermediates: this.#deps.intermediates ?? []};
  }

  #requireCard(): CardPort {
    if (this.#card === undefined) throw new UpgradeError({code: 'card-removed'}, 'no card is open');
    return this.#card;
  }

  async #closeCard(): Promise<void> {
    const card = this.#card;
    this.#card = undefined;
    this.#session = undefined;
    this.#slots = new Map();
    this.#clearPins();
    await card?.close().catch(() => undefined);
  }

  #ask<T>(prompt: {kind: Prompt['kind']}): Promise<T> {
    // Closed: no question is asked any more (a flow finishing after dispose() would wait on it for ever).
    if (this.#isDisposed)
      return Promise.reject(new UpgradeError({code: 'cancelled'}, 'the engine was closed'));
    return new Promise<T>((resolve, reject) => {
      this.#prompt = {kind: prompt.kind, resolve, reject} as Prompt;
    });
  }

  #answer(prompt: Prompt, value: unknown): void {
    this.#prompt = undefined;
    (prompt.resolve as (value: unknown) => void)(value);
  }

  #notNow(): void {
    this.#emit({type: 'warningRaised', warning: {code: 'not-now'}});
  }

  #emit(event: EngineEvent): void {
    if (event.type === 'cardRead' || event.type === 'cardRefreshed') this.#cardRead = event.card;
    if (event.type === 'cardReadStarted' || event.type === 'cardRemoved') this.#cardRead = undefined;
    const next = reduce(this.#state, event);
    if (event.type !== 'progressed') this.#log(event.type, logFieldsOf(event));
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
    if (event.type === 'operationStarted' && this.#isResetWarningDue) {
      // An operation run again after a card reset: the warning stays on its screen.
      this.#isResetWarningDue = false;
      this.#emit({type: 'warningRaised', warning: {code: 'card-reset'}});
    }
  }

  #log(event: string, fields: Record<string, unknown>): void {
    this.#deps.log.write({event, ...fields});
  }
}
