import {vi} from 'vitest';
import type {UpgradeEngine} from '../../../source/upgrade/engine.js';
import type {EngineState} from '../../../source/upgrade/state.js';

/** Waits until the engine's state satisfies `predicate`. */
export async function stateWhere<T extends EngineState>(
  engine: UpgradeEngine,
  predicate: (state: EngineState) => state is T,
): Promise<T> {
  let found: T | undefined;
  await vi.waitFor(
    () => {
      const state = engine.getState();
      if (!predicate(state)) throw new Error(`still ${state.type}`);
      found = state;
    },
    {timeout: 10_000, interval: 5},
  );
  return found!;
}

/** A predicate for stateWhere: the state of this type. */
export const isType =
  <K extends EngineState['type']>(type: K) =>
  (state: EngineState): state is Extract<EngineState, {type: K}> =>
    state.type === type;
