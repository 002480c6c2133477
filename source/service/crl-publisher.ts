import type {RevocationReason} from '../protocol/common.js';
import type {Authority} from './authorities.js';
import {signCrl} from './ca.js';
import type {ServiceContext} from './context.js';
import {appendAudit} from './store/audit-log.js';
import {revokedCertificatesOf} from './store/certificates.js';
import {findCrl, saveCrl, type CrlRecord} from './store/crls.js';

/** A revocation about to be written, to include in the CRL signed before the write. */
export interface PendingRevocation {
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

/**
 * Signs the next CRL of `authority`: every revocation in the store plus `pending`, CRL number one above the last
 * published, valid `crlValidityDays`. Run inside the write queue, then write it with `writeCrl` in the same
 * transaction as the revocations.
 */
export async function prepareCrl(
  context: ServiceContext,
  authority: Authority & {privateKey: NonNullable<Authority['privateKey']>},
  pending: readonly PendingRevocation[],
): Promise<CrlRecord> {
  const thisUpdate = context.now();
  const nextUpdate = new Date(thisUpdate.getTime() + context.settings.crlValidityDays * 86_400_000);
  const stored = revokedCertificatesOf(context.db, authority.id).map((record) => ({
    serial: record.serial,
    revokedAt: record.revokedAt!,
    reason: record.revocationReason ?? 'unspecified',
  }));
  const pendingSerials = new Set(pending.map((revocation) => revocation.serial));
  const revoked = [...stored.filter((revocation) => !pendingSerials.has(revocation.serial)), ...pending];
  const number = (findCrl(context.db, authority.id)?.number ?? 0) + 1;
  const der = await signCrl({issuer: authority, number, thisUpdate, nextUpdate, revoked});
  return {authority: authority.id, number, thisUpdate, nextUpdate, der};
}

/** Stores a prepared CRL and audits it. Call inside the transaction of the revocations it lists. */
export function writeCrl(context: ServiceContext, crl: CrlRecord): void {
  saveCrl(context.db, crl);
  appendAudit(context.db, {
    at: crl.thisUpdate,
    actor: 'service',
    cardNumber: undefined,
    action: 'crl-published',
    detail: {authority: crl.authority, number: crl.number},
  });
}

/**
 * The authority's current CRL, publishing a fresh one first when none exists or the last one is past its
 * nextUpdate. Returns undefined for an authority that cannot sign.
 */
export async function currentCrl(
  context: ServiceContext,
  authorityId: string,
): Promise<CrlRecord | undefined> {
  const stored = findCrl(context.db, authorityId);
  if (stored && stored.nextUpdate.getTime() > context.now().getTime()) return stored;
  return context.writes.run(async () => {
    const authority = context.authorities.get(authorityId);
    if (!authority?.privateKey) return undefined;
    const again = findCrl(context.db, authorityId);
    if (again && again.nextUpdate.getTime() > context.now().getTime()) return again;
    const crl = await prepareCrl(context, {...authority, privateKey: authority.privateKey}, []);
    context.db.transaction(() => writeCrl(context, crl))();
    return crl;
  });
}
