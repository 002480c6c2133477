import {useScreenInput} from './screen-input.js';
import {choiceListReducer, initialChoiceListState} from './use-choice-list-state.js';
import {useLiveReducer} from './use-live-reducer.js';

export interface UseChoiceListProps {
  readonly count: number;
  readonly isDisabled?: boolean;
  /** Called with the index chosen by Enter or by its number key. */
  readonly onSubmit: (index: number) => void;
}

/** Keys to choice-list actions: arrows move, Enter chooses, 1-9 choose that entry at once. */
export function useChoiceList({count, isDisabled = false, onSubmit}: UseChoiceListProps): number {
  const {state, current, dispatch} = useLiveReducer(choiceListReducer, initialChoiceListState);
  const focused = (focusedIndex: number) => Math.min(focusedIndex, Math.max(0, count - 1));
  useScreenInput(
    (input, key) => {
      if (key.downArrow || key.tab) dispatch({type: 'focus-next', count});
      else if (key.upArrow) dispatch({type: 'focus-previous', count});
      else if (key.return && count > 0) onSubmit(focused(current().focusedIndex));
      else if (/^[1-9]$/.test(input) && Number(input) <= count) {
        dispatch({type: 'focus', index: Number(input) - 1, count});
        onSubmit(Number(input) - 1);
      }
    },
    {isActive: !isDisabled},
  );
  return focused(state.focusedIndex);
}
