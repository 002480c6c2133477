import type {EngineState} from '../upgrade/state.js';
import type {CardStatus, KeyName} from './i18n/catalogue.js';

/** The screens, one per file. */
export type ScreenName =
  | 'welcome'
  | 'insert-card'
  | 'card-overview'
  | 'pin-entry'
  | 'working'
  | 'menu'
  | 'terms'
  | 'progress'
  | 'certificate-choice'
  | 'pin-choice'
  | 'operation-result'
  | 'done'
  | 'error';

/** Which screen shows a state, with the keys the footer names and the card's state for the header. */
export interface ScreenChoice {
  readonly screen: ScreenName;
  readonly keys: readonly KeyName[];
  readonly cardStatus: CardStatus;
}

/**
 * The screen for an engine state. Pure. `isResultDismissed`: the user left a result or the done screen for
 * the menu (the engine accepts the next operation from there).
 */
export function screenForState(state: EngineState, isResultDismissed = false): ScreenChoice {
  const loggedIn: CardStatus = state.identity === undefined ? 'ready' : 'logged-in';
  switch (state.type) {
    case 'idle':
      return {screen: 'welcome', keys: ['continue', 'quit'], cardStatus: 'waiting'};
    case 'waiting-for-card':
      return {
        screen: 'insert-card',
        keys: state.isChoosingReader ? ['move', 'choose', 'quit'] : ['quit'],
        cardStatus: state.isListed && state.readers.length === 0 ? 'no-reader' : 'waiting',
      };
    case 'reading-card':
      return {screen: 'insert-card', keys: ['quit'], cardStatus: 'reading'};
    case 'card-ready':
      return {
        screen: 'card-overview',
        keys: [state.card.pinTriesLeft === 0 ? 'unblock' : 'log-in', 'quit'],
        cardStatus: 'ready',
      };
    case 'awaiting-pin':
      return {
        screen: 'pin-entry',
        keys:
          state.request.isLastTry && !state.request.isLastTryConfirmed
            ? ['confirm-last-try', 'back']
            : ['continue', 'erase', 'back'],
        cardStatus: loggedIn,
      };
    case 'logging-in':
      return {screen: 'working', keys: [], cardStatus: 'ready'};
    case 'working':
      return {screen: 'working', keys: [], cardStatus: 'busy'};
    case 'menu':
      return {screen: 'menu', keys: ['move', 'choose', 'quit'], cardStatus: 'logged-in'};
    case 'awaiting-terms':
      return {screen: 'terms', keys: ['scroll', 'tick', 'start-download', 'back'], cardStatus: 'logged-in'};
    case 'upgrading':
      return {screen: 'progress', keys: ['cancel-upgrade'], cardStatus: 'busy'};
    case 'choosing-certificate':
      return {screen: 'certificate-choice', keys: ['move', 'choose', 'back'], cardStatus: loggedIn};
    case 'choosing-pin':
      return {screen: 'pin-choice', keys: ['move', 'choose', 'back'], cardStatus: loggedIn};
    case 'operation-result':
      return isResultDismissed
        ? {screen: 'menu', keys: ['move', 'choose', 'quit'], cardStatus: loggedIn}
        : {screen: 'operation-result', keys: ['menu', 'quit'], cardStatus: loggedIn};
    case 'done':
      return isResultDismissed
        ? {screen: 'menu', keys: ['move', 'choose', 'quit'], cardStatus: loggedIn}
        : {screen: 'done', keys: ['menu', 'quit'], cardStatus: 'done'};
    case 'failed':
      return {screen: 'error', keys: state.canRetry ? ['retry', 'quit'] : ['quit'], cardStatus: 'failed'};
  }
}
