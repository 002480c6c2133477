import type {UpgradeEngine} from '../../../source/upgrade/engine.js';
import type {EngineState, Operation} from '../../../source/upgrade/state.js';

/** The states an autopilot run ends in. */
export type FinalState = Extract<EngineState, {type: 'done' | 'failed' | 'operation-result'}>;

/**
 * Drives an engine as a person would: starts it, chooses `operation` once the card is read, types the PIN (and
 * confirms a last try), accepts the terms; resolves with the first done, failed or operation-result state.
 * `onState` sees every state (to inject faults at chosen points).
 */
export function autopilot(
  engine: UpgradeEngine,
  options: {
    readonly pin: string;
    readonly operation: Operation;
    readonly onState?: (state: EngineState) => void;
    readonly answerPin?: (state: Extract<EngineState, {type: 'awaiting-pin'}>) => string;
  },
): Promise<FinalState> {
  return new Promise((resolve) => {
    let last: EngineState | undefined;
    let hasChosen = false;
    const act = () => {
      const state = engine.getState();
      if (state === last) return;
      last = state;
      options.onState?.(state);
      switch (state.type) {
        case 'card-ready':
        case 'menu':
          if (!hasChosen) {
            hasChosen = true;
            engine.chooseOperation(options.operation);
          }
          return;
        case 'awaiting-pin':
          if (state.request.isLastTry && !state.request.isLastTryConfirmed) engine.confirmLastTry();
          else engine.submitPin(new TextEncoder().encode(options.answerPin?.(state) ?? options.pin));
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
