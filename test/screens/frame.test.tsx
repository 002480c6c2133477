import {stripVTControlCharacters} from 'node:util';
import {afterEach, describe, expect, it, vi} from 'vitest';
import type {EngineEvent} from '../../source/upgrade/state.js';
import {newCertificates, oldCard, plan, progress, termsText} from './fixtures.js';

// Colour must be possible for the monochrome test to prove anything: chalk reads this when Ink is first loaded.
process.env['FORCE_COLOR'] = '3';
const {App} = await import('../../source/app.js');
const {catalogues} = await import('../../source/screens/i18n/language.js');
const {STEPS} = await import('../../source/screens/step-list.js');
const {ScriptedEngine} = await import('./scripted-engine.js');
const {renderInTerminal} = await import('./terminal.js');

/** The escape character that starts a terminal control sequence. */
const ESC = String.fromCharCode(0x1b);
const identity = {name: 'Anna Andersson', hsaId: 'SE2321000016-1003'};
const ready: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: oldCard.readerName},
  {type: 'cardRead', card: oldCard},
];
const menu: EngineEvent[] = [...ready, {type: 'loggedIn', identity}];
const terms: EngineEvent[] = [
  ...menu,
  {type: 'termsPresented', terms: {version: '2026-1', language: 'sv', text: termsText}, plan},
];

const twoPinCard = {...oldCard, pinCount: 2, signaturePinTriesLeft: 3} as const;
const twoPinTerms: EngineEvent[] = [
  ...ready.slice(0, 2),
  {type: 'cardRead', card: twoPinCard},
  {type: 'loggedIn', identity},
  terms.at(-1)!,
];

/** One state of each screen. */
const SCREENS: Record<string, EngineEvent[]> = {
  welcome: [],
  'insert card': [
    {type: 'started'},
    {type: 'readersChanged', readers: [{name: 'Virtual PCD 00 00', hasCard: false}], isChoosingReader: false},
  ],
  'card overview, mid-upgrade with six certificates': [
    ...ready.slice(0, 2),
    {type: 'cardRead', card: {...oldCard, certificates: [...oldCard.certificates, ...newCertificates]}},
  ],
  'log in': [
    ...ready,
    {type: 'pinRequested', request: {reason: 'login', triesLeft: 1, isLastTry: true, wasRejected: true}},
  ],
  menu,
  terms,
  'terms of a two-PIN card': twoPinTerms,
  progress: [...terms, {type: 'upgradeStarted', plan, progress: progress({isIndeterminate: true})}],
  done: [...menu, {type: 'completed', installed: newCertificates}],
  error: [
    ...menu,
    {type: 'failed', error: {code: 'service-refused', reason: 'card-not-received'}, canRetry: true},
  ],
};

const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

function show(
  events: EngineEvent[],
  size: {columns: number; rows: number},
  options: {language?: 'sv' | 'en'; isColor?: boolean; isUnicode?: boolean} = {},
) {
  const engine = new ScriptedEngine();
  engine.play(...events);
  const terminal = renderInTerminal(
    <App
      engine={engine}
      catalogue={catalogues[options.language ?? 'sv']}
      appearance={{isColor: options.isColor ?? true, isUnicode: options.isUnicode ?? true}}
      now={() => new Date('2026-03-01T12:00:00Z')}
      onExit={() => undefined}
    />,
    size.columns,
    size.rows,
  );
  unmounts.push(() => terminal.instance.unmount());
  return terminal;
}

/** The widest line, in columns (every character the screens use is one column wide). */
function widest(frame: string): number {
  return Math.max(...frame.split('\n').map((line) => [...line].length));
}

describe('the frame', () => {
  for (const language of ['sv', 'en'] as const) {
    for (const size of [
      {columns: 80, rows: 24},
      {columns: 100, rows: 30},
    ]) {
      it.each(Object.entries(SCREENS))(
        `fits %s in ${size.columns}x${size.rows} (${language}) with the ten steps visible`,
        async (_name, events) => {
          const terminal = show(events, size, {language});
          await vi.waitFor(() =>
            expect(terminal.lastFrame()).toContain(catalogues[language].steps[10].short),
          );
          const frame = terminal.lastFrame();
          expect(frame.split('\n').length).toBeLessThan(size.rows);
          expect(widest(frame)).toBeLessThanOrEqual(size.columns);
          for (const step of STEPS)
            expect(frame).toContain(`${String(step).padStart(2)} ${catalogues[language].steps[step].short}`);
        },
      );
    }
  }

  it('wraps the reminder of both PINs on the terms screen instead of cutting it off', async () => {
    for (const language of ['sv', 'en'] as const) {
      const terminal = show(twoPinTerms, {columns: 80, rows: 24}, {language});
      const words = catalogues[language].terms.haveYourPins;
      await vi.waitFor(() =>
        expect(terminal.lastFrame().replace(/[│\s]+/g, ' ')).toContain(words.replace(/\s+/g, ' ')),
      );
    }
  });

  it('draws the big warning in big letters at 80x24', async () => {
    const terminal = show(SCREENS['progress']!, {columns: 80, rows: 24});
    await vi.waitFor(() => expect(terminal.lastFrame()).toContain('▀▀█▀▀'));
  });

  it('asks for a larger window instead of the upgrade screen when the terminal is lower than 24 rows', async () => {
    const terminal = show(SCREENS['progress']!, {columns: 80, rows: 18});
    await vi.waitFor(() => expect(terminal.lastFrame().replace(/\s+/g, ' ')).toContain('(nu 80 × 18)'));
    expect(terminal.lastFrame()).not.toContain('▀▀█▀▀');
  });

  it('lays out again when the terminal is resized', async () => {
    const terminal = show(SCREENS['menu']!, {columns: 120, rows: 40});
    await vi.waitFor(() => expect(widest(terminal.lastFrame())).toBe(120));
    terminal.resize(80, 24);
    await vi.waitFor(() => expect(widest(terminal.lastFrame())).toBe(80));
    expect(terminal.lastFrame().split('\n').length).toBeLessThan(24);
    terminal.resize(100, 30);
    await vi.waitFor(() => expect(widest(terminal.lastFrame())).toBe(100));
  });

  it('uses ASCII only for lines and marks when Unicode is not available', async () => {
    for (const events of Object.values(SCREENS)) {
      const terminal = show(events, {columns: 80, rows: 24}, {isUnicode: false});
      await vi.waitFor(() => expect(terminal.lastFrame()).toContain('10 Klart'));
      expect(terminal.lastFrame()).not.toMatch(/[\u2500-\u259f✔▶○●✖❯⚠ℹ↑↓]/u);
      terminal.instance.unmount();
    }
  });

  it('sends no colour in monochrome (NO_COLOR), only bold, dim and inverse', async () => {
    const sgr = (frame: string) =>
      [...frame.matchAll(new RegExp(`${ESC}\\[([0-9;]*)m`, 'g'))].flatMap((match) => match[1]!.split(';'));
    const isColour = (code: string) => /^(3[0-8]|4[0-8]|9[0-7]|10[0-7])$/.test(code);
    const colour = show(SCREENS['progress']!, {columns: 80, rows: 24});
    await vi.waitFor(() => expect(sgr(colour.stdout.frames.join('')).some(isColour)).toBe(true));
    for (const events of Object.values(SCREENS)) {
      const mono = show(events, {columns: 80, rows: 24}, {isColor: false});
      await vi.waitFor(() =>
        expect(stripVTControlCharacters(mono.stdout.frames.at(-1) ?? '')).toContain('10 Klart'),
      );
      expect(sgr(mono.stdout.frames.join('')).filter(isColour)).toEqual([]);
      mono.instance.unmount();
    }
  });
});
