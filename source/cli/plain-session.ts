import type {Catalogue} from '../screens/i18n/catalogue.js';
import {MENU_OPERATIONS} from '../screens/menu.js';
import {choiceLines, menuLabels, plainLines} from '../screens/plain-lines.js';
import {pinPrompt} from '../screens/pin-texts.js';
import type {EngineControl} from '../upgrade/engine-control.js';
import {
  cardVerdict,
  type CardOverview,
  type CardVerdict,
  type EngineState,
  type Operation,
  type PinRequest,
} from '../upgrade/state.js';
import {CliError} from './errors.js';
import {exitCodeFor, ExitCode} from './exit-codes.js';
import type {TerminalInput} from './terminal-input.js';

/** What a plain session does: the whole program as lines, or one operation for IT (status, test, pin). */
export type PlainTask =
  | {readonly kind: 'interactive'}
  | {readonly kind: 'operation'; readonly operation: Operation; readonly isJson?: boolean};

export interface PlainSessionOptions {
  readonly engine: EngineControl;
  readonly catalogue: Catalogue;
  readonly input: TerminalInput;
  /** Writes one line of output (stdout). */
  readonly write: (line: string) => void;
  readonly now: () => Date;
  readonly task: PlainTask;
}

/** The card overview as JSON for `status --json` (dates ISO 8601, no secrets). */
function statusJson(card: CardOverview): string {
  return JSON.stringify(
    {
      reader: card.readerName,
      holder: card.holder ?? null,
      hsaId: card.hsaId ?? null,
      cardNumber: card.cardNumber ?? null,
      isUpgraded: card.isUpgraded,
      pinCount: card.pinCount,
      pinTriesLeft: card.pinTriesLeft,
      ...(card.pinCount === 2 ? {signaturePinTriesLeft: card.signaturePinTriesLeft ?? null} : {}),
      certificates: card.certificates.map((certificate) => ({
        slot: certificate.slotName,
        purpose: certificate.purpose,
        identity: certificate.identityKind,
        subject: certificate.subjectName,
        issuer: certificate.issuerName,
        serial: certificate.serial,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
        isNew: certificate.isNew,
      })),
    },
    null,
    2,
  );
}

/**
 * What a script gets instead of waiting for a card nobody will insert: the reader it asked for is not there (named,
 * with the readers there are), or the readers were listed and none holds a card (the plain lines of step 2 showed
 * the instruction already). Undefined: wait on.
 */
function scriptAnswerWhileWaiting(
  t: Catalogue,
  state: Extract<EngineState, {type: 'waiting-for-card'}>,
): {line: string; isShownAlready: boolean; code: ExitCode} | undefined {
  if (state.missingReader !== undefined) {
    const readers = state.readers.map((reader) => reader.name).join(', ');
    return {
      line: t.insertCard.readerMissing(state.missingReader, readers),
      isShownAlready: false,
      code: ExitCode.Reader,
    };
  }
  if (state.isListed && !state.readers.some((reader) => reader.hasCard))
    return {line: t.insertCard.instruction, isShownAlready: true, code: ExitCode.Card};
  return undefined;
}

/** `status`: 0 upgraded, 10 when the card works but still needs the upgrade, 6 for a card without certificates. */
const STATUS_EXIT_CODES: Readonly<Record<CardVerdict, ExitCode>> = {
  upgraded: ExitCode.Ok,
  'needs-upgrade': ExitCode.NeedsUpgrade,
  'no-certificates': ExitCode.Card,
};

/** The exit code of a finished operation: 10 when the card works but still needs the upgrade. */
function resultExitCode(state: Extract<EngineState, {type: 'operation-result'}>): ExitCode {
  const {result} = state;
  if (result.type === 'status') return STATUS_EXIT_CODES[cardVerdict(result.card)];
  if (result.type === 'e-id-tested')
    return result.isTrusted && (result.signature?.isTrusted ?? true) ? ExitCode.Ok : ExitCode.NeedsUpgrade;
  return ExitCode.Ok;
}

/** A yes to a j/n question. */
function isYes(answer: string | undefined): boolean {
  return /^(j|ja|y|yes)$/i.test(answer?.trim() ?? '');
}

/**
 * One plain session: the engine's states printed as lines and its questions answered from the input. `act`
 * dispatches on the state; each question has its own method.
 */
class PlainSession {
  readonly #options: PlainSessionOptions;
  readonly #engine: EngineControl;
  readonly #t: Catalogue;
  readonly #input: TerminalInput;
  readonly #task: PlainTask;
  readonly #isJson: boolean;
  /** A person at a terminal is asked r/q after a failure; a script gets the exit code. */
  readonly #asksRetry: boolean;
  #changed: (() => void) | undefined;

  constructor(options: PlainSessionOptions) {
    this.#options = options;
    this.#engine = options.engine;
    this.#t = options.catalogue;
    this.#input = options.input;
    this.#task = options.task;
    this.#isJson = options.task.kind === 'operation' && options.task.isJson === true;
    this.#asksRetry = options.input.isTerminal && options.task.kind === 'interactive';
  }

  /** Prints and answers until the session is over; resolves to the exit code. */
  async run(): Promise<ExitCode> {
    const unsubscribe = this.#engine.subscribe(() => this.#changed?.());
    try {
      let previous: EngineState | undefined;
      for (;;) {
        const state = this.#engine.getState();
        if (state === previous) {
          await this.#nextChange();
          continue;
        }
        const onFailure = this.#asksRetry ? 'retry' : 'runAgain';
        this.#print(plainLines(this.#t, previous, state, this.#options.now(), {onFailure}));
        const code = await this.#act(state, previous);
        previous = state;
        if (code !== undefined) return code;
      }
    } finally {
      unsubscribe();
    }
  }

  #print(lines: readonly string[]): void {
    if (!this.#isJson) for (const line of lines) this.#options.write(line);
  }

  #nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.#changed = resolve));
  }

  /**
   * Asks `prompt` until the engine moves on by itself: to any other state, or to one that `isStillAsked` says no
   * longer asks it (the terms stay asked while the card is prepared under them). Undefined when it moved on or
   * input ended.
   */
  async #ask(prompt: string, isStillAsked?: (state: EngineState) => boolean): Promise<string | undefined> {
    const moved = new AbortController();
    const asked = this.#engine.getState();
    const isAsked = isStillAsked ?? ((state: EngineState) => state === asked);
    const waiting = (async () => {
      do await this.#nextChange();
      while (!moved.signal.aborted && isAsked(this.#engine.getState()));
      moved.abort();
    })();
    const answer = await this.#input.line(prompt, moved.signal);
    moved.abort();
    void waiting;
    return answer;
  }

  /** A number from 1 to `count`, as an index; undefined for q, or when the engine moved on or input ended. */
  async #choose(count: number): Promise<number | undefined> {
    for (;;) {
      const answer = await this.#ask(`${this.#t.keys.choose.label} (1-${count}, q): `);
      if (answer === undefined || answer.trim() === 'q') return undefined;
      const number = Number(answer.trim());
      if (Number.isInteger(number) && number >= 1 && number <= count) return number - 1;
    }
  }

  /** Reads the code the request asks for (a new PIN twice at a terminal) and hands it to the engine. */
  async #enterCode(request: PinRequest): Promise<void> {
    const t = this.#t;
    const code = await this.#input.code(t.cli.pinPrompt(pinPrompt(t, request)));
    if (request.reason === 'new-pin' && this.#input.isTerminal) {
      const repeat = await this.#input.code(t.cli.pinPrompt(t.pin.repeatNewPin));
      const isSame = code.length === repeat.length && code.every((byte, index) => byte === repeat[index]);
      repeat.fill(0);
      if (!isSame) {
        code.fill(0);
        this.#print([t.pin.newPinsDiffer]);
        return this.#enterCode(request);
      }
    }
    this.#engine.submitPin(code);
  }

  /** Answers the state's question, if it asks one; returns the exit code when the session is over. */
  async #act(state: EngineState, previous: EngineState | undefined): Promise<ExitCode | undefined> {
    const engine = this.#engine;
    switch (state.type) {
      case 'idle':
        engine.start();
        return undefined;
      case 'waiting-for-card':
        return this.#waitingForCard(state);
      case 'card-ready':
        if (this.#task.kind === 'operation') engine.chooseOperation(this.#task.operation);
        else if (state.card.pinTriesLeft === 0) engine.chooseOperation('unblock-pin');
        else engine.logIn();
        return undefined;
      case 'awaiting-pin':
        return this.#awaitingPin(state, previous);
      case 'menu':
      case 'operation-result':
      case 'done':
        return this.#task.kind === 'operation' ? this.#operationOver(state) : this.#menu(state);
      case 'awaiting-terms': {
        // Asked once: the state changes under the question while the card is prepared.
        if (previous?.type === 'awaiting-terms') return undefined;
        const t = this.#t;
        const answer = await this.#ask(
          `${t.terms.accept}, ${t.terms.startDownload}? (j/n): `,
          (next) => next.type === 'awaiting-terms',
        );
        if (isYes(answer)) engine.acceptTerms();
        else engine.cancel();
        return undefined;
      }
      case 'choosing-pin': {
        const index = await this.#choose(state.choices.length);
        if (index === undefined) engine.cancel();
        else engine.choosePin(state.choices[index]!.role);
        return undefined;
      }
      case 'choosing-certificate': {
        const index = await this.#choose(state.certificates.length);
        if (index === undefined) engine.cancel();
        else engine.chooseCertificate(state.certificates[index]!.serial);
        return undefined;
      }
      case 'failed':
        return this.#failed(state);
      case 'reading-card':
      case 'logging-in':
      case 'working':
      case 'upgrading':
        return undefined;
    }
  }

  /** Step 2: the reader to use when several hold a card; a script's answer instead of waiting forever. */
  async #waitingForCard(
    state: Extract<EngineState, {type: 'waiting-for-card'}>,
  ): Promise<ExitCode | undefined> {
    if (state.isChoosingReader) {
      const withCard = state.readers.filter((reader) => reader.hasCard);
      this.#print(choiceLines(withCard.map((reader) => reader.name)));
      const index = await this.#choose(withCard.length);
      if (index === undefined) return ExitCode.Ok;
      this.#engine.chooseReader(withCard[index]!.name);
    } else if (this.#task.kind === 'operation' && !this.#input.isTerminal) {
      const answer = scriptAnswerWhileWaiting(this.#t, state);
      if (answer !== undefined) {
        if (this.#isJson) process.stderr.write(`${answer.line}\n`);
        else if (!answer.isShownAlready) this.#print([answer.line]);
        return answer.code;
      }
    }
    return undefined;
  }

  /** A PIN question: a last try confirmed first (only at a terminal), then the code. */
  async #awaitingPin(
    state: Extract<EngineState, {type: 'awaiting-pin'}>,
    previous: EngineState | undefined,
  ): Promise<ExitCode | undefined> {
    const engine = this.#engine;
    // The same question still (only the card overview behind it changed): it is being answered already.
    if (previous?.type === 'awaiting-pin' && previous.request === state.request) return undefined;
    if (state.request.isLastTry && !state.request.isLastTryConfirmed) {
      if (!this.#input.isTerminal || !isYes(await this.#ask(`${this.#t.pin.lastTry} (j/n): `))) {
        engine.cancel();
        return ExitCode.Pin;
      }
      engine.confirmLastTry();
      return undefined;
    }
    try {
      await this.#enterCode(state.request);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      engine.cancel();
      return ExitCode.Pin;
    }
    return undefined;
  }

  /** An IT command's end: its result (as JSON for status --json) and exit code. */
  #operationOver(
    state: Extract<EngineState, {type: 'menu' | 'operation-result' | 'done'}>,
  ): ExitCode | undefined {
    if (state.type !== 'operation-result') return undefined;
    if (this.#isJson && state.result.type === 'status') this.#options.write(statusJson(state.result.card));
    return resultExitCode(state);
  }

  /** The interactive session's menu (again after a result); done ends it. */
  async #menu(
    state: Extract<EngineState, {type: 'menu' | 'operation-result' | 'done'}>,
  ): Promise<ExitCode | undefined> {
    const t = this.#t;
    if (state.type === 'done') return ExitCode.Ok;
    if (state.type === 'operation-result') this.#print([t.menu.heading, ...choiceLines(menuLabels(t))]);
    const index = await this.#choose(MENU_OPERATIONS.length);
    if (index === undefined) return ExitCode.Ok;
    this.#engine.chooseOperation(MENU_OPERATIONS[index]!);
    return undefined;
  }

  /** A failure: r/q for a person at a terminal when it can be retried, else its exit code. */
  async #failed(state: Extract<EngineState, {type: 'failed'}>): Promise<ExitCode | undefined> {
    const t = this.#t;
    if (this.#isJson) {
      const lines = plainLines(t, undefined, state, this.#options.now(), {onFailure: 'runAgain'});
      process.stderr.write(`${lines.slice(1).join('\n')}\n`);
    }
    if (state.canRetry && this.#asksRetry) {
      const answer = await this.#ask(`${t.keys.retry.key}: ${t.keys.retry.label}, q: ${t.keys.quit.label}: `);
      if (answer === undefined) return undefined;
      if (answer.trim() === 'q') return exitCodeFor(state.error.code);
      this.#engine.retry();
      return undefined;
    }
    return exitCodeFor(state.error.code);
  }
}

/**
 * Drives the engine with lines of text: prints what plainLines says for every change of state and answers the
 * engine's questions from the input (numbers for choices, yes/no, codes). Resolves to the exit code.
 */
export function runPlainSession(options: PlainSessionOptions): Promise<ExitCode> {
  return new PlainSession(options).run();
}
