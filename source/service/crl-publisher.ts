import type {RevocationReason} from '../protocol/common.js';
import type {Authority} from './authorities.js';
import {signCrl} from './ca.js';
import type {ServiceContext} from './context.js';
import {appendAudit} from './store/audit-log.js';
import {revocationsOf} from './store/certificates.js';
import {findCrl, saveCrl, type CrlRecord} from './store/crls.js';
import {storeLocks, type StoreQueries, type StoreTransaction} from './store/store.js';

/** A revocation about to be written, to include in the CRL signed before the write. */
export interface PendingRevocation {
  readonly serial: string;
  readonly revokedAt: Date;
  readonly reason: RevocationReason;
}

/**
 * Signs the next CRL of `authority`: every revocation in the store plus `pending`, CRL number one above the last
 * published, valid `crlValidityDays`. Locks the authority in `tx` first (one CRL number per CRL, whichever instance
 * signs it); write it with `writeCrl` in the same transaction as the revocations.
 */
export async function prepareCrl(
  context: ServiceContext,
  tx: StoreTransaction,
  authority: Authority & {privateKey: NonNullable<Authority['privateKey']>},
  pending: readonly PendingRevocation[],
): Promise<CrlRecord> {
  await tx.lock(storeLocks.authority(authority.id));
  const thisUpdate = context.now();
  const nextUpdate = new Date(thisUpdate.getTime() + context.settings.crlValidityDays * 86_400_000);
  const stored = await revocationsOf(tx, authority.id);
  const pendingSerials = new Set(pending.map((revocation) => revocation.serial));
  const revoked = [...stored.filter((revocation) => !pendingSerials.has(revocation.serial)), ...pending];
  const number = ((await findCrl(tx, authority.id))?.number ?? 0) + 1;
  const der = await signCrl({issuer: authority, number, thisUpdate, nextUpdate, revoked});
  return {authority: authority.id, number, thisUpdate, nextUpdate, der};
}

/** Stores a prepared CRL and audits it. Call inside the transaction of the revocations it lists. */
export async function writeCrl(tx: StoreQueries, crl: CrlRecord): Promise<void> {
  await saveCrl(tx, crl);
  await appendAudit(tx, {
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
  const stored = await findCrl(context.store, authorityId);
  if (stored && stored.nextUpdate.getTime() > context.now().getTime()) return stored;
  const authority = context.authorities.get(authorityId);
  if (!authority?.privateKey) return undefined;
  const signing = {...authority, privateKey: authority.privateKey};
  return context.store.transaction(async (tx) => {
    await tx.lock(storeLocks.authority(authorityId));
    const again = await findCrl(tx, authorityId);
    if (again && again.nextUpdate.getTime() > context.now().getTime()) return again;
    const crl = await prepareCrl(context, tx, signing, []);
    await writeCrl(tx, crl);
    return crl;
  });
}
