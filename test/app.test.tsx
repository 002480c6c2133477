import {stripVTControlCharacters} from 'node:util';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {App, type ExitReason} from '../source/app.js';
import {errorText} from '../source/screens/error-text.js';
import type {Language} from '../source/screens/i18n/catalogue.js';
import {catalogues} from '../source/screens/i18n/language.js';
import {MENU_OPERATIONS} from '../source/screens/menu.js';
import {wayForwardFor} from '../source/upgrade/errors.js';
import {Step, type EngineEvent, type OperationResult} from '../source/upgrade/state.js';
import {EVERY_ENGINE_ERROR} from './screens/engine-errors.js';
import {certificate, newCertificates, oldCard, plan, progress, termsText} from './screens/fixtures.js';
import {ScriptedEngine} from './screens/scripted-engine.js';
import {KEYS} from './screens/terminal.js';

const identity = {name: 'Anna Andersson', hsaId: 'SE2321000016-1003'};
const views: {unmount(): void}[] = [];

afterEach(() => {
  for (const view of views.splice(0)) view.unmount();
});

/** Lets pending effects run (Ink attaches key handlers in effects) before the next key. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** The frame without the step list: what is right of its border on each line, as one line of text. */
function panelText(frame: string): string {
  return frame
    .split('\n')
    .map((line) => {
      const border = line.indexOf('│');
      return border === -1 ? line : line.slice(border + 1);
    })
    .join(' ')
    .replace(/\s+/g, ' ');
}

function renderApp(language: Language, events: EngineEvent[] = [], demo = false) {
  const t = catalogues[language];
  const engine = new ScriptedEngine();
  engine.play(...events);
  const exits: ExitReason[] = [];
  const view = render(
    <App
      engine={engine}
      catalogue={t}
      appearance={{isColor: false, isUnicode: true}}
      demo={demo ? {pin: '123456', puk: '12345678'} : undefined}
      now={() => new Date('2026-03-01T12:00:00Z')}
      onExit={(reason) => exits.push(reason)}
    />,
  );
  views.push(view);
  const frame = () => stripVTControlCharacters(view.lastFrame() ?? '');
  /**
   * Waits until the frame shows every text, then lets effects run. Texts are looked for in the panel beside the
   * step list (and in the header and footer), whitespace-insensitive since text wraps.
   */
  const see = async (...texts: string[]) => {
    await vi.waitFor(() => {
      const shown = panelText(frame());
      for (const text of texts) expect(shown).toContain(text.replace(/\s+/g, ' '));
    });
    await settle();
  };
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      view.stdin.write(key);
      await settle();
    }
  };
  return {t, engine, frame, see, press, exits};
}

const toCardReady: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: oldCard.readerName},
  {type: 'cardRead', card: oldCard},
];
const toMenu: EngineEvent[] = [
  ...toCardReady,
  {type: 'pinRequested', request: {reason: 'login', triesLeft: 3, isLastTry: false, wasRejected: false}},
  {type: 'loginStarted'},
  {type: 'loggedIn', identity},
];
const toTerms: EngineEvent[] = [
  ...toMenu,
  {type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'},
  {type: 'termsPresented', terms: {version: '2026-1', language: 'sv', text: termsText}, plan},
];
const toProgress: EngineEvent[] = [...toTerms, {type: 'upgradeStarted', plan, progress: progress()}];

describe.each<Language>(['sv', 'en'])('the app in %s', (language) => {
  it('welcomes with what you need, both PIN names, the time it takes and the demo PIN; Enter starts', async () => {
    const {t, engine, see, press, frame} = renderApp(language, [], true);
    await see(t.welcome.heading, t.welcome.needPins, t.welcome.duration, t.welcome.demoPin('123456'));
    expect(frame()).toContain(`1 ${t.steps[Step.PrepareCodes].short}`);
    expect(frame()).toContain(`10 ${t.steps[Step.Done].short}`);
    await press(KEYS.enter);
    expect(engine.names()).toEqual(['start']);
  });

  it('lists the readers as they come and go while it waits for the card', async () => {
    const {t, engine, see, frame} = renderApp(language, [{type: 'started'}]);
    await see(t.insertCard.instruction, t.header.cardStatus.waiting);
    // Nothing is said about readers before the engine has listed them.
    expect(frame()).not.toContain(t.insertCard.noReaders);
    engine.play({type: 'readersChanged', readers: [], isChoosingReader: false});
    await see(t.insertCard.noReaders, t.header.cardStatus['no-reader']);
    engine.play({
      type: 'readersChanged',
      readers: [{name: 'Reader A', hasCard: false}],
      isChoosingReader: false,
    });
    await see('Reader A', t.insertCard.noCard);
    engine.play({
      type: 'readersChanged',
      readers: [
        {name: 'Reader A', hasCard: false},
        {name: 'Reader B', hasCard: true},
      ],
      isChoosingReader: false,
    });
    await see('Reader B', t.insertCard.hasCard);
    engine.play({
      type: 'readersChanged',
      readers: [{name: 'Reader B', hasCard: true}],
      isChoosingReader: false,
    });
    await vi.waitFor(() => expect(frame()).not.toContain('Reader A'));
  });

  it('lets the user choose among several readers that hold a card', async () => {
    const readers = [
      {name: 'Reader A', hasCard: true},
      {name: 'Reader B', hasCard: true},
    ];
    const {t, engine, see, press} = renderApp(language, [
      {type: 'started'},
      {type: 'readersChanged', readers, isChoosingReader: true},
    ]);
    await see(t.insertCard.chooseReader, '1. Reader A', '2. Reader B');
    await press(KEYS.down, KEYS.enter);
    expect(engine.commands).toEqual([{name: 'chooseReader', argument: 'Reader B'}]);
  });

  it('shows the card being read, then the holder, HSA-id, card number and certificates; Enter logs in', async () => {
    const {t, engine, see, press} = renderApp(language, toCardReady.slice(0, 2));
    await see(t.insertCard.reading, t.header.cardStatus.reading);
    engine.play(toCardReady[2]!);
    await see(oldCard.holder!, oldCard.hsaId!, oldCard.cardNumber!, t.overview.verdicts['needs-upgrade']);
    await see(
      `9A ${t.purposes.authentication} (HSA-id)`,
      t.overview.validUntil('2030-06-30'),
      t.overview.isOld,
    );
    await see(t.overview.pinTries(3), t.keys['log-in'].label);
    await press(KEYS.enter);
    expect(engine.names()).toEqual(['logIn']);
  });

  it('says so when the card is already upgraded', async () => {
    const {t, see} = renderApp(language, [
      ...toCardReady.slice(0, 2),
      {type: 'cardRead', card: {...oldCard, certificates: newCertificates, isUpgraded: true}},
    ]);
    await see(t.overview.verdicts.upgraded, t.overview.isNew);
  });

  it('offers to unblock with the PUK when the PIN is blocked', async () => {
    const {t, engine, see, press} = renderApp(language, [
      ...toCardReady.slice(0, 2),
      {type: 'cardRead', card: {...oldCard, pinTriesLeft: 0}},
    ]);
    await see(t.overview.pinBlocked, t.keys.unblock.label);
    await press(KEYS.enter);
    expect(engine.commands).toEqual([{name: 'chooseOperation', argument: 'unblock-pin'}]);
  });

  it('masks the PIN, says the card has one PIN, and hands the digits to the engine as bytes on Enter', async () => {
    const {t, engine, see, press, frame} = renderApp(language, [
      ...toCardReady,
      {type: 'pinRequested', request: {reason: 'login', triesLeft: 3, isLastTry: false, wasRejected: false}},
    ]);
    await see(t.pin.prompts.login, t.pin.onePin, t.pin.triesLeft(3));
    await press('1', '2', '3', '4', '5', 'x');
    await see('●●●●●', t.pin.digitsOnly);
    await press('6', KEYS.backspace, '6');
    await see('●●●●●●');
    expect(frame()).not.toMatch(/[0-9]{4,}/);
    await press(KEYS.enter);
    expect(engine.commands).toEqual([{name: 'submitPin', argument: '123456'}]);
    expect(engine.pinBuffers[0]).toBeInstanceOf(Uint8Array);
    await vi.waitFor(() => expect(frame()).not.toContain('●'));
  });

  it('shows a wrong PIN with the tries left', async () => {
    const {t, see} = renderApp(language, [
      ...toCardReady,
      {
        type: 'pinRequested',
        request: {
          reason: 'login',
          triesLeft: 2,
          isLastTry: false,
          wasRejected: true,
          rejection: 'wrong-code',
        },
      },
    ]);
    await see(t.pin.wrongCode, t.pin.triesLeft(2));
  });

  it('says a PIN of the wrong format used no try', async () => {
    const {t, see} = renderApp(language, [
      ...toCardReady,
      {
        type: 'pinRequested',
        request: {
          reason: 'login',
          triesLeft: 3,
          isLastTry: false,
          wasRejected: true,
          rejection: 'bad-format',
        },
      },
    ]);
    await see(t.pin.badFormat);
  });

  it('asks to confirm the last try before taking the PIN', async () => {
    const {t, engine, see, press} = renderApp(language, [
      ...toCardReady,
      {type: 'pinRequested', request: {reason: 'login', triesLeft: 1, isLastTry: true, wasRejected: true}},
    ]);
    await see(t.pin.lastTry, t.keys['confirm-last-try'].label);
    await press('1', '2', KEYS.enter);
    expect(engine.names()).toEqual(['confirmLastTry']);
    engine.play({type: 'lastTryConfirmed'});
    await see(t.pin.lastTryConfirmed);
    await press('6', '5', '4', '3', '2', '1', KEYS.enter);
    expect(engine.commands.at(-1)).toEqual({name: 'submitPin', argument: '654321'});
  });

  it('asks for a new PIN twice and passes it on only when both entries match', async () => {
    const {t, engine, see, press} = renderApp(language, [
      ...toMenu,
      {type: 'pinRequested', request: {reason: 'new-pin', isLastTry: false, wasRejected: false}},
    ]);
    await see(t.pin.prompts['new-pin'], t.pin.newPinRule);
    await press('1', '2', '3', KEYS.enter);
    await see(t.pin.newPinRule);
    await press('1', '1', '1', '1', '1', '1', KEYS.enter);
    await see(t.pin.repeatNewPin);
    await press('2', '2', '2', '2', '2', '2', KEYS.enter);
    await see(t.pin.newPinsDiffer);
    expect(engine.names()).toEqual([]);
    await press('7', '7', '7', '7', '7', '7', '7', KEYS.enter);
    await see(t.pin.repeatNewPin);
    await press('7', '7', '7', '7', '7', '7', '7', KEYS.enter);
    expect(engine.commands).toEqual([{name: 'submitPin', argument: '7777777'}]);
  });

  it('goes back with Esc from the PIN and does not quit on q while a PIN is typed', async () => {
    const {t, engine, see, press, exits} = renderApp(language, [
      ...toCardReady,
      {type: 'pinRequested', request: {reason: 'login', triesLeft: 3, isLastTry: false, wasRejected: false}},
    ]);
    await see(t.pin.prompts.login);
    await press('q', KEYS.escape);
    expect(exits).toEqual([]);
    expect(engine.names()).toEqual(['cancel']);
  });

  it('shows the menu of step 4 and runs the chosen operation, by Enter or by number', async () => {
    const {t, engine, see, press} = renderApp(language, toMenu);
    await see(t.menu.heading, t.menu.loggedInAs(identity.name, identity.hsaId));
    for (const operation of MENU_OPERATIONS) await see(t.menu.operations[operation]);
    await press(KEYS.enter);
    await press('4');
    await press(KEYS.down, KEYS.down, KEYS.enter);
    expect(engine.commands).toEqual([
      {name: 'chooseOperation', argument: 'upgrade'},
      {name: 'chooseOperation', argument: 'change-pin'},
      {name: 'chooseOperation', argument: 'refetch'},
    ]);
  });

  it('shows what the engine is doing while it works', async () => {
    const {t, engine, see} = renderApp(language, [...toCardReady, {type: 'loginStarted'}]);
    await see(t.working.loggingIn);
    engine.play(
      {type: 'loggedIn', identity},
      {type: 'operationStarted', operation: 'test-eid', activity: 'testing-signature'},
    );
    await see(t.menu.operations['test-eid'], t.activities['testing-signature']);
  });

  it('starts the download only once "I accept" is ticked, and scrolls the terms', async () => {
    const {t, engine, see, press, frame} = renderApp(language, toTerms);
    await see(
      t.steps[Step.AcceptTerms].title,
      t.terms.version('2026-1'),
      t.terms.accept,
      t.terms.startDownload,
    );
    await see(t.terms.plan(4));
    await press(KEYS.enter);
    await see(t.terms.tickFirst);
    expect(engine.names()).toEqual([]);
    expect(frame()).toContain('1. ');
    await press(KEYS.pageDown, KEYS.pageDown);
    await vi.waitFor(() => expect(frame()).not.toMatch(/^\S*\s*1\. /m));
    await press(KEYS.space);
    await see('[✔]');
    await press(KEYS.enter);
    expect(engine.names()).toEqual(['acceptTerms']);
  });

  it('says on the terms that the card is being prepared and may be removed, then that it is prepared', async () => {
    const {t, engine, see, frame} = renderApp(language, toTerms);
    await see(t.terms.accept);
    expect(panelText(frame())).not.toContain(t.terms.preparing(0, 4).replace(/\s+/g, ' '));
    engine.play({type: 'keysPrepared', preparation: {done: 1, total: 4, isInterrupted: false}});
    await see(t.terms.preparing(1, 4));
    engine.play({type: 'keysPrepared', preparation: {done: 4, total: 4, isInterrupted: false}});
    await see(t.terms.prepared(4));
    // Stopped early (the card pulled): nothing is claimed any more.
    engine.play({type: 'keysPrepared', preparation: {done: 4, total: 4, isInterrupted: true}});
    await vi.waitFor(() =>
      expect(panelText(frame())).not.toContain(t.terms.prepared(4).replace(/\s+/g, ' ')),
    );
  });

  it('goes back from the terms with Esc', async () => {
    const {t, engine, see, press} = renderApp(language, toTerms);
    await see(t.terms.accept);
    await press(KEYS.escape);
    expect(engine.names()).toEqual(['cancel']);
  });

  it('shows steps 6 to 10 with a live bar, times, the certificate worked on and the big warning', async () => {
    const {t, engine, see, frame} = renderApp(language, toProgress);
    await see(
      t.steps[Step.DownloadStarted].title,
      t.progress.elapsed('0:12'),
      t.progress.remaining('0:25'),
      '42 %',
    );
    await see(
      t.activities['generating-key'],
      t.progress.workingOn('82', `${t.purposes.authentication} (${t.identityKinds.personnummer})`),
      t.progress.installed(0, 4),
    );
    expect(frame()).toMatch(/█{5}/);
    expect(frame()).toMatch(/▀▀█▀▀|▀▀▀▀/);
    engine.play(
      {type: 'stepStarted', step: Step.FetchAndInstall},
      {type: 'progressed', progress: progress({fraction: 0.75, elapsedMs: 61_000, isIndeterminate: true})},
      {type: 'certificateInstalled', certificate: newCertificates[0]!},
    );
    await see(
      t.steps[Step.FetchAndInstall].title,
      '75 %',
      t.progress.elapsed('1:01'),
      t.progress.remainingUnknown,
    );
    await see(t.progress.keyGenerationNote, t.progress.installed(1, 4));
  });

  it('shows elapsed and left times that add up to the whole estimate, so both change as the clock ticks', async () => {
    const {t, engine, see} = renderApp(language, toProgress);
    await see(t.progress.remaining('0:25'));
    // 12.6 s elapsed and 24.7 s left: 37.3 s in all, so 0:13 and 0:24 (not 0:25, the left time rounded alone).
    engine.play({type: 'progressed', progress: progress({elapsedMs: 12_600, estimatedRemainingMs: 24_700})});
    await see(t.progress.elapsed('0:13'), t.progress.remaining('0:24'));
  });

  it('shows the band a key generation is expected to cover instead of a creeping percentage', async () => {
    const {t, engine, see, frame} = renderApp(language, toProgress);
    await see('42 %');
    engine.play({
      type: 'progressed',
      progress: progress({fraction: 0.37, isIndeterminate: true, band: {from: 0.37, to: 0.45}}),
    });
    await see('37–45 %', t.progress.remainingUnknown, t.progress.keyGenerationNote);
    const bar = frame()
      .split('\n')
      .find((line) => line.includes('37–45 %'))!;
    expect(bar).toMatch(/█+▒+░+ +37–45 %/);
    // The same band at a later tick (only the elapsed time moved): the bar line is the same.
    engine.play({
      type: 'progressed',
      progress: progress({
        fraction: 0.37,
        elapsedMs: 13_000,
        isIndeterminate: true,
        band: {from: 0.37, to: 0.45},
      }),
    });
    await see(t.progress.elapsed('0:13'));
    expect(frame()).toContain(bar);
  });

  it('cancels the upgrade safely with Esc and says it waits for the card', async () => {
    const {t, engine, see, press} = renderApp(language, toProgress);
    await see(t.keys['cancel-upgrade'].label);
    await press(KEYS.escape);
    expect(engine.names()).toEqual(['cancel']);
    await see(t.progress.cancelling);
  });

  it('shows the new certificates and that the card may be removed; Enter returns to the menu', async () => {
    const {t, engine, see, press} = renderApp(language, [
      ...toProgress,
      {type: 'completed', installed: newCertificates},
    ]);
    await see(t.done.heading, t.done.newCertificates, t.done.removeCard, `82 ${t.purposes.authentication}`);
    await see(t.header.cardStatus.done);
    await press(KEYS.enter);
    await see(t.menu.heading);
    await press('2');
    expect(engine.commands).toEqual([{name: 'chooseOperation', argument: 'list-certificates'}]);
  });

  it('shows each error the engine reports with its way forward', async () => {
    for (const error of Object.values(EVERY_ENGINE_ERROR)) {
      const {t, see} = renderApp(language, [...toMenu, {type: 'failed', error, canRetry: false}]);
      const {title, detail} = errorText(t, error);
      await see(title, detail, t.errorScreen.wayForward, t.wayForward[wayForwardFor(error)]);
    }
  });

  it('retries with r only when the engine can', async () => {
    const retryable = renderApp(language, [
      ...toProgress,
      {type: 'failed', error: {code: 'service-unreachable'}, canRetry: true},
    ]);
    await retryable.see(retryable.t.keys.retry.label, retryable.t.errorScreen.safe);
    await retryable.press('r');
    expect(retryable.engine.names()).toEqual(['retry']);
    const final = renderApp(language, [
      ...toMenu,
      {type: 'failed', error: {code: 'puk-blocked'}, canRetry: false},
    ]);
    await final.see(final.t.wayForward['contact-issuer']);
    await final.press('r');
    expect(final.engine.names()).toEqual([]);
  });

  it('shows the result of every other operation and returns to the menu with Enter', async () => {
    const results: [OperationResult, string][] = [
      [{type: 'status', card: oldCard}, oldCard.hsaId!],
      [
        {
          type: 'certificates-listed',
          certificates: [
            {
              serial: 'abc123',
              identityKind: 'hsa-id',
              purpose: 'signature',
              status: 'revoked',
              notAfter: new Date('2030-01-01T12:00:00Z'),
            },
          ],
        },
        catalogues[language].results.certificateStatus.revoked,
      ],
      [
        {type: 'e-id-tested', certificate: certificate({isNew: true}), isTrusted: true},
        catalogues[language].results.eIdWorks('9A'),
      ],
      [
        {type: 'e-id-tested', certificate: certificate(), isTrusted: false},
        catalogues[language].results.eIdNotTrusted,
      ],
      [{type: 'pin-changed'}, catalogues[language].results.pinChanged],
      [{type: 'pin-unblocked'}, catalogues[language].results.pinUnblocked],
      [
        {type: 'certificates-refetched', certificates: newCertificates.slice(0, 2)},
        catalogues[language].results.refetched(2),
      ],
      [{type: 'certificate-revoked', serial: 'abc123'}, catalogues[language].results.revoked('abc123')],
    ];
    for (const [result, text] of results) {
      const {t, see, press} = renderApp(language, [...toMenu, {type: 'operationCompleted', result}]);
      await see(text, t.keys.menu.label);
      await press(KEYS.enter);
      await see(t.menu.heading);
    }
  });

  it('offers the valid certificates to revoke and sends the chosen serial', async () => {
    const {t, engine, see, press} = renderApp(language, [
      ...toMenu,
      {type: 'operationStarted', operation: 'revoke', activity: 'asking-service'},
      {
        type: 'certificatesOffered',
        certificates: ['0a', '0b'].map((serial) => ({
          serial,
          identityKind: 'hsa-id' as const,
          purpose: 'authentication' as const,
          status: 'valid' as const,
          notAfter: new Date('2030-01-01T12:00:00Z'),
        })),
      },
    ]);
    await see(t.results.chooseCertificate, t.results.serial('0a'), t.results.serial('0b'));
    await press(KEYS.down, KEYS.enter);
    await press(KEYS.escape);
    expect(engine.commands).toEqual([{name: 'chooseCertificate', argument: '0b'}, {name: 'cancel'}]);
  });

  it('shows the latest warning of the engine', async () => {
    const {t, see} = renderApp(language, [
      ...toMenu,
      {type: 'warningRaised', warning: {code: 'service-retrying', attempt: 2, delayMs: 2000}},
    ]);
    await see(t.warnings['service-retrying']({code: 'service-retrying', attempt: 2, delayMs: 2000}));
  });

  it('quits with q where nothing is typed, and Ctrl+C interrupts anywhere', async () => {
    const {see, press, exits, t} = renderApp(language, toMenu);
    await see(t.menu.heading);
    await press('q', KEYS.ctrlC);
    expect(exits).toEqual(['quit', 'interrupted']);
  });
});
