import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest';
import {renderReport} from '../../source/cli/report-output.js';
import type {DirectoryPerson} from '../../source/service/config.js';
import {buildCampaignReport, readCampaignReport, type CampaignReport} from '../../source/service/report.js';
import {catalogues} from '../../source/screens/i18n/language.js';
import {
  base64,
  certificateRequest,
  createDemoFixture,
  demoPerson,
  generateCardKey,
  logInReady,
  pivIssuanceBody,
  StandInCard,
  startTestService,
  storeSnapshot,
  TestClock,
  type DemoFixture,
} from './service-harness.js';

const person = (
  hsaId: string,
  organisation: string,
  cards: DirectoryPerson['cards'],
  [givenName, surname] = ['Test', hsaId.slice(-4)],
): DirectoryPerson => ({hsaId, personnummer: '191212121212', givenName, surname, organisation, cards});

describe('buildCampaignReport', () => {
  const persons = [
    person('SE2321000016-2001', 'Region B', [
      {number: 'B1', status: 'received'},
      {number: 'B2', status: 'ordered'},
    ]),
    person('SE2321000016-2002', 'Region A', [{number: 'A1', status: 'received'}], ['Åsa', 'Öberg']),
    person('SE2321000016-2003', 'Region A', [{number: 'A2', status: 'suspended'}], ['Bo', 'Berg']),
    person('SE2321000016-2004', 'Region A', [{number: 'A3', status: 'received'}], ['Cia', 'Ceder']),
  ];

  it('counts per organisation the cards, the received, the upgraded and the still old ones', () => {
    const report = buildCampaignReport(persons, {
      // A2 was upgraded before it was suspended: upgraded, not upgradeable, not still old.
      completions: [
        {cardNumber: 'A2', firstCompletedAt: '2026-03-01T09:00:00.000Z'},
        {cardNumber: 'B1', firstCompletedAt: '2026-03-02T23:59:59.999Z'},
      ],
      refusals: [],
    });
    expect(report.organisations).toEqual([
      {organisation: 'Region A', cards: 3, upgradeable: 2, upgraded: 1, stillOld: 2},
      {organisation: 'Region B', cards: 2, upgradeable: 1, upgraded: 1, stillOld: 0},
    ]);
    expect(report.notUpgraded).toEqual([
      {hsaId: 'SE2321000016-2004', name: 'Cia Ceder', organisation: 'Region A', cardNumber: 'A3'},
      {hsaId: 'SE2321000016-2002', name: 'Åsa Öberg', organisation: 'Region A', cardNumber: 'A1'},
    ]);
  });

  it('counts each card once, on the UTC day of its first completion, directory or not', () => {
    const report = buildCampaignReport(persons, {
      completions: [
        {cardNumber: 'gone', firstCompletedAt: '2026-03-02T10:00:00.000Z'},
        {cardNumber: 'B1', firstCompletedAt: '2026-03-02T23:59:59.999Z'},
        {cardNumber: 'A1', firstCompletedAt: '2026-03-01T00:00:00.000Z'},
      ],
      refusals: [],
    });
    expect(report.days).toEqual([
      {day: '2026-03-01', upgraded: 1},
      {day: '2026-03-02', upgraded: 2},
    ]);
  });

  it('sums the refusals over the days, most frequent first, and keeps them per day', () => {
    const byDay = [
      {day: '2026-03-01', code: 'signature-invalid', count: 2},
      {day: '2026-03-01', code: 'too-many-attempts', count: 1},
      {day: '2026-03-02', code: 'too-many-attempts', count: 4},
    ];
    const report = buildCampaignReport([], {completions: [], refusals: byDay});
    expect(report.refusals).toEqual({
      byCode: [
        {code: 'too-many-attempts', count: 5},
        {code: 'signature-invalid', count: 2},
      ],
      byDay,
    });
  });
});

describe('readCampaignReport, from the store of a running service', () => {
  let fixture: DemoFixture;
  let harness: Awaited<ReturnType<typeof startTestService>>;
  const clock = new TestClock();
  const today = clock.now().toISOString().slice(0, 10);
  beforeAll(async () => {
    fixture = await createDemoFixture({keyAlgorithm: 'ecc-p256'});
    harness = await startTestService(fixture, {clock});
  });
  afterAll(async () => {
    await harness?.close();
    await fixture?.cleanup();
  });

  /** Anna's whole upgrade over HTTPS: login, terms, every plan item issued, completion. */
  async function upgradeAnna(): Promise<void> {
    const card = await StandInCard.create(fixture, demoPerson('Anna'));
    const token = await logInReady(harness.call, card);
    const plan = await harness.call('GET', '/v1/plan', {token});
    const installed: string[] = [];
    for (const item of plan.body.items as {id: string}[]) {
      const request = await certificateRequest(generateCardKey('ecc-p256'));
      const issued = await harness.call('POST', '/v1/certificates', {
        token,
        body: await pivIssuanceBody(fixture, item.id, request),
      });
      installed.push(issued.body.certificate.serial);
    }
    const completion = await harness.call('POST', '/v1/completion', {token, body: {installed}});
    expect(completion.status).toBe(200);
  }

  const report = () => readCampaignReport({store: harness.storeLocation, persons: fixture.settings.persons});

  it('shows the upgraded card, the cards still old, the day and the refusal, and reads without writing', async () => {
    await upgradeAnna();
    const refused = await harness.call('POST', '/v1/login', {
      body: {challengeId: 'x'.repeat(32), signature: base64(new Uint8Array(64))},
    });
    expect(refused.body.error).toBe('challenge-unknown');
    // The service counts a refusal beside its answer, not before it.
    await vi.waitFor(async () => expect((await report()).refusals.byCode).toHaveLength(1));

    const before = await storeSnapshot(harness.storeLocation);
    const read = await report();
    expect(await storeSnapshot(harness.storeLocation)).toEqual(before);
    expect(read.organisations).toEqual([
      // Anna and Bo received their cards, Cecilia's is ordered, Eva's suspended.
      {organisation: 'Region Demo', cards: 4, upgradeable: 2, upgraded: 1, stillOld: 1},
      {organisation: 'Region Demo IT', cards: 1, upgradeable: 1, upgraded: 0, stillOld: 1},
    ]);
    expect(read.days).toEqual([{day: today, upgraded: 1}]);
    expect(read.refusals).toEqual({
      byCode: [{code: 'challenge-unknown', count: 1}],
      byDay: [{day: today, code: 'challenge-unknown', count: 1}],
    });
    expect(read.notUpgraded.map((card) => [card.name, card.cardNumber])).toEqual([
      ['Bo Berg', demoPerson('Bo').cards[0]!.number],
      ['Daniel Dahl', demoPerson('Daniel').cards[0]!.number],
    ]);
    expectRenderings(read);
  });

  /** The three renderings of the report carry its figures. */
  function expectRenderings(read: CampaignReport): void {
    const labels = catalogues.en.cli.report;
    expect(JSON.parse(renderReport(read, 'json', labels))).toEqual(read);
    const csv = renderReport(read, 'csv', labels).split('\r\n');
    expect(csv).toContain('Region Demo,4,2,1,1');
    expect(csv).toContain(`${today},1`);
    expect(csv).toContain('challenge-unknown,1');
    expect(csv).toContain(`SE2321000016-1002,Bo Berg,Region Demo,${demoPerson('Bo').cards[0]!.number}`);
    const table = renderReport(read, 'table', labels).split('\n');
    expect(table).toContain('Region Demo         4         2         1          1');
    expect(table).toContain(`${today}         1`);
    expect(table).toContain('challenge-unknown      1');
    expect(table.some((line) => /^SE2321000016-1004 +Daniel Dahl +Region Demo IT +\d+$/.test(line))).toBe(
      true,
    );
  }
});
