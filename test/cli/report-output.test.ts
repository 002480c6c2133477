import {describe, expect, it} from 'vitest';
import {csvField, renderReport} from '../../source/cli/report-output.js';
import type {CampaignReport} from '../../source/service/report.js';
import {catalogues} from '../../source/screens/i18n/language.js';

const report: CampaignReport = {
  organisations: [
    {organisation: 'Region Öst', cards: 12, upgradeable: 10, upgraded: 7, stillOld: 3},
    {organisation: 'Vård, "Syd"', cards: 3, upgradeable: 3, upgraded: 0, stillOld: 3},
  ],
  days: [
    {day: '2026-03-01', upgraded: 5},
    {day: '2026-03-02', upgraded: 2},
  ],
  refusals: {
    byCode: [{code: 'signature-invalid', count: 3}],
    byDay: [{day: '2026-03-01', code: 'signature-invalid', count: 3}],
  },
  notUpgraded: [
    {
      hsaId: 'SE2321000016-1002',
      name: 'Åsa Öberg',
      organisation: 'Vård, "Syd"',
      cardNumber: '97522700000002',
    },
  ],
};

describe('renderReport', () => {
  it('writes a table of aligned columns, numbers to the right, a total under several organisations', () => {
    expect(renderReport(report, 'table', catalogues.en.cli.report)).toBe(
      [
        'Cards per organisation',
        'Organisation  Cards  Received  Upgraded  Still old',
        'Region Öst       12        10         7          3',
        'Vård, "Syd"       3         3         0          3',
        'Total            15        13         7          6',
        '',
        'Cards upgraded per day (UTC)',
        'Day         Upgraded',
        '2026-03-01         5',
        '2026-03-02         2',
        '',
        'Refused requests by code',
        'Code               Count',
        'signature-invalid      3',
        '',
        'Refused requests per day (UTC)',
        'Day         Code               Count',
        '2026-03-01  signature-invalid      3',
        '',
        'Received cards not yet upgraded',
        'HSA-id             Name       Organisation  Card number',
        'SE2321000016-1002  Åsa Öberg  Vård, "Syd"   97522700000002',
        '',
      ].join('\n'),
    );
  });

  it('heads the table in the catalogue’s language, and says so of a part without rows', () => {
    const empty: CampaignReport = {
      organisations: [report.organisations[0]!],
      days: [],
      refusals: {byCode: [], byDay: []},
      notUpgraded: [],
    };
    expect(renderReport(empty, 'table', catalogues.sv.cli.report)).toBe(
      [
        'Kort per organisation',
        'Organisation  Kort  Mottagna  Uppgraderade  Kvar gamla',
        'Region Öst      12        10             7           3',
        '',
        'Uppgraderade kort per dag (UTC)',
        '(inga)',
        '',
        'Avvisade anrop per felkod',
        '(inga)',
        '',
        'Avvisade anrop per dag (UTC)',
        '(inga)',
        '',
        'Mottagna kort som inte är uppgraderade',
        '(inga)',
        '',
      ].join('\n'),
    );
  });

  it('writes one JSON document of the four parts', () => {
    const json = renderReport(report, 'json', catalogues.sv.cli.report);
    expect(json.endsWith('}\n')).toBe(true);
    expect(JSON.parse(json)).toEqual(report);
  });

  it('writes CSV sections named as the JSON’s parts, quoted as RFC 4180 says, lines ending in CRLF', () => {
    expect(renderReport(report, 'csv', catalogues.sv.cli.report)).toBe(
      [
        'organisations',
        'organisation,cards,upgradeable,upgraded,stillOld',
        'Region Öst,12,10,7,3',
        '"Vård, ""Syd""",3,3,0,3',
        '',
        'days',
        'day,upgraded',
        '2026-03-01,5',
        '2026-03-02,2',
        '',
        'refusalsByCode',
        'code,count',
        'signature-invalid,3',
        '',
        'refusalsByDay',
        'day,code,count',
        '2026-03-01,signature-invalid,3',
        '',
        'notUpgraded',
        'hsaId,name,organisation,cardNumber',
        'SE2321000016-1002,Åsa Öberg,"Vård, ""Syd""",97522700000002',
        '',
      ].join('\r\n'),
    );
  });
});

describe('csvField', () => {
  it.each([
    ['plain', 'plain'],
    [7, '7'],
    ['', ''],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rlf', '"cr\rlf"'],
    [' spaced ', ' spaced '],
  ])('writes %j as %j', (value, field) => {
    expect(csvField(value)).toBe(field);
  });
});
