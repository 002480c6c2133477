import {buildCertificateRequest} from '../pki/csr.js';
import {
  checkIssuedCertificate,
  describeCertificate,
  keysEqual,
  toCertificateView,
  type CertificateFacts,
  type TrustStore,
} from './certificate-facts.js';
import {proveKey} from './key-proof.js';
import {generateAttestedKey, type PreparedKey} from './key-preparation.js';
import {UpgradeError} from './errors.js';
import type {
  CardPort,
  Clock,
  IssuedCertificate,
  Log,
  PinSource,
  ServicePlan,
  ServicePlanItem,
  ServiceSession,
} from './ports.js';
import {ProgressEstimator, type CardTimings, type PlannedTask} from './progress-estimator.js';
import {
  Step,
  type Activity,
  type CertificateView,
  type EngineEvent,
  type PlanItemView,
  type Progress,
  slotName,
} from './state.js';

/** What one upgrade run needs. */
export interface UpgradeRunContext {
  readonly card: CardPort;
  readonly session: ServiceSession;
  readonly plan: ServicePlan;
  readonly trust: TrustStore;
  readonly clock: Clock;
  readonly log: Log;
  readonly timings: CardTimings;
  /** The held PINs, for keys that need theirs before each use. */
  readonly pinProvider: PinSource;
  readonly random: (length: number) => Uint8Array;
  readonly emit: (event: EngineEvent) => void;
  /** Aborted by cancel(): the run stops before its next card step. */
  readonly signal: AbortSignal;
  /** Keys the card generated while the terms were read, by slot (used when the slot still holds them). */
  readonly prepared?: ReadonlyMap<number, PreparedKey>;
}

/** Where an item stands, read from the card and the service (never from a local journal). */
export type ItemStatus =
  /** The slot holds this item's certificate; still to be verified (read back + test signature). */
  | {readonly kind: 'on-card'; readonly certificate: CertificateFacts}
  /** The service issued a certificate for the key now in the slot; it is not on the card yet. */
  | {readonly kind: 'issued'; readonly issued: IssuedCertificate; readonly publicKey: Uint8Array}
  /** A new key is needed (none yet, or the key in the slot has no certificate). */
  | {readonly kind: 'needs-key'}
  /** Installed and verified. */
  | {readonly kind: 'verified'; readonly certificate: CertificateFacts};

/** A slot as read at the start: its certificate, and its public key when the card tells. */
export interface SlotState {
  readonly certificate?: CertificateFacts;
  readonly publicKey?: Uint8Array;
}

/** A request with the service for a key generated in this run. */
export interface PendingRequest {
  /** The generated key's public key (SPKI DER). */
  readonly publicKey: Uint8Array;
  /** Resolves (never rejects) once the answer is in. */
  readonly settled: Promise<void>;
  answer?: {readonly issued: IssuedCertificate} | {readonly error: unknown};
}

export interface ItemRun {
  readonly item: ServicePlanItem;
  readonly view: PlanItemView;
  status: ItemStatus;
  /** The slot holds a credential that is live now (certificate and key match, valid): replace it only later. */
  isLive: boolean;
  /** A key was generated and its request is with the service. */
  pending?: PendingRequest;
  /** The key generated in the slot while the terms were read, still there: the request is signed with it. */
  prepared?: PreparedKey;
}

/** Viewed for the screens: which certificate, where, which key. */
export function planItemView(item: ServicePlanItem): PlanItemView {
  return {
    identityKind: item.identity,
    purpose: item.purpose,
    slot: item.slot,
    slotName: slotName(item.slot),
    keyAlgorithm: item.keyAlgorithm,
  };
}

/** Everything a plan may take on `card`, for the estimate before anything was measured. */
function plannedTasks(
  plan: ServicePlan,
  card: CardPort,
  prepared: ReadonlyMap<number, PreparedKey> = new Map(),
): PlannedTask[] {
  return [
    ...(card.authenticateManagementKey ? [{kind: 'authenticate-card'} as const] : []),
    {kind: 'read-card'},
    {kind: 'declare-certificates'},
    ...plan.items.flatMap((item) => fullItemTasks(item, prepared.has(item.slot))),
    {kind: 'complete'},
  ];
}

/** The progress shown when the download starts (step 6): nothing done, the whole estimate left. */
export function initialProgress(
  plan: ServicePlan,
  card: CardPort,
  timings: CardTimings,
  now: number,
  prepared?: ReadonlyMap<number, PreparedKey>,
): Progress {
  return progressOf(
    new ProgressEstimator(plannedTasks(plan, card, prepared), timings, now),
    now,
    'authenticating-card',
  );
}

/**
 * Runs steps 6 to 10 of an upgrade, resuming whatever an earlier run left (docs/architecture.md, "Safety
 * invariants of the upgrade"):
 * - reads where each plan item stands from the card and the service's plan (issued certificates);
 * - before it writes anything, declares the person's certificates on the card to the service, so completion revokes
 *   each one it replaces even when the run that overwrote it never finishes;
 * - installs items whose slot holds no live credential first (the personnummer pair in free retired slots), so
 *   they become working credentials; a slot's new key is generated only once every item of the same purpose in
 *   a free slot is installed and verified (read back, public key equal, test signature verified);
 * - pipelines: while the service answers one request, the card generates the next key;
 * - checks every answer before it is written (chain to the configured trust anchors, public key, subject,
 *   validity);
 * - then deletes the other certificates the service says completion revokes, destroys their keys, and reports
 *   completion.
 * Holds the card exclusively per card step only, never across a network call.
 * Returns the installed certificates. Throws UpgradeError ('answer-rejected', 'cancelled', ...), TransportError,
 * the card layer's errors and ServiceError.
 */
export async function runUpgrade(context: UpgradeRunContext): Promise<readonly CertificateView[]> {
  const progress = new RunProgress(context);
  await unlockCard(context, progress);
  const onCard = await readSlots(context, progress);
  const replaced = await declareCertificates(context, progress, onCard);
  const runs = await surveyItems(context, onCard);
  estimateUnusedPreparedKeys(context, progress, runs);
  refuseUnreplacedLiveCredentials(runs);
  await installAll(context, progress, runs);
  await deleteOldCertificates(context, progress, onCard, replaced);
  return complete(context, progress, runs);
}

/**
 * The progress of one run: the estimate, the step shown, the item being worked on; `task` times one card or
 * service task, checking for cancel() first.
 */
export class RunProgress {
  readonly #context: UpgradeRunContext;
  readonly estimator: ProgressEstimator;
  #step = Step.DownloadStarted;
  /** What is shown as being done, told again while a task runs. */
  #activity: Activity = 'authenticating-card';
  /** The item being worked on, for 'awaiting-certificate'. */
  current: PlanItemView | undefined;

  constructor(context: UpgradeRunContext) {
    this.#context = context;
    this.estimator = new ProgressEstimator(
      plannedTasks(context.plan, context.card, context.prepared),
      context.timings,
      context.clock.now(),
    );
  }

  report(activity: Activity, item?: PlanItemView): void {
    this.#activity = activity;
    this.current = item;
    const {clock, emit} = this.#context;
    emit({type: 'progressed', progress: progressOf(this.estimator, clock.now(), activity, this.current)});
  }

  /** Shows step `to` when it is past the one shown. */
  advance(to: Step): void {
    if (to <= this.#step) return;
    this.#step = to;
    this.#context.emit({type: 'stepStarted', step: to});
  }

  checkCancelled(): void {
    if (this.#context.signal.aborted) throw new UpgradeError({code: 'cancelled'}, 'cancelled by the user');
  }

  async task<T>(
    planned: PlannedTask,
    activity: Activity,
    item: PlanItemView | undefined,
    work: () => Promise<T>,
  ): Promise<T> {
    const {clock} = this.#context;
    this.checkCancelled();
    this.estimator.begin(planned, clock.now());
    this.report(activity, item);
    const result = await withTicker(work(), clock, () => this.report(this.#activity, this.current));
    this.estimator.end(clock.now());
    return result;
  }
}

/**
 * Step 6: the card lets us write (a PIV card: its management key through the service; a SITHS card: the
 * authentication PIN, verified at login).
 */
export async function unlockCard(context: UpgradeRunContext, progress: RunProgress): Promise<void> {
  const {card, session} = context;
  const {authenticateManagementKey} = card;
  if (authenticateManagementKey === undefined) return;
  await progress.task({kind: 'authenticate-card'}, 'authenticating-card', undefined, () =>
    authenticateManagementKey.call(card, session.managementKeyRelay()),
  );
}

/** Step 6: where things stand on the card: each slot's certificate, and the public key of each plan slot. */
export async function readSlots(
  context: UpgradeRunContext,
  progress: RunProgress,
): Promise<ReadonlyMap<number, SlotState>> {
  const {card, plan} = context;
  return progress.task({kind: 'read-card'}, 'reading-card', undefined, () =>
    card.exclusive(async () => {
      const slots = new Map<number, SlotState>();
      for (const {slot, certificate} of await card.readCertificates()) {
        try {
          slots.set(slot, {certificate: describeCertificate(certificate)});
        } catch (error) {
          // Not a certificate we can read: not a credential either.
          context.log.write({event: 'certificateUnreadable', slot: slotName(slot), error});
        }
      }
      for (const item of plan.items) {
        slots.set(item.slot, {...slots.get(item.slot), publicKey: await card.readPublicKey(item.slot)});
      }
      return slots;
    }),
  );
}

/**
 * Step 6, before the first write: the service learns every certificate of the person on the card that the upgrade
 * replaces, so completion revokes it even when this run overwrites it and never finishes (invariant 3). Returns
 * the certificates the service says completion revokes.
 */
export async function declareCertificates(
  context: UpgradeRunContext,
  progress: RunProgress,
  onCard: ReadonlyMap<number, SlotState>,
): Promise<readonly {readonly serial: string}[]> {
  const {session, plan} = context;
  const currentSerials = new Set(plan.items.flatMap((item) => item.issued?.serial ?? []));
  const {person} = session.identity;
  const declared = [...onCard.values()].flatMap(({certificate}) =>
    certificate !== undefined &&
    (certificate.hsaId === person.hsaId || certificate.personnummer === person.personnummer) &&
    !currentSerials.has(certificate.serial)
      ? [certificate.der]
      : [],
  );
  const replaced = await progress.task({kind: 'declare-certificates'}, 'asking-service', undefined, () =>
    session.declareCertificates(declared),
  );
  context.log.write({event: 'certificatesDeclared', count: declared.length, replaced: replaced.length});
  return replaced;
}

/** Step 6: where each plan item stands (ItemStatus) and whether its slot holds a live credential. */
export async function surveyItems(
  context: UpgradeRunContext,
  onCard: ReadonlyMap<number, SlotState>,
): Promise<ItemRun[]> {
  const {session, plan, clock, emit} = context;
  // Certificates issued but not on the card: their chains come with the re-fetch.
  const isIssuedElsewhere = (item: ServicePlanItem) =>
    item.issued !== undefined && onCard.get(item.slot)?.certificate?.serial !== item.issued.serial;
  const issuedWithChains = plan.items.some(isIssuedElsewhere) ? await session.refetch() : [];
  const runs: ItemRun[] = [];
  for (const item of plan.items) {
    const slot = onCard.get(item.slot) ?? {};
    const status = await statusOf(context, item, slot, issuedWithChains);
    const {certificate, publicKey} = slot;
    // A live credential: a valid certificate that is not this item's, whose key is (as far as we can tell) there.
    const isLive =
      status.kind !== 'on-card' &&
      certificate !== undefined &&
      certificate.notAfter.getTime() > clock.now() &&
      (publicKey === undefined || keysEqual(publicKey, certificate.publicKey));
    // A key generated ahead of time is used only where the card shows it is still the slot's.
    const prepared = context.prepared?.get(item.slot);
    const isPrepared =
      status.kind === 'needs-key' &&
      prepared !== undefined &&
      publicKey !== undefined &&
      keysEqual(publicKey, prepared.publicKey);
    runs.push({item, view: planItemView(item), status, isLive, ...(isPrepared && {prepared})});
  }
  if (runs.some((run) => run.status.kind !== 'needs-key')) {
    emit({type: 'warningRaised', warning: {code: 'resuming-upgrade'}});
  }
  context.log.write({
    event: 'upgradeSurveyed',
    items: runs.map((run) => ({
      item: run.item.id,
      slot: slotName(run.item.slot),
      status: run.status.kind,
      isLive: run.isLive,
      isPrepared: run.prepared !== undefined,
    })),
  });
  return runs;
}

/** A key prepared on the terms that the survey did not take is generated again: the estimate counts it back. */
export function estimateUnusedPreparedKeys(
  context: UpgradeRunContext,
  progress: RunProgress,
  runs: readonly ItemRun[],
) {
  for (const {item, prepared, status} of runs) {
    if (context.prepared?.has(item.slot) === true && prepared === undefined && status.kind === 'needs-key')
      progress.estimator.add([{kind: 'generate-key', algorithm: item.keyAlgorithm}]);
  }
}

/** Items in a slot that holds a live credential wait for every item of the same purpose in a free slot. */
function blockers(runs: readonly ItemRun[], run: ItemRun): ItemRun[] {
  return run.isLive
    ? runs.filter((other) => other !== run && !other.isLive && other.item.purpose === run.item.purpose)
    : [];
}

/** A plan that would overwrite a live credential with no replacement is refused before anything is written (invariant 1). */
export function refuseUnreplacedLiveCredentials(runs: readonly ItemRun[]): void {
  for (const run of runs) {
    if (run.isLive && run.status.kind === 'needs-key' && blockers(runs, run).length === 0) {
      throw new UpgradeError(
        {code: 'answer-rejected', check: 'plan'},
        `plan item ${run.item.id} would overwrite the live credential in ${slotName(run.item.slot)} with no replacement`,
      );
    }
  }
}

/**
 * Step 7: a key pair generated on the card (unless it was while the terms were read), a request signed by it and
 * sent to the service (not awaited).
 */
export async function generateRequest(
  context: UpgradeRunContext,
  progress: RunProgress,
  run: ItemRun,
): Promise<void> {
  const {card, session} = context;
  const {item} = run;
  progress.advance(Step.GenerateRequests);
  const prepared = run.prepared;
  run.prepared = undefined;
  const {publicKey, attestation} =
    prepared ??
    (await progress.task(
      {kind: 'generate-key', algorithm: item.keyAlgorithm},
      'generating-key',
      run.view,
      () => generateAttestedKey(card, item),
    ));
  run.isLive = false;
  const request = await progress.task(
    {kind: 'sign-request', algorithm: item.keyAlgorithm},
    'signing-request',
    run.view,
    () =>
      card.exclusive(() =>
        buildCertificateRequest({
          subject: [{type: 'commonName', value: item.subject.commonName}],
          signer: card.signer(item.slot, publicKey, context.pinProvider),
        }),
      ),
  );
  context.log.write({
    event: 'requestSent',
    item: item.id,
    slot: slotName(item.slot),
    isAttested: attestation !== undefined,
  });
  const pending: PendingRequest = {
    publicKey,
    settled: session.issue(item.id, request, attestation).then(
      (issued) => void (pending.answer = {issued}),
      (error: unknown) => void (pending.answer = {error}),
    ),
  };
  run.pending = pending;
}

/**
 * Step 8: the service's certificate checked (invariant 5), written, read back and compared, then verified with a
 * test signature.
 */
export async function installCertificate(
  context: UpgradeRunContext,
  progress: RunProgress,
  run: ItemRun,
  issued: IssuedCertificate,
  publicKey: Uint8Array,
): Promise<void> {
  const {card, session, trust, clock} = context;
  // One task from the check to the test signature: the estimate expects (and learns from) all of it.
  await progress.task(
    {kind: 'install-certificate', algorithm: run.item.keyAlgorithm},
    'checking-certificate',
    run.view,
    async () => {
      const facts = checkIssuedCertificate(issued, {
        publicKey,
        item: run.item,
        identity: session.identity,
        trust,
        now: new Date(clock.now()),
      });
      progress.report('writing-certificate', run.view);
      // Written, read back and tested in one hold: no network call comes between, and the test signature finds
      // the card's files as the read-back read them, instead of reading them again.
      await card.exclusive(async () => {
        await card.writeCertificate(run.item.slot, facts.der);
        const back = await card.readCertificate(run.item.slot);
        if (back === undefined || !bytesEqual(back, facts.der)) {
          throw new UpgradeError(
            {code: 'card-error'},
            `certificate read back from ${slotName(run.item.slot)} differs`,
          );
        }
        await verifyCredential(context, progress, run, facts);
      });
    },
  );
}

/**
 * Step 8: the card signs a random challenge with the item's key; verified with the certificate, the item is
 * verified and no longer live. False when the key is not the certificate's.
 */
export async function verifyCredential(
  context: UpgradeRunContext,
  progress: RunProgress,
  run: ItemRun,
  facts: CertificateFacts,
): Promise<boolean> {
  const {card} = context;
  progress.report('testing-signature', run.view);
  const isProven = await card.exclusive(() =>
    proveKey(card, run.item.slot, facts.publicKey, context.pinProvider, context.random(32)),
  );
  if (!isProven) return false;
  run.status = {kind: 'verified', certificate: facts};
  run.isLive = false;
  context.emit({type: 'certificateInstalled', certificate: toCertificateView(facts, run.item.slot, true)});
  context.log.write({
    event: 'certificateVerified',
    item: run.item.id,
    slot: slotName(run.item.slot),
    serial: facts.serial,
  });
  return true;
}

/** Waits for a new key (not generated yet, no request out). */
function isWaitingForKey(run: ItemRun): boolean {
  return run.status.kind === 'needs-key' && run.pending === undefined;
}

/**
 * Steps 7 and 8 until every item is verified: answers are installed as they come, certificates issued earlier and
 * those on the card are verified, and the card generates the next key while the service answers.
 */
export async function installAll(
  context: UpgradeRunContext,
  progress: RunProgress,
  runs: readonly ItemRun[],
): Promise<void> {
  while (await nextMove(context, progress, runs));
  const unfinished = runs.filter((run) => run.status.kind !== 'verified');
  if (unfinished.length > 0) {
    throw new UpgradeError(
      {code: 'internal'},
      `items left unfinished: ${unfinished.map((run) => run.item.id).join(', ')}`,
    );
  }
}

/** Does the next thing steps 7 and 8 can do; false when nothing is left. */
async function nextMove(
  context: UpgradeRunContext,
  progress: RunProgress,
  runs: readonly ItemRun[],
): Promise<boolean> {
  const {clock} = context;
  progress.checkCancelled();
  const answered = runs.find((run) => run.pending?.answer !== undefined);
  if (answered?.pending?.answer !== undefined) {
    const {publicKey, answer} = answered.pending;
    answered.pending = undefined;
    if ('error' in answer) throw answer.error;
    if (!runs.some((run) => run !== answered && isWaitingForKey(run))) progress.advance(Step.FetchAndInstall);
    await installCertificate(context, progress, answered, answer.issued, publicKey);
    return true;
  }
  const issued = runs.find((run) => run.status.kind === 'issued');
  if (issued !== undefined && issued.status.kind === 'issued') {
    progress.advance(Step.FetchAndInstall);
    await installCertificate(context, progress, issued, issued.status.issued, issued.status.publicKey);
    return true;
  }
  const onCardRun = runs.find((run) => run.status.kind === 'on-card');
  if (onCardRun !== undefined && onCardRun.status.kind === 'on-card') {
    if (!(await verifyCredential(context, progress, onCardRun, onCardRun.status.certificate))) {
      // The certificate in the slot does not belong to the key there: an interrupted replacement. Not live.
      onCardRun.status = {kind: 'needs-key'};
      onCardRun.isLive = false;
    }
    return true;
  }
  const ready = runs.find(
    (run) => isWaitingForKey(run) && blockers(runs, run).every((other) => other.status.kind === 'verified'),
  );
  if (ready !== undefined) {
    await generateRequest(context, progress, ready);
    return true;
  }
  const pending = runs.flatMap((run) => (run.pending === undefined ? [] : [run.pending.settled]));
  if (pending.length === 0) return false;
  progress.report('awaiting-certificate', progress.current);
  progress.estimator.begin({kind: 'await-certificate'}, clock.now());
  await Promise.race(pending);
  progress.estimator.end(clock.now());
  return true;
}

/**
 * Step 9: the replaced certificates and their keys go, last, once every item is verified (invariant 2), all in one
 * hold of the card (nothing between them waits for a person or the network).
 */
export async function deleteOldCertificates(
  context: UpgradeRunContext,
  progress: RunProgress,
  onCard: ReadonlyMap<number, SlotState>,
  replaced: readonly {readonly serial: string}[],
): Promise<void> {
  const {card, plan} = context;
  progress.advance(Step.DeleteOld);
  const toDelete = new Set(replaced.map((certificate) => certificate.serial));
  const planSlots = new Set(plan.items.map((item) => item.slot));
  await card.exclusive(async () => {
    for (const [slot, {certificate}] of onCard) {
      if (certificate === undefined || planSlots.has(slot) || !toDelete.has(certificate.serial)) continue;
      await progress.task({kind: 'delete-old'}, 'deleting-certificate', undefined, async () => {
        await card.deleteCertificate(slot);
        progress.report('destroying-key');
        await card.destroyKey(slot);
      });
      context.log.write({event: 'oldCertificateDeleted', slot: slotName(slot), serial: certificate.serial});
    }
  });
}

/** Step 9: Key History in line, then the service told the installed certificates (it revokes the replaced ones). */
export async function complete(
  context: UpgradeRunContext,
  progress: RunProgress,
  runs: readonly ItemRun[],
): Promise<readonly CertificateView[]> {
  const {card, session, clock} = context;
  const installed = runs.map((run) => (run.status as {certificate: CertificateFacts}).certificate);
  await progress.task({kind: 'complete'}, 'completing', undefined, async () => {
    await card.exclusive(() => card.finishLayout());
    return session.complete(installed.map((certificate) => certificate.serial));
  });
  progress.estimator.finish(clock.now());
  return runs.map((run, index) => toCertificateView(installed[index]!, run.item.slot, true));
}

function fullItemTasks(item: ServicePlanItem, isKeyPrepared: boolean): PlannedTask[] {
  return [
    ...(isKeyPrepared ? [] : [{kind: 'generate-key', algorithm: item.keyAlgorithm} as const]),
    {kind: 'sign-request', algorithm: item.keyAlgorithm},
    {kind: 'install-certificate', algorithm: item.keyAlgorithm},
  ];
}

function progressOf(
  estimator: ProgressEstimator,
  now: number,
  activity: Activity,
  item?: PlanItemView,
): Progress {
  return {...estimator.estimate(now), activity, currentItem: item};
}

/** Re-reports progress every 250 ms while `work` runs (RSA key generation takes seconds). */
async function withTicker<T>(work: Promise<T>, clock: Clock, tick: () => void): Promise<T> {
  const stop = new AbortController();
  const ticking = (async () => {
    for (;;) {
      try {
        await clock.sleep(250, stop.signal);
      } catch {
        return;
      }
      if (stop.signal.aborted) return;
      tick();
    }
  })();
  try {
    return await work;
  } finally {
    stop.abort();
    await ticking;
  }
}

async function statusOf(
  context: UpgradeRunContext,
  item: ServicePlanItem,
  slot: SlotState,
  issuedWithChains: readonly (IssuedCertificate & {readonly slot: number})[],
): Promise<ItemStatus> {
  const {certificate, publicKey} = slot;
  // The service is the truth on which certificate is this item's: the valid one it issued.
  if (certificate !== undefined && item.issued !== undefined && certificate.serial === item.issued.serial) {
    return {kind: 'on-card', certificate};
  }
  const issued = issuedWithChains.find(
    (entry) => item.issued !== undefined && entry.certificate.serial === item.issued.serial,
  );
  if (issued === undefined) return {kind: 'needs-key'};
  const issuedKey = describeCertificate(issued.certificate.certificate).publicKey;
  const holdsKey =
    publicKey !== undefined
      ? keysEqual(publicKey, issuedKey)
      : await context.card.exclusive(() =>
          proveKey(context.card, item.slot, issuedKey, context.pinProvider, context.random(32)),
        );
  return holdsKey ? {kind: 'issued', issued, publicKey: issuedKey} : {kind: 'needs-key'};
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
