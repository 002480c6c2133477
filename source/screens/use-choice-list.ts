import {useInput} from 'ink';
import {useReducer} from 'react';
import {choiceListReducer, initialChoiceListState} from './use-choice-list-state.js';

export interface UseChoiceListProps {
  readonly count: number;
  readonly isDisabled?: boolean;
  /** Called with the index chosen by Enter or by its number key. */
  readonly onSubmit: (index: number) => void;
}

/** Keys to choice-list actions: arrows move, Enter chooses, 1-9 choose that entry at once. */
export function useChoiceList({count, isDisabled = false, onSubmit}: UseChoiceListProps): number {
  const [state, dispatch] = useReducer(choiceListReducer, initialChoiceListState);
  const focusedIndex = Math.min(state.focusedIndex, Math.max(0, count - 1));
  useInput(
    (input, key) => {
      if (key.downArrow || key.tab) dispatch({type: 'focus-next', count});
      else if (key.upArrow) dispatch({type: 'focus-previous', count});
      else if (key.return && count > 0) onSubmit(focusedIndex);
      else if (/^[1-9]$/.test(input) && Number(input) <= count) {
        dispatch({type: 'focus', index: Number(input) - 1, count});
        onSubmit(Number(input) - 1);
      }
    },
    {isActive: !isDisabled},
  );
  return focusedIndex;
}
