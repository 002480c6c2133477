import {describe, expect, it} from 'vitest';
import {catalogues} from '../../source/screens/i18n/language.js';
import {plainLines} from '../../source/screens/plain-lines.js';
import {initialState, reduce, type EngineEvent, type EngineState} from '../../source/upgrade/state.js';
import {newCertificates, oldCard, plan, progress} from './fixtures.js';

const t = catalogues.en;
const now = new Date('2026-03-01T12:00:00Z');

/** Plays events and collects the lines printed for each change. */
function printed(events: EngineEvent[], from: EngineState = initialState): string[] {
  const lines: string[] = [];
  let previous: EngineState | undefined = from === initialState ? undefined : from;
  let state = from;
  if (previous === undefined) lines.push(...plainLines(t, undefined, state, now));
  for (const event of events) {
    previous = state;
    state = reduce(state, event);
    if (state !== previous) lines.push(...plainLines(t, previous, state, now));
  }
  return lines;
}

const ready: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: oldCard.readerName},
  {type: 'cardRead', card: oldCard},
];

describe('plainLines', () => {
  it('numbers each step once, as [n/10] with its title', () => {
    const lines = printed([...ready, {type: 'loggedIn', identity: {name: 'Anna', hsaId: 'SE1'}}]);
    expect(lines.filter((line) => line.startsWith('['))).toEqual([
      `[1/10] ${t.steps[1].title}`,
      `[2/10] ${t.steps[2].title}`,
      `[3/10] ${t.steps[3].title}`,
      `[4/10] ${t.steps[4].title}`,
    ]);
  });

  it('lists the readers once the engine has looked, not before', () => {
    const started = printed([{type: 'started'}]);
    expect(started).toContain(t.insertCard.instruction);
    expect(started).not.toContain(t.insertCard.noReaders);
    const listed = printed([
      {type: 'started'},
      {type: 'readersChanged', readers: [{name: 'Reader A', hasCard: false}], isChoosingReader: false},
    ]);
    expect(listed).toContain(`  Reader A (${t.insertCard.noCard})`);
    expect(
      printed([{type: 'started'}, {type: 'readersChanged', readers: [], isChoosingReader: false}]),
    ).toContain(t.insertCard.noReaders);
  });

  it('shows the card overview with each certificate on a line', () => {
    const lines = printed(ready);
    expect(lines).toContain(`${t.overview.holder}: Anna Andersson`);
    expect(lines).toContain(
      `  9A ${t.purposes.authentication} (HSA-id), ${t.overview.validUntil('2030-06-30')}, ${t.overview.isOld}`,
    );
  });

  it('prints the warning once and a progress line only every ten per cent or on a new certificate', () => {
    const start = printed([
      ...ready,
      {type: 'loggedIn', identity: {name: 'Anna', hsaId: 'SE1'}},
      {type: 'upgradeStarted', plan, progress: progress({fraction: 0.1})},
    ]);
    expect(start).toContain(`*** ${t.progress.warning} ***`);
    const upgrading = [
      ...ready,
      {type: 'upgradeStarted', plan, progress: progress({fraction: 0.1})} as EngineEvent,
    ].reduce(reduce, initialState);
    const ticks = printed(
      [
        {type: 'progressed', progress: progress({fraction: 0.12, elapsedMs: 13_000})},
        {type: 'progressed', progress: progress({fraction: 0.15, elapsedMs: 14_000})},
        {type: 'progressed', progress: progress({fraction: 0.21, elapsedMs: 15_000})},
        {type: 'progressed', progress: progress({fraction: 0.22, currentItem: plan[1]})},
        {type: 'certificateInstalled', certificate: newCertificates[0]!},
      ],
      upgrading,
    );
    expect(ticks.filter((line) => line.includes(' % |'))).toHaveLength(2);
    expect(ticks).toContain(`${t.progress.installed(1, 4)}:`);
    expect(ticks.some((line) => line.includes(t.progress.warning))).toBe(false);
  });

  it('explains a failure with its way forward', () => {
    const lines = printed([...ready, {type: 'failed', error: {code: 'card-removed'}, canRetry: true}]);
    expect(lines).toContain(`${t.errors['card-removed']({code: 'card-removed'}).title}.`);
    expect(lines).toContain(`${t.errorScreen.wayForward} ${t.wayForward['reinsert-card']}`);
  });

  it.each([
    ['ends', 'runAgain'],
    ['asks r or q', 'retry'],
  ] as const)(
    'says how to go on after the card was taken out when the session %s, not that it continues by itself',
    (_what, onFailure) => {
      const failed = reduce(
        [...ready].reduce((state, event) => reduce(state, event), initialState),
        {type: 'failed', error: {code: 'card-removed'}, canRetry: true},
      );
      const lines = plainLines(t, undefined, failed, now, {onFailure});
      expect(lines).toContain(`${t.errorScreen.wayForward} ${t.errorScreen.reinsertCard[onFailure]}`);
      expect(lines).not.toContain(`${t.errorScreen.wayForward} ${t.wayForward['reinsert-card']}`);
    },
  );

  it('prints each new warning once, and not "not now"', () => {
    const lines = printed([
      ...ready,
      {type: 'warningRaised', warning: {code: 'resuming-upgrade'}},
      {type: 'warningRaised', warning: {code: 'not-now'}},
      {type: 'cardRefreshed', card: oldCard},
    ]);
    expect(lines.filter((line) => line.startsWith('!'))).toEqual([
      `! ${t.warnings['resuming-upgrade']({code: 'resuming-upgrade'})}`,
    ]);
  });

  it('warns that the last PUK try, unlike the last PIN try, can block the card for good', () => {
    const ask = (reason: 'puk' | 'login'): EngineEvent => ({
      type: 'pinRequested',
      request: {reason, triesLeft: 1, isLastTry: true, wasRejected: false},
    });
    expect(printed([...ready, ask('puk')])).toContain(t.pin.lastPukTry);
    expect(printed([...ready, ask('puk')])).not.toContain(t.pin.lastTry);
    expect(printed([...ready, ask('login')])).toContain(t.pin.lastTry);
  });
});
