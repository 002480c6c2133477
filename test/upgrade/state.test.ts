import {describe, expect, it} from 'vitest';
import fc from 'fast-check';
import {
  initialState,
  reduce,
  Step,
  type CardOverview,
  type EngineEvent,
  type EngineState,
  type PlanItemView,
  type Progress,
} from '../../source/upgrade/state.js';
import {wayForwardFor, type EngineError} from '../../source/upgrade/errors.js';

const card: CardOverview = {
  readerName: 'Virtual PCD 00 00',
  holder: 'Anna Andersson',
  hsaId: 'SE2321000016-1234',
  cardNumber: '9752269000000001',
  certificates: [],
  pinTriesLeft: 3,
  isUpgraded: false,
  pinCount: 1,
};
const plan: PlanItemView[] = [
  {
    identityKind: 'personnummer',
    purpose: 'authentication',
    slot: 0x82,
    slotName: '82',
    keyAlgorithm: 'rsa-2048',
  },
];
const progress: Progress = {
  fraction: 0,
  activity: 'authenticating-card',
  elapsedMs: 0,
  estimatedRemainingMs: 25_000,
  isIndeterminate: false,
};

function run(events: readonly EngineEvent[], from: EngineState = initialState): EngineState {
  return events.reduce(reduce, from);
}

const throughLogin: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: card.readerName},
  {type: 'cardRead', card},
  {type: 'pinRequested', request: {reason: 'login', triesLeft: 3, isLastTry: false, wasRejected: false}},
  {type: 'loginStarted'},
  {type: 'loggedIn', identity: {name: 'Anna Andersson', hsaId: 'SE2321000016-1234'}},
];

describe('reduce', () => {
  it('walks the ten steps in order through a whole upgrade', () => {
    const steps: Step[] = [];
    let state = initialState;
    for (const event of [
      ...throughLogin,
      {type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'},
      {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
      {type: 'upgradeStarted', plan, progress},
      {type: 'stepStarted', step: Step.GenerateRequests},
      {type: 'stepStarted', step: Step.FetchAndInstall},
      {type: 'stepStarted', step: Step.DeleteOld},
      {type: 'completed', installed: []},
    ] satisfies EngineEvent[]) {
      state = reduce(state, event);
      if (steps.at(-1) !== state.step) steps.push(state.step);
    }
    expect(steps).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(state.type).toBe('done');
  });

  it('keeps the card and the identity in every state after login so the header can show them', () => {
    const state = run([
      ...throughLogin,
      {type: 'operationStarted', operation: 'test-eid', activity: 'reading-card'},
    ]);
    expect(state.card).toEqual(card);
    expect(state.identity?.hsaId).toBe('SE2321000016-1234');
    expect(state.readerName).toBe(card.readerName);
  });

  it('asks to confirm the last PIN try and remembers the confirmation', () => {
    const asked = run([
      ...throughLogin.slice(0, 3),
      {type: 'pinRequested', request: {reason: 'login', triesLeft: 1, isLastTry: true, wasRejected: true}},
    ]);
    expect(asked).toMatchObject({
      type: 'awaiting-pin',
      request: {isLastTry: true, isLastTryConfirmed: false},
    });
    expect(reduce(asked, {type: 'lastTryConfirmed'})).toMatchObject({request: {isLastTryConfirmed: true}});
  });

  it('says the card has one PIN when it is a PIV card', () => {
    const state = run(throughLogin.slice(0, 4));
    expect(state).toMatchObject({type: 'awaiting-pin', pinCount: 1});
  });

  it('goes back to the menu on cancel once logged in, and to the card overview before', () => {
    const loggedIn = run([
      ...throughLogin,
      {type: 'operationStarted', operation: 'revoke', activity: 'asking-service'},
    ]);
    expect(reduce(loggedIn, {type: 'cancelled'}).type).toBe('menu');
    const notLoggedIn = run([...throughLogin.slice(0, 4), {type: 'cancelled'}]);
    expect(notLoggedIn).toMatchObject({type: 'card-ready', card});
  });

  it('waits for the card again when it is removed, keeping the operation to resume', () => {
    const state = run([
      ...throughLogin,
      {type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'},
      {type: 'cardRemoved'},
    ]);
    expect(state).toMatchObject({
      type: 'waiting-for-card',
      step: Step.InsertCard,
      operation: 'upgrade',
      isListed: false,
    });
    const listed = reduce(state, {type: 'readersChanged', readers: [], isChoosingReader: false});
    expect(listed).toMatchObject({type: 'waiting-for-card', readers: [], isListed: true});
  });

  it('shows the way forward for a failure', () => {
    const state = run([
      ...throughLogin.slice(0, 4),
      {type: 'failed', error: {code: 'pin-blocked'}, canRetry: false},
    ]);
    expect(state).toMatchObject({type: 'failed', wayForward: 'unblock-with-puk'});
  });

  it('collects installed certificates while upgrading', () => {
    const upgrading = run([
      ...throughLogin,
      {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
      {type: 'upgradeStarted', plan, progress},
    ]);
    const certificate = {
      slot: 0x82,
      slotName: '82',
      purpose: 'authentication',
      identityKind: 'personnummer',
      subjectName: 'Anna Andersson',
      issuerName: 'New CA',
      serial: '01',
      notBefore: new Date(0),
      notAfter: new Date(1),
      isNew: true,
    } as const;
    const state = reduce(upgrading, {type: 'certificateInstalled', certificate});
    expect(state).toMatchObject({type: 'upgrading', installed: [certificate]});
  });

  it('ignores events that make no sense in the current state', () => {
    expect(reduce(initialState, {type: 'lastTryConfirmed'})).toBe(initialState);
    expect(reduce(initialState, {type: 'progressed', progress})).toBe(initialState);
    expect(reduce(initialState, {type: 'certificateInstalled', certificate: {} as never})).toBe(initialState);
  });

  it('never changes the state it is given', () => {
    const events: EngineEvent[] = [
      ...throughLogin,
      {type: 'termsPresented', terms: {version: '1', language: 'sv', text: 'Villkor'}, plan},
      {type: 'upgradeStarted', plan, progress},
      {type: 'warningRaised', warning: {code: 'resuming-upgrade'}},
      {type: 'cardRemoved'},
      {type: 'failed', error: {code: 'card-removed'}, canRetry: true},
      {type: 'cancelled'},
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...events), {maxLength: 20}), (sequence) => {
        let state = initialState;
        for (const event of sequence) {
          const frozen = structuredClone(state);
          const next = reduce(state, event);
          expect(state).toEqual(frozen);
          expect(typeof next.step).toBe('number');
          expect(next.step).toBeGreaterThanOrEqual(Step.PrepareCodes);
          expect(next.step).toBeLessThanOrEqual(Step.Done);
          state = next;
        }
      }),
    );
  });
});

describe('wayForwardFor', () => {
  it.each<[EngineError, string]>([
    [{code: 'invalid-pin', triesLeft: 2}, 'enter-pin-again'],
    [{code: 'pin-blocked'}, 'unblock-with-puk'],
    [{code: 'puk-blocked'}, 'contact-issuer'],
    [{code: 'card-removed'}, 'reinsert-card'],
    [{code: 'pcscd-not-running'}, 'start-pcscd'],
    [{code: 'service-unreachable'}, 'check-network'],
    [{code: 'answer-rejected', check: 'chain'}, 'contact-support'],
  ])('tells the user what to do after %o', (error, expected) => {
    expect(wayForwardFor(error)).toBe(expected);
  });
});
