import {isIssuedUnder, toCertificateView, type CertificateFacts} from '../certificate-facts.js';
import {UpgradeError} from '../errors.js';
import {proveKey} from '../key-proof.js';
import type {PinRole} from '../ports.js';
import {slotName} from '../state.js';
import type {OperationContext} from './context.js';

/**
 * Test e-id: the card signs a random challenge with its authentication key, and on a card with two PINs with its
 * signature key too (after the signature PIN); each signature must verify with its certificate.
 */
export async function testEid(context: OperationContext): Promise<void> {
  const {card} = context;
  await context.verifiedPin();
  const now = new Date(context.deps.clock.now());
  const authentication = testCandidate(context, 'authentication', now);
  if (authentication === undefined)
    throw new UpgradeError({code: 'no-login-credential'}, 'no authentication certificate on the card');
  const signature = card.pinCount === 2 ? testCandidate(context, 'signature', now) : undefined;
  if (signature !== undefined) await context.verifiedPin('signature');
  context.emit({type: 'operationStarted', operation: 'test-eid', activity: 'testing-signature'});
  const authenticationResult = await tested(context, authentication, now);
  const signatureResult = signature === undefined ? undefined : await tested(context, signature, now);
  context.clearPins();
  context.emit({
    type: 'operationCompleted',
    result: {
      type: 'e-id-tested',
      ...authenticationResult,
      ...(signatureResult === undefined ? {} : {signature: signatureResult}),
    },
  });
}

/** The card signs a random challenge with the key in `slot`; the signature must verify with its certificate. */
async function tested(context: OperationContext, [slot, facts]: [number, CertificateFacts], now: Date) {
  const {card} = context;
  const isProven = await card.exclusive(() =>
    proveKey(card, slot, facts.publicKey, context.pinSource, context.deps.random.bytes(32)),
  );
  if (!isProven)
    throw new UpgradeError(
      {code: 'card-error'},
      `the key in ${slotName(slot)} does not match its certificate`,
    );
  const isTrusted =
    isIssuedUnder(facts, context.trust, now) && facts.notBefore <= now && facts.notAfter > now;
  context.log('eIdTested', {slot: slotName(slot), serial: facts.serial, isTrusted});
  return {certificate: toCertificateView(facts, slot, isTrusted), isTrusted};
}

/** The certificate of `purpose` to test: new ones first, then 9A (PIV's authentication slot) before others. */
function testCandidate(
  context: OperationContext,
  purpose: PinRole,
  now: Date,
): [number, CertificateFacts] | undefined {
  const candidates = [...context.slots].filter(([, facts]) => facts.purpose === purpose);
  candidates.sort(([slotA, a], [slotB, b]) => {
    const order = (slot: number, facts: CertificateFacts) =>
      (isIssuedUnder(facts, context.trust, now) ? 0 : 2) + (slot === 0x9a ? 0 : 1);
    return order(slotA, a) - order(slotB, b);
  });
  return candidates[0];
}
