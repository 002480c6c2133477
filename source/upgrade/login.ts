import {isIssuedUnder, type CertificateFacts, type TrustStore} from './certificate-facts.js';
import {engineErrorOf, UpgradeError} from './errors.js';
import {verifiesWith} from './key-proof.js';
import type {CardPort, PinSource, ServicePort, ServiceSession} from './ports.js';
import {slotName} from './state.js';

/** What logging in with the card needs (step 3); the PIN is verified and held before. */
export interface CardLogin {
  readonly card: CardPort;
  readonly service: ServicePort;
  readonly cardNumber: string;
  /** The certificates on the card, by slot, as last read. */
  readonly slots: ReadonlyMap<number, CertificateFacts>;
  readonly trust: TrustStore;
  readonly now: Date;
  readonly pinSource: PinSource;
  readonly log: (event: string, fields: Record<string, unknown>) => void;
}

/** A session opened with the certificate in `slot`. */
export interface CardSession {
  readonly session: ServiceSession;
  readonly slot: number;
  readonly certificate: CertificateFacts;
}

/**
 * The card's valid authentication certificates in the order login tries them (docs/architecture.md, invariant 1):
 * new credentials first (always accepted), 9A before the retired slots, then the old ones.
 */
export function loginCandidates(
  slots: ReadonlyMap<number, CertificateFacts>,
  trust: TrustStore,
  now: Date,
): [number, CertificateFacts][] {
  return [...slots]
    .filter(
      ([, facts]) => facts.purpose === 'authentication' && facts.notAfter > now && facts.notBefore <= now,
    )
    .sort(([slotA, a], [slotB, b]) => {
      const isNewA = isIssuedUnder(a, trust, now) ? 0 : 1;
      const isNewB = isIssuedUnder(b, trust, now) ? 0 : 1;
      return isNewA - isNewB || (slotA === 0x9a ? -1 : slotB === 0x9a ? 1 : slotA - slotB);
    });
}

/**
 * Logs in with the first candidate the service accepts: its challenge signed by the card, the signature checked
 * here first, so a slot whose key no longer matches its certificate (an interrupted replacement) is skipped.
 * Errors: no-login-credential, the service's refusal of the last candidate, and what the card or service throw.
 */
export async function logInWithCard(login: CardLogin): Promise<CardSession> {
  let lastError: unknown = new UpgradeError(
    {code: 'no-login-credential'},
    'no authentication certificate on the card',
  );
  for (const [slot, facts] of loginCandidates(login.slots, login.trust, login.now)) {
    const result = await tryCandidate(login, slot, facts);
    if ('session' in result) return {session: result.session, slot, certificate: facts};
    lastError = result.error;
  }
  throw lastError;
}

/** One candidate: the session, or why it could not log in (a refusal or a key that does not match). */
async function tryCandidate(
  login: CardLogin,
  slot: number,
  facts: CertificateFacts,
): Promise<{readonly session: ServiceSession} | {readonly error: unknown}> {
  const {card} = login;
  const challenge = await login.service.beginLogin({
    certificate: facts.der,
    cardNumber: login.cardNumber,
    cardProfile: card.profile,
  });
  const signer = card.signer(slot, facts.publicKey, login.pinSource);
  const signature = await card.exclusive(() => signer.sign(challenge.toBeSigned));
  if (!verifiesWith(facts.publicKey, signer.algorithm, challenge.toBeSigned, signature)) {
    // The key in this slot no longer matches its certificate (an interrupted replacement): try the next.
    login.log('loginCredentialSkipped', {slot: slotName(slot), serial: facts.serial});
    const message = `the key in ${slotName(slot)} does not match its certificate`;
    return {error: new UpgradeError({code: 'no-login-credential'}, message)};
  }
  try {
    return {session: await challenge.finish(signature)};
  } catch (error) {
    const engineError = engineErrorOf(error);
    if (engineError.code !== 'service-refused' && engineError.code !== 'login-certificate-revoked')
      throw error;
    login.log('loginRefused', {
      slot: slotName(slot),
      serial: facts.serial,
      reason: engineError.code === 'service-refused' ? engineError.reason : 'certificate-revoked',
    });
    return {error};
  }
}
