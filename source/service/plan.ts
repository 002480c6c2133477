import type {Plan, PlanItem} from '../protocol/plan.js';
import {certificateView, isValidAt} from './certificate-view.js';
import type {PlanItemSettings} from './config.js';
import type {ServiceContext} from './context.js';
import {fullName, identityValue} from './directory.js';
import {RefusalError} from './errors.js';
import {requireReceivedCard, type AuthenticatedSession} from './sessions.js';
import {certificatesOfCard, type CertificateRecord} from './store/certificates.js';
import {currentTerms, hasAcceptedCurrentTerms} from './terms.js';

/** The id of a plan item: `<identity>-<purpose>`. */
export function planItemId(item: PlanItemSettings): string {
  return `${item.identity}-${item.purpose}`;
}

/** The configured plan of the session's card profile, in installation order. */
export function planOf(
  context: ServiceContext,
  session: Pick<AuthenticatedSession, 'cardProfile'>,
): readonly PlanItemSettings[] {
  return context.settings.plans[session.cardProfile];
}

/**
 * The item with this id in the plan of the session's card profile (an item of another profile's plan is not
 * one). Throws RefusalError 'plan-item-unknown'.
 */
export function findPlanItem(
  context: ServiceContext,
  session: Pick<AuthenticatedSession, 'cardProfile'>,
  itemId: string,
): PlanItemSettings {
  const item = planOf(context, session).find((candidate) => planItemId(candidate) === itemId);
  if (!item) {
    throw new RefusalError('plan-item-unknown', `the ${session.cardProfile} plan has no item ${itemId}`);
  }
  return item;
}

/** The valid service certificate of a plan item on this card, newest first, if any. */
export function issuedForItem(
  records: readonly CertificateRecord[],
  itemId: string,
  now: Date,
): CertificateRecord | undefined {
  return records
    .filter((record) => record.origin === 'service' && record.itemId === itemId && isValidAt(record, now))
    .at(-1);
}

/**
 * The card's earlier certificates that completion revokes: valid, seen on the card (at login, declared, or
 * reported installed), and not a plan item's current certificate.
 */
export function replacedCertificates(
  context: ServiceContext,
  session: AuthenticatedSession,
  records: readonly CertificateRecord[],
  now: Date,
): CertificateRecord[] {
  const current = new Set(
    planOf(context, session).flatMap((item) => issuedForItem(records, planItemId(item), now)?.id ?? []),
  );
  return records.filter(
    (record) => !current.has(record.id) && isValidAt(record, now) && record.installedAt !== undefined,
  );
}

/**
 * The upgrade plan for the session's card: the configured items of its card profile with the subject the directory gives and any
 * certificate already issued for them, and the earlier valid certificates completion will revoke.
 * Throws RefusalError 'card-not-received'.
 */
export async function buildPlan(context: ServiceContext, session: AuthenticatedSession): Promise<Plan> {
  requireReceivedCard(session);
  const now = context.now();
  const records = await certificatesOfCard(context.store, session.card.number);
  const items: PlanItem[] = planOf(context, session).map((item) => {
    const id = planItemId(item);
    const issued = issuedForItem(records, id, now);
    return {
      id,
      identity: item.identity,
      purpose: item.purpose,
      keyAlgorithm: item.keyAlgorithm,
      slot: item.slot,
      pinPolicy: item.pinPolicy,
      subject: {
        commonName: fullName(session.person),
        serialNumber: identityValue(session.person, item.identity),
      },
      ...(issued && {issued: certificateView(issued, now)}),
    };
  });
  return {
    card: {number: session.card.number, status: session.card.status},
    termsVersion: currentTerms(context).version,
    isTermsAccepted: await hasAcceptedCurrentTerms(context, session),
    items,
    replaces: replacedCertificates(context, session, records, now).map((record) =>
      certificateView(record, now),
    ),
  };
}
