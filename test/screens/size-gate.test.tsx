import {afterEach, describe, expect, it, vi} from 'vitest';
import {App, type ExitReason} from '../../source/app.js';
import type {Language} from '../../source/screens/i18n/catalogue.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {wrappedLineCount} from '../../source/screens/size-gate.js';
import type {EngineEvent} from '../../source/upgrade/state.js';
import {oldCard, plan, termsText} from './fixtures.js';
import {ScriptedEngine} from './scripted-engine.js';
import {KEYS, renderInTerminal} from './terminal.js';

const identity = {name: 'Anna Andersson', hsaId: 'SE2321000016-1003'};
const ready: EngineEvent[] = [
  {type: 'started'},
  {type: 'cardReadStarted', readerName: oldCard.readerName},
  {type: 'cardRead', card: oldCard},
];
const pinEntry: EngineEvent[] = [
  ...ready,
  {type: 'pinRequested', request: {reason: 'login', triesLeft: 3, isLastTry: false, wasRejected: false}},
];
const terms: EngineEvent[] = [
  ...ready,
  {type: 'loggedIn', identity},
  {type: 'termsPresented', terms: {version: '2026-1', language: 'sv', text: termsText}, plan},
];

const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

/** Lets pending effects run (Ink attaches key handlers in effects) before the next key. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

function show(events: EngineEvent[], columns: number, rows: number, language: Language = 'sv') {
  const engine = new ScriptedEngine();
  engine.play(...events);
  const exits: ExitReason[] = [];
  const terminal = renderInTerminal(
    <App
      engine={engine}
      catalogue={catalogues[language]}
      appearance={{isColor: false, isUnicode: true}}
      now={() => new Date('2026-03-01T12:00:00Z')}
      onExit={(reason) => exits.push(reason)}
    />,
    columns,
    rows,
  );
  unmounts.push(() => terminal.instance.unmount());
  /** The frame as one line of text (the message wraps). */
  const text = () => terminal.lastFrame().replace(/\s+/g, ' ');
  const press = async (...keys: string[]) => {
    for (const key of keys) {
      terminal.type(key);
      await settle();
    }
  };
  const resize = async (newColumns: number, newRows: number) => {
    terminal.resize(newColumns, newRows);
    await settle();
  };
  return {t: catalogues[language], engine, exits, terminal, text, press, resize};
}

const MESSAGES = {
  sv: 'Fönstret är för litet: gör det minst 80 × 24 tecken (nu 40 × 10).',
  en: 'The window is too small: make it at least 80 × 24 characters (now 40 × 10).',
} as const;

describe('a terminal smaller than 80x24', () => {
  for (const language of ['sv', 'en'] as const) {
    it(`shows only the message with the sizes, wrapped to fit 40x10 (${language})`, async () => {
      const {t, terminal, text} = show(pinEntry, 40, 10, language);
      await vi.waitFor(() => expect(text()).toContain(MESSAGES[language]));
      const lines = terminal.lastFrame().split('\n');
      expect(lines.length).toBeLessThan(10);
      expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(40);
      expect(text()).not.toContain(t.pin.prompts.login);
      expect(text()).not.toContain(t.steps[10].short);
    });
  }

  it('keeps the message inside a tiny terminal from its first line, never more rows than it has', async () => {
    const {terminal, text} = show(pinEntry, 20, 4);
    await vi.waitFor(() => expect(text()).toContain('Fönstret är för litet: gör det minst'));
    const lines = terminal.lastFrame().split('\n');
    expect(lines.length).toBeLessThan(4);
    expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(20);
  });

  it('shows the message when only the rows or only the columns are too few', async () => {
    const low = show(pinEntry, 120, 23);
    await vi.waitFor(() => expect(low.text()).toContain('(nu 120 × 23)'));
    const narrow = show(pinEntry, 79, 40);
    await vi.waitFor(() => expect(narrow.text()).toContain('(nu 79 × 40)'));
  });

  it('keeps a half-typed PIN while small, ignores the keys typed then, and brings the screen back', async () => {
    const {t, engine, terminal, text, press, resize} = show(pinEntry, 100, 30);
    await vi.waitFor(() => expect(text()).toContain(t.pin.prompts.login));
    await settle();
    await press('1', '2');
    await vi.waitFor(() => expect(text()).toContain('●●'));
    await resize(40, 10);
    await vi.waitFor(() => expect(text()).toContain('(nu 40 × 10)'));
    await press('9', KEYS.backspace, KEYS.backspace, KEYS.enter, KEYS.escape);
    expect(engine.commands).toEqual([]);
    await resize(100, 30);
    await vi.waitFor(() => expect(text()).toContain(t.pin.prompts.login));
    expect(text()).toContain(`${t.pin.prompts.login}: ●●▁`);
    expect(text()).not.toContain('●●●');
    expect(terminal.lastFrame()).not.toMatch(/12|129/);
    await press('3', '4', '5', '6', KEYS.enter);
    expect(engine.commands).toEqual([{name: 'submitPin', argument: '123456'}]);
  });

  it('keeps the ticked terms, and Enter does not start the download while the terms are hidden', async () => {
    const {t, engine, text, press, resize} = show(terms, 100, 30);
    await vi.waitFor(() => expect(text()).toContain(t.terms.accept));
    await settle();
    await press(KEYS.space);
    await vi.waitFor(() => expect(text()).toContain(`[✔] ${t.terms.accept}`));
    await resize(60, 20);
    await vi.waitFor(() => expect(text()).toContain('(nu 60 × 20)'));
    await press(KEYS.enter, KEYS.space);
    expect(engine.commands).toEqual([]);
    await resize(80, 24);
    await vi.waitFor(() => expect(text()).toContain(`[✔] ${t.terms.accept}`));
    await press(KEYS.enter);
    expect(engine.names()).toEqual(['acceptTerms']);
  });

  it('still quits with q and Ctrl+C while the message shows', async () => {
    const {exits, text, press} = show(ready, 40, 10);
    await vi.waitFor(() => expect(text()).toContain('(nu 40 × 10)'));
    await settle();
    await press('q', KEYS.ctrlC);
    expect(exits).toEqual(['quit', 'interrupted']);
  });
});

describe('wrappedLineCount', () => {
  it.each([
    ['one line that fits', 'ab cd', 5, 1],
    ['a word moved to the next line', 'ab cd', 4, 2],
    ['a word longer than the width broken', 'abcdefgh ij', 3, 4],
    ['each word on its own line', 'ab cd ef', 2, 3],
  ])('counts %s', (_name, text, width, lines) => {
    expect(wrappedLineCount(text, width)).toBe(lines);
  });
});
