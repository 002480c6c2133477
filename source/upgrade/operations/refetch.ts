import {
  checkIssuedCertificate,
  describeCertificate,
  keysEqual,
  toCertificateView,
} from '../certificate-facts.js';
import {proveKey} from '../key-proof.js';
import type {ServicePlanItem, ServiceSession} from '../ports.js';
import {slotName, type CertificateView} from '../state.js';
import type {OperationContext} from './context.js';

/** One certificate the service offers to fetch again, as `ServiceSession.refetch` gives it. */
type RefetchEntry = Awaited<ReturnType<ServiceSession['refetch']>>[number];

/**
 * Re-fetch: the certificates the service issued for the keys on the card are written again, each checked as an
 * upgrade checks it (docs/architecture.md, invariant 5) and only where the slot's key is the certificate's.
 */
export async function refetchCertificates(context: OperationContext): Promise<void> {
  const {card} = context;
  const session = await context.logIn('refetch');
  context.emit({type: 'operationStarted', operation: 'refetch', activity: 'asking-service'});
  const entries = await session.refetch();
  const plan = await session.plan();
  context.emit({type: 'activityChanged', activity: 'authenticating-card'});
  await card.authenticateManagementKey?.(session.managementKeyRelay());
  await context.verifiedPin();
  const installed: CertificateView[] = [];
  const now = new Date(context.deps.clock.now());
  for (const entry of entries) {
    const item = plan.items.find(
      (candidate) => candidate.slot === entry.slot && candidate.id === entry.certificate.itemId,
    );
    if (item === undefined) continue;
    const view = await refetched(context, session, entry, item, now);
    if (view !== undefined) installed.push(view);
  }
  context.clearPins();
  await context.readCard('cardRefreshed');
  context.emit({
    type: 'operationCompleted',
    result: {type: 'certificates-refetched', certificates: installed},
  });
}

/** Writes one certificate again when the slot holds its key; undefined when it does not. */
async function refetched(
  context: OperationContext,
  session: ServiceSession,
  entry: RefetchEntry,
  item: ServicePlanItem,
  now: Date,
): Promise<CertificateView | undefined> {
  const {card} = context;
  const facts = describeCertificate(entry.certificate.certificate);
  context.emit({type: 'activityChanged', activity: 'checking-certificate'});
  // The slot's key must be the certificate's: read it, or prove it with a signature.
  const slotKey = await card.exclusive(() => card.readPublicKey(entry.slot));
  const holdsKey =
    slotKey !== undefined
      ? keysEqual(slotKey, facts.publicKey)
      : await card.exclusive(() =>
          proveKey(card, entry.slot, facts.publicKey, context.pinSource, context.deps.random.bytes(32)),
        );
  if (!holdsKey) return undefined;
  const checked = checkIssuedCertificate(entry, {
    publicKey: facts.publicKey,
    item,
    identity: session.identity,
    trust: context.trust,
    now,
  });
  context.emit({type: 'activityChanged', activity: 'writing-certificate'});
  await card.exclusive(() => card.writeCertificate(entry.slot, checked.der));
  context.log('certificateRefetched', {slot: slotName(entry.slot), serial: checked.serial});
  return toCertificateView(checked, entry.slot, true);
}
