import {describe, expect, it} from 'vitest';
import {screenForState} from '../../source/screens/screen-for-state.js';
import {initialState, reduce, type EngineEvent, type EngineState} from '../../source/upgrade/state.js';
import {oldCard, plan, progress} from './fixtures.js';

function after(...events: EngineEvent[]): EngineState {
  return events.reduce(reduce, initialState);
}

const ready: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: oldCard.readerName},
  {type: 'cardRead', card: oldCard},
];
const loggedIn: EngineEvent[] = [...ready, {type: 'loggedIn', identity: {name: 'Anna', hsaId: 'SE1'}}];

describe('screenForState', () => {
  it.each<[string, EngineState, string, string]>([
    ['idle', initialState, 'welcome', 'waiting'],
    ['readers not listed yet', after({type: 'started'}), 'insert-card', 'waiting'],
    [
      'no reader',
      after({type: 'started'}, {type: 'readersChanged', readers: [], isChoosingReader: false}),
      'insert-card',
      'no-reader',
    ],
    [
      'a reader without a card',
      after(
        {type: 'started'},
        {type: 'readersChanged', readers: [{name: 'R', hasCard: false}], isChoosingReader: false},
      ),
      'insert-card',
      'waiting',
    ],
    ['reading', after(...ready.slice(0, 2)), 'insert-card', 'reading'],
    ['card ready', after(...ready), 'card-overview', 'ready'],
    [
      'PIN before login',
      after(...ready, {
        type: 'pinRequested',
        request: {reason: 'login', isLastTry: false, wasRejected: false},
      }),
      'pin-entry',
      'ready',
    ],
    ['menu', after(...loggedIn), 'menu', 'logged-in'],
    [
      'working',
      after(...loggedIn, {type: 'operationStarted', operation: 'test-eid', activity: 'testing-signature'}),
      'working',
      'busy',
    ],
    [
      'terms',
      after(...loggedIn, {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'x'}, plan}),
      'terms',
      'logged-in',
    ],
    [
      'upgrading',
      after(...loggedIn, {type: 'upgradeStarted', plan, progress: progress()}),
      'progress',
      'busy',
    ],
    ['done', after(...loggedIn, {type: 'completed', installed: []}), 'done', 'done'],
    [
      'failed',
      after(...ready, {type: 'failed', error: {code: 'card-removed'}, canRetry: true}),
      'error',
      'failed',
    ],
  ])('shows %s on its screen with the card state for the header', (_name, state, screen, cardStatus) => {
    expect(screenForState(state)).toMatchObject({screen, cardStatus});
  });

  it('offers only the keys that work: retry only when the engine can', () => {
    const retryable = after(...ready, {type: 'failed', error: {code: 'card-removed'}, canRetry: true});
    const final = after(...ready, {type: 'failed', error: {code: 'puk-blocked'}, canRetry: false});
    expect(screenForState(retryable).keys).toContain('retry');
    expect(screenForState(final).keys).not.toContain('retry');
  });

  it('asks to confirm the last try instead of taking a PIN', () => {
    const lastTry = after(...ready, {
      type: 'pinRequested',
      request: {reason: 'login', triesLeft: 1, isLastTry: true, wasRejected: true},
    });
    expect(screenForState(lastTry).keys).toEqual(['confirm-last-try', 'back']);
    expect(screenForState(reduce(lastTry, {type: 'lastTryConfirmed'})).keys).toContain('continue');
  });

  it('shows the menu after the user leaves a result or the done screen', () => {
    const result = after(...loggedIn, {type: 'operationCompleted', result: {type: 'pin-changed'}});
    expect(screenForState(result).screen).toBe('operation-result');
    expect(screenForState(result, true).screen).toBe('menu');
    const done = after(...loggedIn, {type: 'completed', installed: []});
    expect(screenForState(done, true).screen).toBe('menu');
  });
});
