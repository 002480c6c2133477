import {X509Certificate} from 'node:crypto';
import {existsSync, mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterAll, beforeAll, expect, it, vi} from 'vitest';
import {decodeTlvs, findTlv} from '../../source/apdu/tlv.js';
import {objectIdForSlot, Slot} from '../../source/card/piv/constants.js';
import {loadCardState} from '../../source/card/virtual/state-file.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {buildBundle, type TestBundle} from './support/bundle.js';
import {describeWithTmux, TmuxTerminal} from './support/tmux-terminal.js';

const ROOT = resolve(import.meta.dirname, '../..');
const t = catalogues.sv;
/** The PIV certificate object's certificate tag (SP 800-73-4 Part 1, table 10). */
const TAG_CERTIFICATE = 0x70;

/** The environment of the program in the terminal: Swedish, UTF-8, nothing of the user's own settings. */
function programEnvironment(directory: string): Record<string, string> {
  return {
    LANG: 'sv_SE.UTF-8',
    TERM: 'xterm-256color',
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: directory,
    SITHS_UPGRADE_CONFIG_DIR: join(directory, 'config'),
    XDG_STATE_HOME: join(directory, 'state'),
    SITHS_UPGRADE_DEMO_CARD: join(directory, 'card.json'),
  };
}

/** The certificates on the card by slot, read from the virtual card's saved state. */
function certificatesOnCard(stateFile: string): Map<string, X509Certificate> {
  const state = loadCardState(stateFile);
  const found = new Map<string, X509Certificate>();
  for (const [name, slot] of Object.entries({
    '9A': Slot.Authentication,
    '9C': Slot.Signature,
    '82': Slot.Retired1,
    '83': Slot.Retired2,
  })) {
    const object = state.objects.get(objectIdForSlot(slot));
    const certificate = object === undefined ? undefined : findTlv(decodeTlvs(object), TAG_CERTIFICATE);
    if (certificate !== undefined) found.set(name, new X509Certificate(certificate));
  }
  return found;
}

describeWithTmux('the demo in a real terminal', () => {
  let directory: string;
  let terminal: TmuxTerminal | undefined;
  let bundle: TestBundle | undefined;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'siths-tui-e2e-'));
    bundle = buildBundle();
  }, 120_000);

  afterAll(() => {
    terminal?.kill();
    bundle?.remove();
    rmSync(directory, {recursive: true, force: true});
  });

  it('upgrades the card when a person types the keys, shows the result and leaves the terminal as it was', async () => {
    terminal = new TmuxTerminal({
      command: `${process.execPath} ${bundle!.cli} --demo --card piv`,
      columns: 100,
      rows: 30,
      cwd: ROOT,
      env: programEnvironment(directory),
    });

    // 1: what you need, and the demo PIN.
    await terminal!.waitFor(
      10_000,
      t.welcome.heading,
      t.welcome.demoPin('123456'),
      `1 ${t.steps[1].short}`,
      `10 ${t.steps[10].short}`,
    );
    expect(terminal.isAlternateScreen()).toBe(true);
    terminal.press('Enter');

    // 2-3: the card is read; its old certificates are shown.
    await terminal!.waitFor(
      30_000,
      t.overview.holder,
      'Anna Andersson',
      t.overview.verdicts['needs-upgrade'],
      t.overview.isOld,
    );
    terminal.press('Enter');
    await terminal!.waitFor(10_000, t.pin.prompts.login, t.pin.onePin);
    terminal.type('123456');
    await terminal!.waitFor(5_000, '●●●●●●');
    expect(terminal.screen()).not.toContain('123456');
    terminal.press('Enter');

    // 4: the menu; Upgrade card is first.
    await terminal!.waitFor(20_000, t.menu.heading, `1. ${t.menu.operations.upgrade}`);
    terminal.press('Enter');

    // 5: the terms; START DOWNLOAD only once ticked.
    await terminal!.waitFor(20_000, t.terms.accept, t.terms.startDownload);
    terminal.press('Enter');
    await terminal!.waitFor(5_000, t.terms.tickFirst);
    terminal.press('Space');
    await terminal!.waitFor(5_000, '[✔]');
    terminal.press('Enter');

    // 6-9: progress with the big warning; the layout follows the terminal when it shrinks to 80x24.
    const progress = await terminal!.waitFor(20_000, t.progress.elapsed('0:0'), '▀▀█▀▀');
    expect(progress).toMatch(/\d+ %/);
    terminal.resize(80, 24);
    await vi.waitFor(
      () => {
        const lines = terminal!.screen().split('\n');
        expect(lines[1]).toMatch(/^─{80}$/);
        expect(
          lines.some(
            (line) =>
              line.startsWith(`○ 10 ${t.steps[10].short}`) || line.includes(`10 ${t.steps[10].short}`),
          ),
        ).toBe(true);
        expect(lines.filter((line) => /[█▀▄]{3}/.test(line)).length).toBeGreaterThanOrEqual(6);
        expect(lines.some((line) => line.includes(`Esc ${t.keys['cancel-upgrade'].label}`))).toBe(true);
        expect(Math.max(...lines.map((line) => [...line].length))).toBeLessThanOrEqual(80);
      },
      {timeout: 10_000, interval: 100},
    );
    terminal.resize(100, 30);

    // 10: done.
    const done = await terminal!.waitFor(
      120_000,
      t.done.heading.slice(0, 30),
      t.done.removeCard,
      `10 ${t.steps[10].short}`,
    );
    for (const slot of ['82', '83', '9A', '9C'])
      expect(done).toMatch(new RegExp(`${slot} +(Legitimering|Underskrift)`));
    expect(done).toContain(t.header.cardStatus.done);

    // The card holds the new credentials in the canonical slots, from the new issuers, and no old certificate.
    const onCard = certificatesOnCard(join(directory, 'card.json'));
    expect([...onCard.keys()].sort()).toEqual(['82', '83', '9A', '9C']);
    for (const certificate of onCard.values()) {
      expect(certificate.issuer).toMatch(/SITHS Demo e-id (HSA-id|Personnummer) CA v2/);
      expect(certificate.issuer).not.toContain('(old)');
    }
    expect(onCard.get('9A')!.subject).toContain('SE2321000016-1001');
    expect(onCard.get('82')!.subject).toContain('191212121212');
    expect(loadCardState(join(directory, 'card.json')).pin.remainingRetries).toBe(3);

    // q quits: the program ends with 0 and the terminal is back on its normal screen.
    terminal.press('q');
    await vi.waitFor(() => expect(terminal!.exitStatus()).toBe(0), {timeout: 10_000});
    expect(terminal.isAlternateScreen()).toBe(false);
    expect(existsSync(join(directory, 'state', 'siths-upgrade', 'support-log.jsonl'))).toBe(true);
  }, 240_000);
});
