import {describe, expect, it} from 'vitest';
import {catalogues} from '../../source/screens/i18n/language.js';
import {plainLines} from '../../source/screens/plain-lines.js';
import {
  initialState,
  reduce,
  type CardOverview,
  type EngineEvent,
  type EngineState,
} from '../../source/upgrade/state.js';
import {oldCard, plan, progress} from './fixtures.js';

const sv = catalogues.sv;
const now = new Date('2026-03-01T12:00:00Z');
const twoPinCard: CardOverview = {...oldCard, pinCount: 2, signaturePinTriesLeft: 3};

function play(events: EngineEvent[], from: EngineState = initialState): EngineState {
  return events.reduce(reduce, from);
}

/** The lines printed for each change of state while `events` play from `from`. */
function printed(events: EngineEvent[], from: EngineState): string[] {
  const lines: string[] = [];
  let state = from;
  for (const event of events) {
    const previous = state;
    state = reduce(state, event);
    if (state !== previous) lines.push(...plainLines(sv, previous, state, now));
  }
  return lines;
}

const loggedIn = play([
  {type: 'started'},
  {type: 'cardReadStarted', readerName: twoPinCard.readerName},
  {type: 'cardRead', card: twoPinCard},
  {type: 'loggedIn', identity: {name: 'Anna Andersson', hsaId: 'SE2321000016-1003'}},
]);

describe('a card with two PINs', () => {
  it('shows the tries of both PINs by their names in the card overview', () => {
    const lines = plainLines(sv, undefined, play([{type: 'cardRead', card: twoPinCard}]), now);
    expect(lines).toContain('Pinkod för Legitimering: 3 försök kvar');
    expect(lines).toContain('Pinkod för Underskrift: 3 försök kvar');
  });

  it('follows a wrong signature PIN in the signature PIN tries only', () => {
    const state = play([{type: 'pinTriesChanged', triesLeft: 2, role: 'signature'}], loggedIn);
    expect(state.card?.signaturePinTriesLeft).toBe(2);
    expect(state.card?.pinTriesLeft).toBe(3);
  });

  it('asks the signature PIN after the terms, at step 5, with its tries and the reason', () => {
    const lines = printed(
      [
        {type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'},
        {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
        {
          type: 'pinRequested',
          request: {
            reason: 'signature',
            triesLeft: 2,
            isLastTry: false,
            wasRejected: true,
            rejection: 'wrong-code',
          },
        },
        {type: 'upgradeStarted', plan, progress: progress()},
      ],
      loggedIn,
    );
    expect(lines).toContain('Säkerställ att du har dina pinkoder, både legitimering och underskrift.');
    expect(lines).toContain(sv.pin.signatureWhy);
    expect(lines).toContain('2 försök kvar');
    const asked = lines.indexOf(sv.pin.signatureWhy);
    expect(lines.findIndex((line) => line.startsWith('[6/10]'))).toBeGreaterThan(asked);
    expect(lines.slice(0, asked)).toContain('Villkor');
  });

  it('offers the choice of PIN for a change, with each one’s tries', () => {
    const lines = printed(
      [
        {
          type: 'pinChoiceOffered',
          operation: 'change-pin',
          choices: [
            {role: 'authentication', triesLeft: 3},
            {role: 'signature', triesLeft: 0},
          ],
        },
      ],
      loggedIn,
    );
    expect(lines).toEqual([
      'Vilken PIN-kod vill du byta?',
      '  1. Pinkod för Legitimering: 3 försök kvar',
      '  2. Pinkod för Underskrift är spärrad. Lås upp den med PUK-koden.',
    ]);
  });

  it('names the chosen PIN in the result of a change', () => {
    const lines = printed(
      [{type: 'operationCompleted', result: {type: 'pin-changed', role: 'signature'}}],
      loggedIn,
    );
    expect(lines).toContain('Pinkod för Underskrift är bytt.');
  });

  it('lists both PINs in status', () => {
    const lines = printed(
      [
        {
          type: 'operationCompleted',
          result: {type: 'status', card: {...twoPinCard, pinTriesLeft: 0, signaturePinTriesLeft: 1}},
        },
      ],
      loggedIn,
    );
    expect(lines).toContain('Pinkod för Legitimering är spärrad. Lås upp den med PUK-koden.');
    expect(lines).toContain('Pinkod för Underskrift: 1 försök kvar');
  });
});
