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
 * with the readers there are), or the readers were looked at and none holds a card (the first state comes before
 * the engine has listed them; the plain lines of step 2 showed the instruction already). Undefined: wait on.
 */
function scriptAnswerWhileWaiting(
  t: Catalogue,
  state: Extract<EngineState, {type: 'waiting-for-card'}>,
  previous: EngineState | undefined,
): {line: string; isShownAlready: boolean; code: ExitCode} | undefined {
  if (state.missingReader !== undefined) {
    const readers = state.readers.map((reader) => reader.name).join(', ');
    return {
      line: t.insertCard.readerMissing(state.missingReader, readers),
      isShownAlready: false,
      code: ExitCode.Reader,
    };
  }
  if (previous?.type === 'waiting-for-card' && !state.readers.some((reader) => reader.hasCard))
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

/**
 * Drives the engine with lines of text: prints what plainLines says for every change of state and answers the
 * engine's questions from the input (numbers for choices, yes/no, codes). Resolves to the exit code.
 */
export async function runPlainSession(options: PlainSessionOptions): Promise<ExitCode> {
  const {engine, catalogue: t, input, task} = options;
  const isJson = task.kind === 'operation' && task.isJson === true;
  /** A person at a terminal is asked r/q after a failure; a script gets the exit code. */
  const asksRetry = input.isTerminal && task.kind === 'interactive';
  const print = (lines: readonly string[]) => {
    if (!isJson) for (const line of lines) options.write(line);
  };
  let changed: (() => void) | undefined;
  const unsubscribe = engine.subscribe(() => changed?.());
  const nextChange = () => new Promise<void>((resolve) => (changed = resolve));
  const yes = (answer: string | undefined) => /^(j|ja|y|yes)$/i.test(answer?.trim() ?? '');

  /** Asks `prompt` until the engine moves on by itself; undefined when it did or input ended. */
  const ask = async (prompt: string): Promise<string | undefined> => {
    const moved = new AbortController();
    const waiting = nextChange().then(() => moved.abort());
    const answer = await input.line(prompt, moved.signal);
    moved.abort();
    void waiting;
    return answer;
  };

  const choose = async (count: number): Promise<number | undefined> => {
    for (;;) {
      const answer = await ask(`${t.keys.choose.label} (1-${count}, q): `);
      if (answer === undefined || answer.trim() === 'q') return undefined;
      const number = Number(answer.trim());
      if (Number.isInteger(number) && number >= 1 && number <= count) return number - 1;
    }
  };

  const enterCode = async (request: PinRequest): Promise<void> => {
    const prompt = t.cli.pinPrompt(pinPrompt(t, request));
    const code = await input.code(prompt);
    if (request.reason === 'new-pin' && input.isTerminal) {
      const repeat = await input.code(t.cli.pinPrompt(t.pin.repeatNewPin));
      const isSame = code.length === repeat.length && code.every((byte, index) => byte === repeat[index]);
      repeat.fill(0);
      if (!isSame) {
        code.fill(0);
        print([t.pin.newPinsDiffer]);
        return enterCode(request);
      }
    }
    engine.submitPin(code);
  };

  /** Answers the state's question, if it asks one; returns the exit code when the session is over. */
  const act = async (
    state: EngineState,
    previous: EngineState | undefined,
  ): Promise<ExitCode | undefined> => {
    switch (state.type) {
      case 'idle':
        engine.start();
        return undefined;
      case 'waiting-for-card':
        if (state.isChoosingReader) {
          const withCard = state.readers.filter((reader) => reader.hasCard);
          print(choiceLines(withCard.map((reader) => reader.name)));
          const index = await choose(withCard.length);
          if (index === undefined) return ExitCode.Ok;
          engine.chooseReader(withCard[index]!.name);
        } else if (task.kind === 'operation' && !input.isTerminal) {
          const answer = scriptAnswerWhileWaiting(t, state, previous);
          if (answer !== undefined) {
            if (isJson) process.stderr.write(`${answer.line}\n`);
            else if (!answer.isShownAlready) print([answer.line]);
            return answer.code;
          }
        }
        return undefined;
      case 'card-ready':
        if (task.kind === 'operation') engine.chooseOperation(task.operation);
        else if (state.card.pinTriesLeft === 0) engine.chooseOperation('unblock-pin');
        else engine.logIn();
        return undefined;
      case 'awaiting-pin':
        // The same question still (only the card overview behind it changed): it is being answered already.
        if (previous?.type === 'awaiting-pin' && previous.request === state.request) return undefined;
        if (state.request.isLastTry && !state.request.isLastTryConfirmed) {
          if (!input.isTerminal || !yes(await ask(`${t.pin.lastTry} (j/n): `))) {
            engine.cancel();
            return ExitCode.Pin;
          }
          engine.confirmLastTry();
          return undefined;
        }
        try {
          await enterCode(state.request);
        } catch (error) {
          if (!(error instanceof CliError)) throw error;
          engine.cancel();
          return ExitCode.Pin;
        }
        return undefined;
      case 'menu':
      case 'operation-result':
      case 'done': {
        if (task.kind === 'operation') {
          if (state.type !== 'operation-result') return undefined;
          if (isJson && state.result.type === 'status') options.write(statusJson(state.result.card));
          return resultExitCode(state);
        }
        if (state.type === 'done') return ExitCode.Ok;
        if (state.type === 'operation-result') print([t.menu.heading, ...choiceLines(menuLabels(t))]);
        const index = await choose(MENU_OPERATIONS.length);
        if (index === undefined) return ExitCode.Ok;
        engine.chooseOperation(MENU_OPERATIONS[index]!);
        return undefined;
      }
      case 'awaiting-terms': {
        const answer = await ask(`${t.terms.accept}, ${t.terms.startDownload}? (j/n): `);
        if (yes(answer)) engine.acceptTerms();
        else engine.cancel();
        return undefined;
      }
      case 'choosing-pin': {
        const index = await choose(state.choices.length);
        if (index === undefined) engine.cancel();
        else engine.choosePin(state.choices[index]!.role);
        return undefined;
      }
      case 'choosing-certificate': {
        const index = await choose(state.certificates.length);
        if (index === undefined) engine.cancel();
        else engine.chooseCertificate(state.certificates[index]!.serial);
        return undefined;
      }
      case 'failed':
        if (isJson) {
          process.stderr.write(
            `${plainLines(t, undefined, state, options.now(), {onFailure: 'runAgain'}).slice(1).join('\n')}\n`,
          );
        }
        if (state.canRetry && asksRetry) {
          const answer = await ask(`${t.keys.retry.key}: ${t.keys.retry.label}, q: ${t.keys.quit.label}: `);
          if (answer === undefined) return undefined;
          if (answer.trim() === 'q') return exitCodeFor(state.error.code);
          engine.retry();
          return undefined;
        }
        return exitCodeFor(state.error.code);
      case 'reading-card':
      case 'logging-in':
      case 'working':
      case 'upgrading':
        return undefined;
    }
  };

  try {
    let previous: EngineState | undefined;
    for (;;) {
      const state = engine.getState();
      if (state === previous) {
        await nextChange();
        continue;
      }
      print(plainLines(t, previous, state, options.now(), {onFailure: asksRetry ? 'retry' : 'runAgain'}));
      const code = await act(state, previous);
      previous = state;
      if (code !== undefined) return code;
    }
  } finally {
    unsubscribe();
  }
}
