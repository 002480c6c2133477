import type {UpgradeEngine} from '../../../source/upgrade/engine.js';
import type {PinRole} from '../../../source/upgrade/ports.js';
import type {EngineState, Operation} from '../../../source/upgrade/state.js';

/** The states an autopilot run ends in. */
export type FinalState = Extract<EngineState, {type: 'done' | 'failed' | 'operation-result'}>;

/**
 * Drives an engine as a person would: starts it, chooses `operation` once the card is read, types the PIN (and
 * confirms a last try), accepts the terms; resolves with the first done, failed or operation-result state.
 * On a card with two PINs it types `signaturePin` (default `pin`) when the signature PIN is asked, and chooses
 * `pinChoice` when asked which PIN to change or unblock. `onState` sees every state (to inject faults at chosen
 * points); `waitAt` holds the answer to a state until something has happened.
 */
export function autopilot(
  engine: UpgradeEngine,
  options: {
    readonly pin: string;
    readonly signaturePin?: string;
    readonly pinChoice?: PinRole;
    readonly operation: Operation;
    readonly onState?: (state: EngineState) => void;
    /** A promise for a state: the autopilot acts on it (as a person would, later) once the promise settles. */
    readonly waitAt?: (state: EngineState) => Promise<void> | undefined;
    readonly answerPin?: (state: Extract<EngineState, {type: 'awaiting-pin'}>) => string;
  },
): Promise<FinalState> {
  const pinFor = (state: Extract<EngineState, {type: 'awaiting-pin'}>) =>
    state.request.reason === 'signature' ? (options.signaturePin ?? options.pin) : options.pin;
  return new Promise((resolve) => {
    let last: EngineState | undefined;
    let hasChosen = false;
    // A request is answered once: the state may change while the engine checks the PIN (tries, warnings).
    let answered: unknown;
    /** A state held by waitAt: nothing is answered until its promise settles, whatever states come meanwhile. */
    let isHolding = false;
    const act = () => {
      const state = engine.getState();
      if (state === last) return;
      last = state;
      options.onState?.(state);
      // An end is an end, held or not.
      if (isHolding && state.type !== 'done' && state.type !== 'failed' && state.type !== 'operation-result')
        return;
      const waiting = options.waitAt?.(state);
      if (waiting !== undefined) {
        isHolding = true;
        void waiting.then(() => {
          isHolding = false;
          last = undefined;
          act();
        });
        return;
      }
      switch (state.type) {
        case 'card-ready':
        case 'menu':
          if (!hasChosen) {
            hasChosen = true;
            engine.chooseOperation(options.operation);
          }
          return;
        case 'awaiting-pin':
          if (state.request === answered) return;
          if (state.request.isLastTry && !state.request.isLastTryConfirmed) return engine.confirmLastTry();
          answered = state.request;
          engine.submitPin(new TextEncoder().encode(options.answerPin?.(state) ?? pinFor(state)));
          return;
        case 'choosing-pin':
          engine.choosePin(options.pinChoice ?? 'authentication');
          return;
        case 'awaiting-terms':
          engine.acceptTerms();
          return;
        case 'done':
        case 'failed':
        case 'operation-result':
          unsubscribe();
          resolve(state);
          return;
        default:
          return;
      }
    };
    const unsubscribe = engine.subscribe(() => queueMicrotask(act));
    if (engine.getState().type === 'idle') engine.start();
    else queueMicrotask(act);
  });
}
