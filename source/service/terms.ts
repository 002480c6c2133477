import type {TermsAcceptance, TermsView} from '../protocol/terms.js';
import type {TermsVersion} from './config.js';
import type {ServiceContext} from './context.js';
import {RefusalError} from './errors.js';
import type {AuthenticatedSession} from './sessions.js';
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
export function hasAcceptedCurrentTerms(context: ServiceContext, session: AuthenticatedSession): boolean {
  return findTermsAcceptance(context.db, session.person.hsaId, currentTerms(context).version) !== undefined;
}

/**
 * Records that the session's person accepted `version` of the terms, with the time; accepting again returns the
 * first acceptance. Throws RefusalError 'terms-version-outdated' when `version` is not the current one.
 */
export function acceptTerms(
  context: ServiceContext,
  session: AuthenticatedSession,
  version: string,
): TermsAcceptance {
  const current = currentTerms(context);
  if (version !== current.version) {
    throw new RefusalError(
      'terms-version-outdated',
      `the current terms are version ${current.version}; read them again`,
    );
  }
  const {db} = context;
  const hsaId = session.person.hsaId;
  const earlier = findTermsAcceptance(db, hsaId, version);
  if (earlier) return {version, acceptedAt: earlier.acceptedAt.toISOString()};
  const now = context.now();
  db.transaction(() => {
    insertTermsAcceptance(db, {hsaId, cardNumber: session.card.number, version, acceptedAt: now});
    appendAudit(db, {
      at: now,
      actor: hsaId,
      cardNumber: session.card.number,
      action: 'terms-accepted',
      detail: {version},
    });
  })();
  return {version, acceptedAt: now.toISOString()};
}
