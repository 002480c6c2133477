import {useCallback, useRef, useState} from 'react';

/**
 * useReducer whose latest state is readable at once through `current()`. Ink calls a key handler from the last
 * committed render, so two keys in one burst (typing fast, pasting, key repeat) would otherwise both see the
 * state from before the first.
 */
export function useLiveReducer<State, Action>(
  reducer: (state: State, action: Action) => State,
  initial: State,
): {state: State; current: () => State; dispatch: (action: Action) => State} {
  const latest = useRef(initial);
  const [state, setState] = useState(initial);
  const dispatch = useCallback(
    (action: Action) => {
      const next = reducer(latest.current, action);
      latest.current = next;
      setState(next);
      return next;
    },
    [reducer],
  );
  const current = useCallback(() => latest.current, []);
  return {state, current, dispatch};
}
