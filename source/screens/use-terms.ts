import {useScreenInput} from './screen-input.js';
import {initialTermsState, termsReducer, type TermsState} from './use-terms-state.js';
import {useLiveReducer} from './use-live-reducer.js';

export interface UseTermsProps {
  readonly total: number;
  readonly visible: number;
  readonly onAccept: () => void;
  readonly onCancel: () => void;
}

/**
 * Keys to terms actions: arrows and PgUp/PgDn scroll (Home/End jump), Space ticks "I accept", Enter is START
 * DOWNLOAD and works only once ticked, Esc goes back.
 */
export function useTerms({total, visible, onAccept, onCancel}: UseTermsProps): TermsState {
  const {state, current, dispatch} = useLiveReducer(termsReducer, initialTermsState);
  useScreenInput((input, key) => {
    const page = Math.max(1, visible - 1);
    if (key.downArrow) dispatch({type: 'scrolled', by: 1, total, visible});
    else if (key.upArrow) dispatch({type: 'scrolled', by: -1, total, visible});
    else if (key.pageDown) dispatch({type: 'scrolled', by: page, total, visible});
    else if (key.pageUp) dispatch({type: 'scrolled', by: -page, total, visible});
    else if (key.home) dispatch({type: 'scrolled-to', end: 'start', total, visible});
    else if (key.end) dispatch({type: 'scrolled-to', end: 'end', total, visible});
    else if (input === ' ') dispatch({type: 'toggled'});
    else if (key.escape) onCancel();
    else if (key.return) {
      if (current().isAccepted) onAccept();
      else dispatch({type: 'start-refused'});
    }
  });
  return state;
}
