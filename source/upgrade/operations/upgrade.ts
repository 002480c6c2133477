import {UpgradeError} from '../errors.js';
import {KeyPreparation, type PreparedKey} from '../key-preparation.js';
import type {ServicePlan, ServiceSession} from '../ports.js';
import {Step} from '../state.js';
import {initialProgress, planItemView, runUpgrade} from '../upgrade-run.js';
import type {OperationContext} from './context.js';

/**
 * Upgrade card (steps 4 to 10 of docs/architecture.md, "The ten steps"): the plan fetched and checked, the terms
 * accepted, the run (upgrade-run.ts), then the card read again for the summary.
 */
export async function upgradeCard(context: OperationContext): Promise<void> {
  const {card} = context;
  const session = await context.logIn('upgrade');
  context.emit({type: 'operationStarted', operation: 'upgrade', activity: 'asking-service'});
  const plan = await session.plan();
  checkPlan(plan, session);
  const prepared = await acceptedTerms(context, session, plan);
  const installed = await runUpgrade({
    card,
    session,
    plan,
    trust: context.trust,
    clock: context.deps.clock,
    log: context.deps.log,
    timings: context.timings,
    pinProvider: context.pinSource,
    random: (length) => context.deps.random.bytes(length),
    emit: (event) => context.emit(event),
    signal: context.signal,
    prepared,
  });
  context.clearPins();
  // Completion revoked the card's earlier certificates: a session one of them opened has ended.
  if (!installed.some((certificate) => certificate.serial === context.sessionCertificateSerial))
    context.endSession();
  // Step 10: the card as it is now, for the summary.
  context.emit({type: 'stepStarted', step: Step.Done});
  await context.readCard('cardRefreshed');
  context.emit({type: 'completed', installed});
}

/** The plan must be for this card and person, and put each item in its own slot (invariant 5). */
export function checkPlan(plan: ServicePlan, session: ServiceSession): void {
  const slots = new Set(plan.items.map((item) => item.slot));
  if (slots.size !== plan.items.length || plan.cardNumber !== session.identity.card.number) {
    throw new UpgradeError({code: 'answer-rejected', check: 'plan'}, 'the plan does not fit this card');
  }
}

/**
 * Step 5: the terms shown and accepted, unless accepted before (a resumed upgrade: a warning instead). While they
 * are shown the card generates the keys of the plan's free slots (key-preparation.ts); declined, those keys are
 * destroyed. The PIN the upgrade needs (and a two-PIN card's signature PIN) is asked, and checked on the card,
 * after the terms and before the progress screen, never in the middle of it: a card reset since the login makes
 * the card forget it. Returns the keys generated ahead of time, by slot.
 */
async function acceptedTerms(
  context: OperationContext,
  session: ServiceSession,
  plan: ServicePlan,
): Promise<ReadonlyMap<number, PreparedKey>> {
  const {card} = context;
  const views = plan.items.map(planItemView);
  const terms = plan.isTermsAccepted ? undefined : await session.terms();
  let prepared: ReadonlyMap<number, PreparedKey> = new Map();
  if (terms === undefined) {
    // Accepted before (an interrupted upgrade being finished), or nothing left but checks and completion.
    const warning = context.cardRead?.isUpgraded === true ? 'card-already-upgraded' : 'resuming-upgrade';
    context.emit({type: 'warningRaised', warning: {code: warning}});
  } else {
    const language = context.deps.language;
    context.emit({
      type: 'termsPresented',
      terms: {version: terms.version, language, text: terms.text[language]},
      plan: views,
    });
    const preparation = new KeyPreparation({card, session, plan, log: context.deps.log, emit: context.emit});
    try {
      await context.ask<void>('terms');
    } catch (error) {
      // Declined: the keys go. The program closing (the signal aborted): they stay, and the exit waits only for
      // the key being generated (the card is then free for the PIN logout as the card is closed).
      const isClosing = context.signal.aborted;
      if (preparation.hasWork && !isClosing)
        context.emit({type: 'operationStarted', operation: 'upgrade', activity: 'destroying-key'});
      await preparation.discard(isClosing);
      throw error;
    }
    // The key the card is generating is finished first: nothing else may use the card meanwhile.
    if (preparation.isBusy)
      context.emit({type: 'operationStarted', operation: 'upgrade', activity: 'generating-key'});
    prepared = await preparation.finish();
    if (context.signal.aborted) throw new UpgradeError({code: 'cancelled'}, 'cancelled by the user');
    await session.acceptTerms(terms.version);
    // Accepted first: after the engine's recovery from a reset the upgrade goes on without the terms again.
    preparation.throwIfCardReset();
  }
  await context.verifiedPin();
  if (card.pinCount === 2 && plan.items.some((item) => item.purpose === 'signature')) {
    await context.verifiedPin('signature');
  }
  const progress = initialProgress(plan, card, context.timings, context.deps.clock.now(), prepared);
  context.emit({type: 'upgradeStarted', plan: views, progress});
  return prepared;
}
