import type {Catalogue} from '../screens/i18n/catalogue.js';
import type {CampaignReport} from '../service/report.js';

/** How `serve report` writes the report: a table for people (default), --json or --csv for scripts. */
export type ReportFormat = 'table' | 'json' | 'csv';

export type ReportLabels = Catalogue['cli']['report'];

/** The report as `format` writes it, ending in a line break. Pure. The table's headings are `labels`'. */
export function renderReport(report: CampaignReport, format: ReportFormat, labels: ReportLabels): string {
  switch (format) {
    case 'table':
      return reportTable(report, labels);
    case 'json':
      return `${JSON.stringify(report, null, 2)}\n`;
    case 'csv':
      return reportCsv(report);
  }
}

interface Column {
  readonly heading: string;
  readonly isNumeric?: boolean;
}

/**
 * A titled section of aligned columns (two spaces apart; numbers to the right), or the title and `none` when it
 * has no rows. Widths count code points, so that å, ä and ö take one column.
 */
function section(
  title: string,
  columns: readonly Column[],
  rows: readonly (readonly (string | number)[])[],
  none: string,
): string[] {
  if (rows.length === 0) return [title, none];
  const cells = [columns.map((column) => column.heading), ...rows.map((row) => row.map(String))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => [...line[index]!].length)));
  const lines = cells.map((line) =>
    line
      .map((cell, index) => {
        const padding = ' '.repeat(widths[index]! - [...cell].length);
        return columns[index]!.isNumeric ? padding + cell : cell + padding;
      })
      .join('  ')
      .trimEnd(),
  );
  return [title, ...lines];
}

/** The plain-text table: one section per part, a total under the organisations. */
function reportTable(report: CampaignReport, t: ReportLabels): string {
  const {organisations, days, refusals, notUpgraded} = report;
  const total = (key: 'cards' | 'upgradeable' | 'upgraded' | 'stillOld') =>
    organisations.reduce((sum, row) => sum + row[key], 0);
  const organisationRows = organisations.map((row) => [
    row.organisation,
    row.cards,
    row.upgradeable,
    row.upgraded,
    row.stillOld,
  ]);
  const totalRow = [t.total, total('cards'), total('upgradeable'), total('upgraded'), total('stillOld')];
  const count = {heading: t.count, isNumeric: true};
  const sections = [
    section(
      t.organisations,
      [
        {heading: t.organisation},
        {heading: t.cards, isNumeric: true},
        {heading: t.upgradeable, isNumeric: true},
        {heading: t.upgraded, isNumeric: true},
        {heading: t.stillOld, isNumeric: true},
      ],
      // One organisation is its own total.
      organisationRows.length > 1 ? [...organisationRows, totalRow] : organisationRows,
      t.none,
    ),
    section(
      t.upgradesPerDay,
      [{heading: t.day}, {heading: t.upgraded, isNumeric: true}],
      days.map((row) => [row.day, row.upgraded]),
      t.none,
    ),
    section(
      t.refusalsByCode,
      [{heading: t.code}, count],
      refusals.byCode.map((row) => [row.code, row.count]),
      t.none,
    ),
    section(
      t.refusalsPerDay,
      [{heading: t.day}, {heading: t.code}, count],
      refusals.byDay.map((row) => [row.day, row.code, row.count]),
      t.none,
    ),
    section(
      t.notUpgraded,
      [{heading: t.hsaId}, {heading: t.name}, {heading: t.organisation}, {heading: t.cardNumber}],
      notUpgraded.map((row) => [row.hsaId, row.name, row.organisation, row.cardNumber]),
      t.none,
    ),
  ];
  return `${sections.map((lines) => lines.join('\n')).join('\n\n')}\n`;
}

/** One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a comma, a quote or a line break. */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV: one section per part, in the order and with the names of the JSON's keys (organisations, days,
 * refusalsByCode, refusalsByDay, notUpgraded). A section is a line naming it, a header line of the JSON's field
 * names, then its rows; an empty line ends it. Lines end in CRLF (RFC 4180).
 */
function reportCsv(report: CampaignReport): string {
  const part = (name: string, header: readonly string[], rows: readonly (readonly (string | number)[])[]) =>
    [[name], header, ...rows].map((record) => record.map(csvField).join(',')).join('\r\n');
  const parts = [
    part(
      'organisations',
      ['organisation', 'cards', 'upgradeable', 'upgraded', 'stillOld'],
      report.organisations.map((row) => [
        row.organisation,
        row.cards,
        row.upgradeable,
        row.upgraded,
        row.stillOld,
      ]),
    ),
    part(
      'days',
      ['day', 'upgraded'],
      report.days.map((row) => [row.day, row.upgraded]),
    ),
    part(
      'refusalsByCode',
      ['code', 'count'],
      report.refusals.byCode.map((row) => [row.code, row.count]),
    ),
    part(
      'refusalsByDay',
      ['day', 'code', 'count'],
      report.refusals.byDay.map((row) => [row.day, row.code, row.count]),
    ),
    part(
      'notUpgraded',
      ['hsaId', 'name', 'organisation', 'cardNumber'],
      report.notUpgraded.map((row) => [row.hsaId, row.name, row.organisation, row.cardNumber]),
    ),
  ];
  return `${parts.join('\r\n\r\n')}\r\n`;
}
