import {
  checkIssuedCertificate,
  describeCertificate,
  isIssuedUnder,
  keysEqual,
  toCertificateView,
  type CertificateFacts,
  type TrustStore,
} from './certificate-facts.js';
import {engineErrorOf, UpgradeError, type EngineError} from './errors.js';
import {proveKey, verifiesWith} from './key-proof.js';
import type {
  CardPort,
  EngineDeps,
  PinRole,
  PinSource,
  ServiceCertificate,
  ServicePlan,
  ServiceSession,
} from './ports.js';
import {REAL_CARD_TIMINGS, type CardTimings} from './progress-estimator.js';
import {initialProgress, planItemView, runUpgrade} from './upgrade-run.js';
import {
  initialState,
  reduce,
  slotName,
  Step,
  type CardOverview,
  type EngineEvent,
  type EngineState,
  type Operation,
  type PinChoice,
  type PinReason,
  type ReaderView,
  type ServiceCertificateView,
} from './state.js';

/** The PIN retry counter of a YubiKey-like PIV card after a correct PIN (docs/piv-card.md section 4). */
const DEFAULT_PIN_TRIES = 3;

/** Options of the engine beyond its ports. */
export interface EngineOptions {
  /** Expected card timings for time-left estimates. Default: the means of docs/timing-model.md. */
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
  'reader-busy',
  'card-error',
  'service-unreachable',
  'service-error',
  'cancelled',
  'pcscd-not-running',
  'no-reader',
]);

/** Service refusals that mean the session is gone: log in again. */
const SESSION_GONE_REASONS: ReadonlySet<string> = new Set([
  'session-expired',
  'session-invalid',
  'session-missing',
  'session-certificate-expired',
]);

/** The PIN, held in one buffer while an operation needs it, zeroed when it ends. */
class PinHolder {
  #pin: Uint8Array | undefined;

  hold(pin: Uint8Array): void {
    this.clear();
    this.#pin = pin;
  }

  get isHeld(): boolean {
    return this.#pin !== undefined;
  }

  /** The held PIN, for the card layer to pad and send; it neither keeps nor zeroes it. */
  readonly provide = (): Uint8Array => {
    if (this.#pin === undefined) throw new UpgradeError({code: 'internal'}, 'the PIN is not held');
    return this.#pin;
  };

  clear(): void {
    this.#pin?.fill(0);
    this.#pin = undefined;
  }
}

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
  readonly #timings: CardTimings;
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

  constructor(deps: EngineDeps, options: EngineOptions = {}) {
    this.#deps = deps;
    this.#timings = options.timings ?? REAL_CARD_TIMINGS;
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
        await flow();
      } catch (error) {
        this.#failed(error, flow);
      } finally {
        if (this.#flow === running) this.#flow = undefined;
      }
    });
    this.#flow = running;
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
    const cardNumber = this.#state.card?.cardNumber;
    return async () => {
      await this.#cardFlow(flow === this.#startFlow ? 'cardRead' : 'cardRefreshed');
      if (cardNumber !== undefined && this.#state.card?.cardNumber !== cardNumber) {
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
    const read = await card.exclusive(async () => ({
      identity: await card.readIdentity(),
      certificates: await card.readCertificates(),
      pinTriesLeft: await card.pinTriesLeft(),
      signaturePinTriesLeft: card.pinCount === 2 ? await card.pinTriesLeft('signature') : undefined,
    }));
    const facts: {slot: number; facts: CertificateFacts}[] = [];
    for (const {slot, certificate} of read.certificates) {
      try {
        facts.push({slot, facts: describeCertificate(certificate)});
      } catch (error) {
        this.#log('certificateUnreadable', {slot: slotName(slot), error});
      }
    }
    const cardNumber = read.identity.cardNumber ?? read.identity.cardId;
    // A verified PIN's counter is back at its maximum, which PIV does not tell: 3 on YubiKeys
    // (docs/piv-card.md section 4).
    const pinTriesLeft = read.pinTriesLeft ?? DEFAULT_PIN_TRIES;
    const signaturePinTriesLeft =
      card.pinCount === 2 ? (read.signaturePinTriesLeft ?? DEFAULT_PIN_TRIES) : undefined;
    const overview = this.#overview(card, cardNumber, facts, pinTriesLeft, signaturePinTriesLeft);
    this.#slots = new Map(facts.map((entry) => [entry.slot, entry.facts]));
    this.#emit({type: show, card: overview});
    this.#log('cardSurveyed', {
      reader: overview.readerName,
      cardNumber,
      certificates: facts.map(({slot, facts: f}) => ({
        slot: slotName(slot),
        serial: f.serial,
        issuer: f.issuerName,
      })),
      pinTriesLeft,
      signaturePinTriesLeft,
    });
    return overview;
  }

  #overview(
    card: CardPort,
    cardNumber: string,
    facts: readonly {slot: number; facts: CertificateFacts}[],
    pinTriesLeft: number,
    signaturePinTriesLeft: number | undefined,
  ): CardOverview {
    const now = new Date(this.#deps.clock.now());
    const trust = this.#trust();
    const views = facts.map(({slot, facts: f}) => toCertificateView(f, slot, isIssuedUnder(f, trust, now)));
    const authentication =
      facts.find(({slot, facts: f}) => slot === 0x9a && f.purpose === 'authentication') ??
      facts.find(({facts: f}) => f.purpose === 'authentication');
    const hsaId = facts.find(({facts: f}) => f.hsaId !== undefined)?.facts.hsaId;
    const isNew = (identity: string, purpose: string) =>
      views.some((view) => view.isNew && view.identityKind === identity && view.purpose === purpose);
    return {
      readerName: card.readerName,
      holder: authentication?.facts.subjectName,
      hsaId,
      cardNumber,
      certificates: views,
      pinTriesLeft,
      isUpgraded:
        views.length > 0 &&
        views.every((view) => view.isNew) &&
        isNew('hsa-id', 'authentication') &&
        isNew('hsa-id', 'signature') &&
        isNew('personnummer', 'authentication') &&
        isNew('personnummer', 'signature'),
      pinCount: card.pinCount,
      ...(signaturePinTriesLeft === undefined ? {} : {signaturePinTriesLeft}),
    };
  }

  async #cardReader(): Promise<string> {
    for (;;) {
      if (this.#isDisposed) throw new UpgradeError({code: 'cancelled'}, 'the engine was closed');
      const withCard = this.#readers.filter((reader) => reader.hasCard);
      const preferred = this.#deps.preferredReader;
      if (preferred !== undefined) {
        // As yubico-piv-tool's -r: the exact name, or the first reader whose name contains it.
        const reader =
          this.#readers.find((r) => r.name === preferred) ??
          this.#readers.find((r) => r.name.includes(preferred));
        if (reader?.hasCard) return reader.name;
      } else if (withCard.length === 1) {
        return withCard[0]!.name;
      } else if (withCard.length > 1) {
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
      missingReader: this.#missingReader(this.#readers),
    });
  }

  /** The preferred reader when no reader matches it (as #cardReader matches: the name, or a part of it). */
  #missingReader(readers: readonly ReaderView[]): string | undefined {
    const preferred = this.#deps.preferredReader;
    if (preferred === undefined) return undefined;
    return readers.some((reader) => reader.name === preferred || reader.name.includes(preferred))
      ? undefined
      : preferred;
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
        missingReader: this.#missingReader(readers),
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

  /**
   * Asks for the PIN of `role` until the card accepts it (or it is blocked) and holds it for the operation. On a
   * card with one PIN the signature role is the authentication PIN: asked once, as 'login'. The signature PIN of a
   * card with two is asked as 'signature' and checked on the card at once (VERIFY with the signature role).
   * Errors: pin-blocked {role} and what the card says.
   */
  async #verifiedPin(card: CardPort, role: PinRole = 'authentication'): Promise<void> {
    const isSignaturePin = role === 'signature' && card.pinCount === 2;
    const holder = this.#pinHolder(card, role);
    if (holder.isHeld) return;
    // Only the signature PIN of a two-PIN card names its role; PIV calls stay as they were.
    const roleArgument = isSignaturePin ? (['signature'] as const) : ([] as const);
    const blocked = () =>
      new UpgradeError(
        isSignaturePin ? {code: 'pin-blocked', role: 'signature'} : {code: 'pin-blocked'},
        'the PIN is blocked',
      );
    const triesEvent = (triesLeft: number): EngineEvent =>
      isSignaturePin
        ? {type: 'pinTriesChanged', triesLeft, role: 'signature'}
        : {type: 'pinTriesChanged', triesLeft};
    let triesLeft = await card.exclusive(() => card.pinTriesLeft(...roleArgument));
    let rejection: 'wrong-code' | 'bad-format' | undefined;
    for (;;) {
      if (triesLeft === 0) throw blocked();
      const pin = await this.#askPin(isSignaturePin ? 'signature' : 'login', triesLeft, rejection);
      try {
        await card.exclusive(() => card.verifyPin(pin, ...roleArgument));
        holder.hold(pin);
        this.#emit(triesEvent(DEFAULT_PIN_TRIES));
        return;
      } catch (error) {
        pin.fill(0);
        const engineError = engineErrorOf(error);
        if (engineError.code === 'invalid-pin') {
          triesLeft = engineError.triesLeft;
          this.#emit(triesEvent(triesLeft));
          rejection = 'wrong-code';
        } else if (engineError.code === 'pin-format') {
          rejection = 'bad-format';
        } else if (engineError.code === 'pin-blocked') {
          this.#emit(triesEvent(0));
          throw isSignaturePin ? blocked() : error;
        } else {
          throw error;
        }
      }
    }
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

  async #logIn(operation?: Operation): Promise<ServiceSession> {
    const card = this.#requireCard();
    if (this.#session !== undefined) return this.#session;
    await this.#verifiedPin(card);
    this.#emit({type: 'loginStarted'});
    const cardNumber = this.#state.card?.cardNumber ?? '';
    const now = new Date(this.#deps.clock.now());
    const trust = this.#trust();
    // New credentials first (always accepted), 9A before the retired slots, then the old ones.
    const candidates = [...this.#slots]
      .filter(
        ([, facts]) => facts.purpose === 'authentication' && facts.notAfter > now && facts.notBefore <= now,
      )
      .sort(([slotA, a], [slotB, b]) => {
        const isNewA = isIssuedUnder(a, trust, now) ? 0 : 1;
        const isNewB = isIssuedUnder(b, trust, now) ? 0 : 1;
        return isNewA - isNewB || (slotA === 0x9a ? -1 : slotB === 0x9a ? 1 : slotA - slotB);
      });
    let lastError: unknown = new UpgradeError(
      {code: 'no-login-credential'},
      'no authentication certificate on the card',
    );
    for (const [slot, facts] of candidates) {
      const login = await this.#deps.service.beginLogin({
        certificate: facts.der,
        cardNumber,
        cardProfile: card.profile,
      });
      const signer = card.signer(slot, facts.publicKey, this.#pinSource(card));
      const signature = await card.exclusive(() => signer.sign(login.toBeSigned));
      if (!verifiesWith(facts.publicKey, signer.algorithm, login.toBeSigned, signature)) {
        // The key in this slot no longer matches its certificate (an interrupted replacement): try the next.
        this.#log('loginCredentialSkipped', {slot: slotName(slot), serial: facts.serial});
        lastError = new UpgradeError(
          {code: 'no-login-credential'},
          `the key in ${slotName(slot)} does not match its certificate`,
        );
        continue;
      }
      try {
        const session = await login.finish(signature);
        this.#session = session;
        this.#sessionCertificateSerial = facts.serial;
        this.#emit({
          type: 'loggedIn',
          identity: {name: session.identity.person.name, hsaId: session.identity.person.hsaId},
          operation,
        });
        this.#log('loggedIn', {slot: slotName(slot), serial: facts.serial, cardNumber});
        return session;
      } catch (error) {
        const engineError = engineErrorOf(error);
        if (engineError.code !== 'service-refused' && engineError.code !== 'login-certificate-revoked')
          throw error;
        this.#log('loginRefused', {
          slot: slotName(slot),
          serial: facts.serial,
          reason: engineError.code === 'service-refused' ? engineError.reason : 'certificate-revoked',
        });
        lastError = error;
      }
    }
    throw lastError;
  }

  // ---- operations ----

  async #operation(operation: Operation): Promise<void> {
    const card = this.#requireCard();
    this.#log('operationChosen', {operation});
    switch (operation) {
      case 'upgrade':
        return this.#upgrade(card);
      case 'status': {
        this.#emit({type: 'operationStarted', operation, activity: 'reading-card'});
        const overview = await this.#readCard(card, 'cardRefreshed');
        this.#emit({type: 'operationCompleted', result: {type: 'status', card: overview}});
        return;
      }
      case 'test-eid':
        return this.#testEid(card);
      case 'change-pin':
        return this.#changePin(card);
      case 'unblock-pin':
        return this.#unblockPin(card);
      case 'list-certificates': {
        const session = await this.#logIn(operation);
        this.#emit({type: 'operationStarted', operation, activity: 'asking-service'});
        const certificates = await session.listCertificates();
        this.#emit({
          type: 'operationCompleted',
          result: {
            type: 'certificates-listed',
            certificates: certificates.map(serviceCertificateView),
          },
        });
        return;
      }
      case 'refetch':
        return this.#refetch(card);
      case 'revoke':
        return this.#revoke();
    }
  }

  async #upgrade(card: CardPort): Promise<void> {
    const session = await this.#logIn('upgrade');
    this.#emit({type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'});
    const plan = await session.plan();
    this.#checkPlan(plan, session);
    const views = plan.items.map(planItemView);
    const progress = initialProgress(plan, card, this.#timings, this.#deps.clock.now());
    const terms = plan.isTermsAccepted ? undefined : await session.terms();
    // A card with two PINs: the signature PIN is asked (and checked on the card) after the terms and before the
    // progress screen, never in the middle of it.
    const needsSignaturePin = card.pinCount === 2 && plan.items.some((item) => item.purpose === 'signature');
    if (terms === undefined) {
      // Accepted before (an interrupted upgrade being finished), or nothing left but checks and completion.
      const warning = this.#state.card?.isUpgraded === true ? 'card-already-upgraded' : 'resuming-upgrade';
      this.#emit({type: 'warningRaised', warning: {code: warning}});
      if (needsSignaturePin) await this.#verifiedPinsForUpgrade(card);
      this.#emit({type: 'upgradeStarted', plan: views, progress});
    } else if (needsSignaturePin) {
      const language = this.#deps.language;
      this.#emit({
        type: 'termsPresented',
        terms: {version: terms.version, language, text: terms.text[language]},
        plan: views,
      });
      await this.#ask<void>({kind: 'terms'});
      await session.acceptTerms(terms.version);
      await this.#verifiedPinsForUpgrade(card);
      this.#emit({type: 'upgradeStarted', plan: views, progress});
    } else {
      const language = this.#deps.language;
      this.#emit({
        type: 'termsPresented',
        terms: {version: terms.version, language, text: terms.text[language]},
        plan: views,
      });
      await this.#ask<void>({kind: 'terms'});
      await session.acceptTerms(terms.version);
      this.#emit({type: 'termsAccepted', progress});
    }
    await this.#verifiedPin(card);
    const installed = await runUpgrade({
      card,
      session,
      plan,
      trust: this.#trust(),
      clock: this.#deps.clock,
      log: this.#deps.log,
      timings: this.#timings,
      pinProvider: this.#pinSource(card),
      random: (length) => this.#deps.random.bytes(length),
      emit: (event) => this.#emit(event),
      signal: this.#abort.signal,
    });
    this.#clearPins();
    // Completion revoked the card's earlier certificates: a session one of them opened has ended.
    if (!installed.some((certificate) => certificate.serial === this.#sessionCertificateSerial))
      this.#session = undefined;
    // Step 10: the card as it is now, for the summary.
    this.#emit({type: 'stepStarted', step: Step.Done});
    await this.#readCard(card, 'cardRefreshed');
    this.#emit({type: 'completed', installed});
  }

  /** Both PINs of a two-PIN card held before the upgrade's progress starts: the login PIN, then the signature PIN. */
  async #verifiedPinsForUpgrade(card: CardPort): Promise<void> {
    await this.#verifiedPin(card);
    await this.#verifiedPin(card, 'signature');
  }

  /** The plan must be for this card and person, and put each item in its own slot. */
  #checkPlan(plan: ServicePlan, session: ServiceSession): void {
    const slots = new Set(plan.items.map((item) => item.slot));
    if (slots.size !== plan.items.length || plan.cardNumber !== session.identity.card.number) {
      throw new UpgradeError({code: 'answer-rejected', check: 'plan'}, 'the plan does not fit this card');
    }
  }

  /**
   * Test e-id: the card signs a random challenge with its authentication key, and on a card with two PINs with its
   * signature key too (after the signature PIN); each signature must verify with its certificate.
   */
  async #testEid(card: CardPort): Promise<void> {
    await this.#verifiedPin(card);
    const now = new Date(this.#deps.clock.now());
    const trust = this.#trust();
    const authentication = this.#testCandidate('authentication', now);
    if (authentication === undefined)
      throw new UpgradeError({code: 'no-login-credential'}, 'no authentication certificate on the card');
    const signature = card.pinCount === 2 ? this.#testCandidate('signature', now) : undefined;
    if (signature !== undefined) await this.#verifiedPin(card, 'signature');
    this.#emit({type: 'operationStarted', operation: 'test-eid', activity: 'testing-signature'});
    const tested = async ([slot, facts]: [number, CertificateFacts]) => {
      const isProven = await card.exclusive(() =>
        proveKey(card, slot, facts.publicKey, this.#pinSource(card), this.#deps.random.bytes(32)),
      );
      if (!isProven)
        throw new UpgradeError(
          {code: 'card-error'},
          `the key in ${slotName(slot)} does not match its certificate`,
        );
      const isTrusted = isIssuedUnder(facts, trust, now) && facts.notBefore <= now && facts.notAfter > now;
      this.#log('eIdTested', {slot: slotName(slot), serial: facts.serial, isTrusted});
      return {certificate: toCertificateView(facts, slot, isTrusted), isTrusted};
    };
    const authenticationResult = await tested(authentication);
    const signatureResult = signature === undefined ? undefined : await tested(signature);
    this.#clearPins();
    this.#emit({
      type: 'operationCompleted',
      result: {
        type: 'e-id-tested',
        ...authenticationResult,
        ...(signatureResult === undefined ? {} : {signature: signatureResult}),
      },
    });
  }

  /** The certificate of `purpose` to test: new ones first, then 9A (PIV's authentication slot) before others. */
  #testCandidate(purpose: PinRole, now: Date): [number, CertificateFacts] | undefined {
    const trust = this.#trust();
    const candidates = [...this.#slots].filter(([, facts]) => facts.purpose === purpose);
    candidates.sort(([slotA, a], [slotB, b]) => {
      const order = (slot: number, facts: CertificateFacts) =>
        (isIssuedUnder(facts, trust, now) ? 0 : 2) + (slot === 0x9a ? 0 : 1);
      return order(slotA, a) - order(slotB, b);
    });
    return candidates[0];
  }

  /**
   * On a card with two PINs, asks which PIN to change or unblock (state `choosing-pin`, answered by
   * choosePin()); undefined on a card with one PIN (PIV: no question).
   */
  async #chosenPin(card: CardPort, operation: 'change-pin' | 'unblock-pin'): Promise<PinRole | undefined> {
    if (card.pinCount !== 2) return undefined;
    const choices: PinChoice[] = await card.exclusive(async () => [
      {role: 'authentication', triesLeft: await card.pinTriesLeft('authentication')},
      {role: 'signature', triesLeft: await card.pinTriesLeft('signature')},
    ]);
    this.#emit({type: 'pinChoiceOffered', operation, choices});
    return this.#ask<PinRole>({kind: 'pin-choice'});
  }

  async #changePin(card: CardPort): Promise<void> {
    const role = await this.#chosenPin(card, 'change-pin');
    const roleArgument = role === undefined ? ([] as const) : ([role] as const);
    await this.#replacePin(card, {
      operation: 'change-pin',
      code: 'current-pin',
      role,
      triesLeft: await card.exclusive(() => card.pinTriesLeft(...roleArgument)),
      wrongCode: 'invalid-pin',
      replace: (current, next) => card.changePin(current, next, ...roleArgument),
    });
  }

  async #unblockPin(card: CardPort): Promise<void> {
    const role = await this.#chosenPin(card, 'unblock-pin');
    const roleArgument = role === undefined ? ([] as const) : ([role] as const);
    const key = this.#state.card?.cardNumber ?? card.readerName;
    const said = card.pukTriesLeft ? await card.exclusive(() => card.pukTriesLeft!()) : undefined;
    await this.#replacePin(card, {
      operation: 'unblock-pin',
      code: 'puk',
      role,
      triesLeft: said ?? this.#pukTriesLeft.get(key),
      wrongCode: 'invalid-puk',
      // One PUK for both PINs of a two-PIN card: it sets the chosen one.
      replace: (puk, next) => card.unblockPin(puk, next, ...roleArgument),
      onTriesLeft: (triesLeft) => {
        // A right PUK gives the PUK all its tries again: what was said before no longer holds.
        if (triesLeft === undefined) this.#pukTriesLeft.delete(key);
        else this.#pukTriesLeft.set(key, triesLeft);
      },
    });
  }

  /**
   * Asks for the code that authorises a new PIN (the current PIN, or the PUK) and the new PIN, and sets it; a wrong
   * or malformed code is asked for again with the tries left. Both buffers are zeroed after each attempt.
   */
  async #replacePin(
    card: CardPort,
    step: {
      readonly operation: 'change-pin' | 'unblock-pin';
      readonly code: 'current-pin' | 'puk';
      /** The PIN chosen on a card with two PINs; the prompts name it. Undefined on a card with one. */
      readonly role: PinRole | undefined;
      readonly triesLeft: number | undefined;
      readonly wrongCode: 'invalid-pin' | 'invalid-puk';
      readonly replace: (code: Uint8Array, next: Uint8Array) => Promise<void>;
      /** Told the tries the card says are left after a wrong code (0: blocked), and undefined after success. */
      readonly onTriesLeft?: (triesLeft: number | undefined) => void;
    },
  ): Promise<void> {
    let triesLeft = step.triesLeft;
    let rejection: 'wrong-code' | 'bad-format' | undefined;
    for (;;) {
      // No tries left: blocked (for the PUK as the card said it earlier in this run, or says it now).
      if (triesLeft === 0 && step.code === 'current-pin')
        throw new UpgradeError(
          step.role === undefined ? {code: 'pin-blocked'} : {code: 'pin-blocked', role: step.role},
          'the PIN is blocked',
        );
      if (triesLeft === 0) throw new UpgradeError({code: 'puk-blocked'}, 'the PUK is blocked');
      const code = await this.#askPin(step.code, triesLeft, rejection, step.role);
      let next: Uint8Array | undefined;
      try {
        next = await this.#askPin('new-pin', undefined, undefined, step.role);
        this.#emit({type: 'operationStarted', operation: step.operation, activity: 'reading-card'});
        await card.exclusive(() => step.replace(code, next!));
        step.onTriesLeft?.(undefined);
        this.#log(step.operation === 'change-pin' ? 'pinChanged' : 'pinUnblocked', {role: step.role});
        if (step.role !== undefined)
          this.#emit({type: 'pinTriesChanged', triesLeft: DEFAULT_PIN_TRIES, role: step.role});
        this.#emit({
          type: 'operationCompleted',
          result: {
            type: step.operation === 'change-pin' ? 'pin-changed' : 'pin-unblocked',
            ...(step.role === undefined ? {} : {role: step.role}),
          },
        });
        return;
      } catch (error) {
        const engineError = engineErrorOf(error);
        if (engineError.code === step.wrongCode) {
          triesLeft = engineError.triesLeft;
          step.onTriesLeft?.(triesLeft);
          if (step.role !== undefined && step.code === 'current-pin')
            this.#emit({type: 'pinTriesChanged', triesLeft, role: step.role});
          rejection = 'wrong-code';
        } else if (engineError.code === 'pin-format') {
          rejection = 'bad-format';
        } else {
          if (engineError.code === 'puk-blocked') step.onTriesLeft?.(0);
          throw error;
        }
      } finally {
        code.fill(0);
        next?.fill(0);
      }
    }
  }

  async #refetch(card: CardPort): Promise<void> {
    const session = await this.#logIn('refetch');
    this.#emit({type: 'operationStarted', operation: 'refetch', activity: 'asking-service'});
    const entries = await session.refetch();
    const plan = await session.plan();
    this.#emit({type: 'activityChanged', activity: 'authenticating-card'});
    await card.authenticateManagementKey?.(session.managementKeyRelay());
    await this.#verifiedPin(card);
    const installed = [];
    const now = new Date(this.#deps.clock.now());
    for (const entry of entries) {
      const item = plan.items.find(
        (candidate) => candidate.slot === entry.slot && candidate.id === entry.certificate.itemId,
      );
      if (item === undefined) continue;
      const facts = describeCertificate(entry.certificate.certificate);
      this.#emit({type: 'activityChanged', activity: 'checking-certificate'});
      // The slot's key must be the certificate's: read it, or prove it with a signature.
      const slotKey = await card.exclusive(() => card.readPublicKey(entry.slot));
      const holdsKey =
        slotKey !== undefined
          ? keysEqual(slotKey, facts.publicKey)
          : await card.exclusive(() =>
              proveKey(card, entry.slot, facts.publicKey, this.#pinSource(card), this.#deps.random.bytes(32)),
            );
      if (!holdsKey) continue;
      const checked = checkIssuedCertificate(entry, {
        publicKey: facts.publicKey,
        item,
        identity: session.identity,
        trust: this.#trust(),
        now,
      });
      this.#emit({type: 'activityChanged', activity: 'writing-certificate'});
      await card.exclusive(() => card.writeCertificate(entry.slot, checked.der));
      installed.push(toCertificateView(checked, entry.slot, true));
      this.#log('certificateRefetched', {slot: slotName(entry.slot), serial: checked.serial});
    }
    this.#clearPins();
    await this.#readCard(card, 'cardRefreshed');
    this.#emit({
      type: 'operationCompleted',
      result: {type: 'certificates-refetched', certificates: installed},
    });
  }

  async #revoke(): Promise<void> {
    const session = await this.#logIn('revoke');
    this.#emit({type: 'operationStarted', operation: 'revoke', activity: 'asking-service'});
    const certificates = (await session.listCertificates()).filter((c) => c.status === 'valid');
    this.#emit({
      type: 'certificatesOffered',
      certificates: certificates.map(serviceCertificateView),
    });
    const serial = await this.#ask<string>({kind: 'certificate'});
    if (!certificates.some((c) => c.serial === serial)) return this.#notNow();
    this.#emit({type: 'activityChanged', activity: 'asking-service'});
    await session.revoke(serial);
    this.#log('certificateRevoked', {serial});
    // The service ends the session whose login certificate this was.
    if (serial === this.#sessionCertificateSerial) this.#session = undefined;
    this.#emit({type: 'operationCompleted', result: {type: 'certificate-revoked', serial}});
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
    const next = reduce(this.#state, event);
    if (event.type !== 'progressed') this.#log(event.type, logFieldsOf(event));
    if (next === this.#state) return;
    this.#state = next;
    for (const listener of this.#listeners) listener();
  }

  #log(event: string, fields: Record<string, unknown>): void {
    this.#deps.log.write({event, ...fields});
  }
}

function serviceCertificateView(certificate: ServiceCertificate): ServiceCertificateView {
  const {serial, origin, identity, purpose, status, notAfter, cardNumber} = certificate;
  return {serial, origin, identityKind: identity, purpose, status, notAfter, cardNumber};
}

/** What of an event goes to the support log: identifiers and steps, never the terms text. */
function logFieldsOf(event: EngineEvent): Record<string, unknown> {
  switch (event.type) {
    case 'termsPresented':
      return {version: event.terms.version, items: event.plan.map((item) => item.slotName)};
    case 'certificateInstalled':
      return {slot: event.certificate.slotName, serial: event.certificate.serial};
    case 'completed':
      return {serials: event.installed.map((certificate) => certificate.serial)};
    case 'cardRead':
      return {cardNumber: event.card.cardNumber, pinTriesLeft: event.card.pinTriesLeft};
    case 'pinRequested':
      return {pinReason: event.request.reason, pinTriesLeft: event.request.triesLeft};
    case 'failed':
      return {error: event.error};
    default: {
      const {type: _type, ...rest} = event;
      return rest;
    }
  }
}
