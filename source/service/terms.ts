import type {TermsAcceptance, TermsView} from '../protocol/terms.js';
import type {TermsVersion} from './config.js';
import type {ServiceContext} from './context.js';
import {RefusalError} from './errors.js';
import type {AuthenticatedSession} from './sessions.js';
import type {StoreQueries} from './store/store.js';
import {appendAudit} from './store/audit-log.js';
import {findTermsAcceptance, insertTermsAcceptance} from './store/terms-acceptances.js';

/** The current terms: the last version in the terms file. */
export function currentTerms(context: ServiceContext): TermsVersion {
  const current = context.settings.terms.at(-1);
  if (!current) throw new Error('unreachable: the terms file has at least one version (parseTerms)');
  return current;
}

export function termsView(terms: TermsVersion): TermsView {
  return {
    version: terms.version,
    publishedAt: terms.publishedAt.toISOString(),
    text: {sv: terms.sv, en: terms.en},
  };
}

/** True when the person accepted the current version. */
export async function hasAcceptedCurrentTerms(
  context: ServiceContext,
  session: AuthenticatedSession,
  db: StoreQueries = context.store,
): Promise<boolean> {
  return (await findTermsAcceptance(db, session.person.hsaId, currentTerms(context).version)) !== undefined;
}

/**
 * Records that the session's person accepted `version` of the terms, with the time; accepting again returns the
 * first acceptance (also when two instances record it at once: the one the store kept is audited and answered).
 * Throws RefusalError 'terms-version-outdated' when `version` is not the current one.
 */
export async function acceptTerms(
  context: ServiceContext,
  session: AuthenticatedSession,
  version: string,
): Promise<TermsAcceptance> {
  const current = currentTerms(context);
  if (version !== current.version) {
    throw new RefusalError(
      'terms-version-outdated',
      `the current terms are version ${current.version}; read them again`,
    );
  }
  const hsaId = session.person.hsaId;
  const earlier = await findTermsAcceptance(context.store, hsaId, version);
  if (earlier) return {version, acceptedAt: earlier.acceptedAt.toISOString()};
  const now = context.now();
  const acceptedAt = await context.store.transaction(async (tx) => {
    const acceptance = {hsaId, cardNumber: session.card.number, version, acceptedAt: now};
    if (!(await insertTermsAcceptance(tx, acceptance))) {
      return (await findTermsAcceptance(tx, hsaId, version))!.acceptedAt;
    }
    await appendAudit(tx, {
      at: now,
      actor: hsaId,
      cardNumber: session.card.number,
      action: 'terms-accepted',
      detail: {version},
    });
    return now;
  });
  return {version, acceptedAt: acceptedAt.toISOString()};
}
