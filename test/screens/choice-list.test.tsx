import {ThemeProvider} from '@inkjs/ui';
import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it, vi} from 'vitest';
import {App} from '../../source/app.js';
import {ChoiceList} from '../../source/screens/choice-list.js';
import {CatalogueProvider} from '../../source/screens/i18n/catalogue-context.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {createTheme} from '../../source/screens/theme.js';
import type {EngineEvent, ServiceCertificateView} from '../../source/upgrade/state.js';
import {oldCard} from './fixtures.js';
import {ScriptedEngine} from './scripted-engine.js';
import {KEYS, renderInTerminal} from './terminal.js';

const t = catalogues.en;
const unmounts: (() => void)[] = [];
afterEach(() => {
  for (const unmount of unmounts.splice(0)) unmount();
});

/** Lets Ink attach its key handlers (effects) before the next key. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The numbers of the choices a frame shows, in order. */
function shownNumbers(frame: string): number[] {
  return [...frame.matchAll(/^\s*[❯>]?\s*(\d+)\. /gm)].map((match) => Number(match[1]));
}

describe('ChoiceList', () => {
  function renderList(count: number, maxRows?: number) {
    const chosen: number[] = [];
    const view = render(
      <ThemeProvider theme={createTheme({isColor: false, isUnicode: true})}>
        <CatalogueProvider catalogue={t}>
          <ChoiceList
            options={Array.from({length: count}, (_, index) => ({label: `Choice ${index + 1}`}))}
            maxRows={maxRows}
            onSubmit={(index) => chosen.push(index)}
          />
        </CatalogueProvider>
      </ThemeProvider>,
    );
    unmounts.push(() => view.unmount());
    return {view, chosen, frame: () => view.lastFrame() ?? ''};
  }

  it('shows every choice, and no "more" lines, when the list fits its rows', () => {
    const {frame} = renderList(5, 10);
    expect(shownNumbers(frame())).toEqual([1, 2, 3, 4, 5]);
    expect(frame()).not.toMatch(/more (above|below)/);
    expect(frame().split('\n')).toHaveLength(5);
  });

  it('shows 30 choices in 10 rows as a window that follows the focus, saying how many are above and below', async () => {
    const {view, chosen, frame} = renderList(30, 10);
    expect(shownNumbers(frame())).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(frame()).toContain(t.choiceList.moreBelow(22));
    expect(frame()).not.toContain('more above');
    expect(frame().split('\n')).toHaveLength(10);
    await settle();
    for (let step = 0; step < 15; step++) {
      view.stdin.write(KEYS.down);
      await settle();
    }
    await vi.waitFor(() => expect(frame()).toContain('❯ 16. Choice 16'));
    expect(shownNumbers(frame())).toEqual([13, 14, 15, 16, 17, 18, 19, 20]);
    expect(frame()).toContain(t.choiceList.moreAbove(12));
    expect(frame()).toContain(t.choiceList.moreBelow(10));
    expect(frame().split('\n')).toHaveLength(10);
    view.stdin.write(KEYS.up);
    await settle();
    view.stdin.write(KEYS.up);
    await settle();
    view.stdin.write(KEYS.up);
    await settle();
    await vi.waitFor(() => expect(frame()).toContain('❯ 13. Choice 13'));
    expect(shownNumbers(frame())).toContain(13);
    view.stdin.write(KEYS.enter);
    await vi.waitFor(() => expect(chosen).toEqual([12]));
  });

  it('wraps around: up from the first choice shows the last ones', async () => {
    const {view, frame} = renderList(30, 10);
    await settle();
    view.stdin.write(KEYS.up);
    await vi.waitFor(() => expect(frame()).toContain('❯ 30. Choice 30'));
    expect(shownNumbers(frame())).toEqual([23, 24, 25, 26, 27, 28, 29, 30]);
    expect(frame()).toContain(t.choiceList.moreAbove(22));
  });
});

describe('revoking among 30 certificates at 80x24', () => {
  const certificates: ServiceCertificateView[] = Array.from({length: 30}, (_, index) => ({
    serial: `5f3a9c0d7e21b4a6${index.toString(16).padStart(4, '0')}`,
    identityKind: index % 2 === 0 ? 'hsa-id' : 'personnummer',
    purpose: index % 4 < 2 ? 'authentication' : 'signature',
    status: 'valid',
    notAfter: new Date('2030-01-01T12:00:00Z'),
  }));
  const events: EngineEvent[] = [
    {type: 'started'},
    {type: 'cardReadStarted', readerName: oldCard.readerName},
    {type: 'cardRead', card: oldCard},
    {type: 'loggedIn', identity: {name: 'Anna Andersson', hsaId: 'SE2321000016-1003'}},
    {type: 'operationStarted', operation: 'revoke', activity: 'asking-service'},
    {type: 'certificatesOffered', certificates},
  ];

  it('fits the screen: heading, a window of whole choices with their serials, "more" lines and the footer', async () => {
    const engine = new ScriptedEngine();
    engine.play(...events);
    const terminal = renderInTerminal(
      <App
        engine={engine}
        catalogue={t}
        appearance={{isColor: false, isUnicode: true}}
        onExit={() => undefined}
      />,
      80,
      24,
    );
    unmounts.push(() => terminal.instance.unmount());
    const panel = () =>
      terminal
        .lastFrame()
        .split('\n')
        .map((line) => line.slice(line.indexOf('│') + 1));
    await vi.waitFor(() => expect(panel().join('\n')).toContain(t.results.chooseCertificate));
    const frame = terminal.lastFrame();
    expect(frame.split('\n').length).toBeLessThanOrEqual(24);
    expect(frame).toContain(t.keys.back.label);
    const numbers = shownNumbers(panel().join('\n'));
    expect(numbers[0]).toBe(1);
    expect(numbers).toEqual(Array.from({length: numbers.length}, (_, index) => index + 1));
    expect(numbers.length).toBeGreaterThanOrEqual(5);
    expect(panel().join('\n')).toContain(t.choiceList.moreBelow(30 - numbers.length));
    for (const number of numbers) expect(panel().join(' ')).toContain(certificates[number - 1]!.serial);

    await settle();
    for (let step = 0; step < 20; step++) {
      terminal.type(KEYS.down);
      await settle();
    }
    await vi.waitFor(() => expect(panel().join('\n')).toMatch(/❯ 21\. /));
    const moved = shownNumbers(panel().join('\n'));
    expect(moved).toContain(21);
    expect(moved).toEqual(Array.from({length: moved.length}, (_, index) => moved[0]! + index));
    expect(panel().join('\n')).toContain(t.choiceList.moreAbove(moved[0]! - 1));
    expect(terminal.lastFrame()).toContain(t.keys.back.label);
    terminal.type(KEYS.enter);
    await vi.waitFor(() =>
      expect(engine.commands).toEqual([{name: 'chooseCertificate', argument: certificates[20]!.serial}]),
    );
  });
});
