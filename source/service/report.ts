import type {DirectoryPerson, ServiceSettings} from './config.js';
import {ServiceSetupError} from './errors.js';
import {openStore} from './store/open-store.js';
import {
  readReportRows,
  type FirstCompletionRow,
  type RefusalCountRow,
  type ReportRows,
} from './store/report-queries.js';

/** One organisation's cards in the directory and how many of them are upgraded. */
export interface OrganisationProgress {
  readonly organisation: string;
  /** Every card of the organisation's persons in the directory, whatever its status. */
  readonly cards: number;
  /** Cards with status "received": the ones the service upgrades. */
  readonly upgradeable: number;
  /** Cards with at least one completion, whatever their status now. */
  readonly upgraded: number;
  /** Received cards without a completion. */
  readonly stillOld: number;
}

/** Cards first upgraded on one UTC day (YYYY-MM-DD). */
export interface DayProgress {
  readonly day: string;
  readonly upgraded: number;
}

export interface RefusalTotal {
  readonly code: string;
  readonly count: number;
}

/** A received card without a completion, and whose it is. */
export interface CardNotUpgraded {
  readonly hsaId: string;
  /** Given name and surname. */
  readonly name: string;
  readonly organisation: string;
  readonly cardNumber: string;
}

/** How far the upgrade campaign is (`siths-upgrade serve report`). */
export interface CampaignReport {
  /** By organisation name. */
  readonly organisations: readonly OrganisationProgress[];
  /** Days with at least one card first upgraded, oldest first. */
  readonly days: readonly DayProgress[];
  readonly refusals: {
    /** Summed over the days, most frequent first. */
    readonly byCode: readonly RefusalTotal[];
    /** As counted: per UTC day and code, oldest first. */
    readonly byDay: readonly RefusalCountRow[];
  };
  /** By organisation, then surname and given name. */
  readonly notUpgraded: readonly CardNotUpgraded[];
}

const byText = (a: string, b: string) => a.localeCompare(b, 'sv');

/**
 * The campaign report from the directory and the store's rows. Pure. Per organisation only the directory's cards
 * count; the days count every card first completed that day, in the directory or not (any more).
 */
export function buildCampaignReport(persons: readonly DirectoryPerson[], rows: ReportRows): CampaignReport {
  const upgraded = new Set(rows.completions.map((completion) => completion.cardNumber));
  return {
    organisations: organisationProgress(persons, upgraded),
    days: upgradesPerDay(rows.completions),
    refusals: {byCode: refusalTotals(rows.refusals), byDay: rows.refusals},
    notUpgraded: cardsNotUpgraded(persons, upgraded),
  };
}

function organisationProgress(
  persons: readonly DirectoryPerson[],
  upgraded: ReadonlySet<string>,
): OrganisationProgress[] {
  const progress = new Map<
    string,
    {cards: number; upgradeable: number; upgraded: number; stillOld: number}
  >();
  for (const person of persons) {
    let counts = progress.get(person.organisation);
    if (counts === undefined) {
      progress.set(person.organisation, (counts = {cards: 0, upgradeable: 0, upgraded: 0, stillOld: 0}));
    }
    for (const card of person.cards) {
      const isUpgraded = upgraded.has(card.number);
      counts.cards += 1;
      if (card.status === 'received') counts.upgradeable += 1;
      if (isUpgraded) counts.upgraded += 1;
      if (card.status === 'received' && !isUpgraded) counts.stillOld += 1;
    }
  }
  return [...progress]
    .map(([organisation, counts]) => ({organisation, ...counts}))
    .sort((a, b) => byText(a.organisation, b.organisation));
}

function upgradesPerDay(completions: readonly FirstCompletionRow[]): DayProgress[] {
  const perDay = new Map<string, number>();
  for (const {firstCompletedAt} of completions) {
    // ISO 8601 UTC: the first ten characters are the UTC day.
    const day = firstCompletedAt.slice(0, 10);
    perDay.set(day, (perDay.get(day) ?? 0) + 1);
  }
  return [...perDay]
    .map(([day, upgraded]) => ({day, upgraded}))
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

function refusalTotals(refusals: readonly RefusalCountRow[]): RefusalTotal[] {
  const totals = new Map<string, number>();
  for (const {code, count} of refusals) totals.set(code, (totals.get(code) ?? 0) + count);
  return [...totals]
    .map(([code, count]) => ({code, count}))
    .sort((a, b) => b.count - a.count || byText(a.code, b.code));
}

function cardsNotUpgraded(
  persons: readonly DirectoryPerson[],
  upgraded: ReadonlySet<string>,
): CardNotUpgraded[] {
  const sorted = [...persons].sort(
    (a, b) =>
      byText(a.organisation, b.organisation) ||
      byText(a.surname, b.surname) ||
      byText(a.givenName, b.givenName),
  );
  return sorted.flatMap((person) =>
    person.cards
      .filter((card) => card.status === 'received' && !upgraded.has(card.number))
      .map((card) => ({
        hsaId: person.hsaId,
        name: `${person.givenName} ${person.surname}`,
        organisation: person.organisation,
        cardNumber: card.number,
      })),
  );
}

/**
 * Reads the campaign report from the store the settings name, for their directory: opens it (which applies any
 * pending migration, as an instance starting would), only SELECTs, and closes it. Running instances go on
 * undisturbed. Throws ServiceSetupError 'store-failed' when the store cannot be opened or read.
 */
export async function readCampaignReport(
  settings: Pick<ServiceSettings, 'store' | 'storePassword' | 'persons'>,
): Promise<CampaignReport> {
  const store = await openStore(settings.store, {password: settings.storePassword});
  try {
    return buildCampaignReport(settings.persons, await readReportRows(store));
  } catch (error) {
    throw new ServiceSetupError('store-failed', `cannot read the store at ${store.location}`, {cause: error});
  } finally {
    await store.close();
  }
}
