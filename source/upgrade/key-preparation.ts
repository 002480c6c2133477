import {isCardResetSign} from './errors.js';
import type {CardPort, KeyAttestation, Log, ServicePlan, ServicePlanItem, ServiceSession} from './ports.js';
import {slotName, type EngineEvent} from './state.js';

/** A key pair the card generated ahead of time, and its attestation where the card has one. */
export interface PreparedKey {
  readonly publicKey: Uint8Array;
  readonly attestation?: KeyAttestation;
}

/**
 * A new key pair generated on the card for `item`, and in the same hold its attestation where the card has one
 * (the service requires it of a PIV card): what the terms' preparation and the download both do.
 */
export function generateAttestedKey(card: CardPort, item: ServicePlanItem): Promise<PreparedKey> {
  return card.exclusive(async () => {
    const publicKey = await card.generateKey(item.slot, item.keyAlgorithm, item.pinPolicy);
    return {publicKey, attestation: await card.attestKey?.(item.slot)};
  });
}

/** What preparing the card needs. */
export interface KeyPreparationContext {
  readonly card: CardPort;
  readonly session: ServiceSession;
  readonly plan: ServicePlan;
  readonly log: Log;
  readonly emit: (event: EngineEvent) => void;
}

/**
 * Key generation ahead of time (step 5, docs/architecture.md "Keys generated while the terms are read"): while
 * the person reads the terms, the card generates the new key pairs of the plan items whose slot is free (holds
 * no certificate and no key as far as the card tells, and the service has issued nothing for the item), one hold
 * of the card per key. Nothing is signed or sent to the service for them: that waits for the terms. A slot in use
 * is never touched; its key comes in the run, once its replacement works (invariant 1).
 *
 * A failure ends the preparation quietly (the run generates whatever is missing); a card reset is thrown by
 * `throwIfCardReset` once the terms are accepted. `finish` lets the key being generated finish and returns the
 * keys generated; `discard` destroys them (the terms declined). Keys left by a run that never finished (the
 * program quit, the card pulled) sit in slots without a certificate: the next run neither prepares nor uses them,
 * and its download generates its own keys there.
 */
export class KeyPreparation {
  readonly #context: KeyPreparationContext;
  readonly #prepared = new Map<number, PreparedKey>();
  readonly #done: Promise<void>;
  #isStopping = false;
  #isBusy = true;
  /** How many keys the preparation generates. */
  #total = 0;
  /** Why it stopped early, if it did. */
  #failure: unknown;

  constructor(context: KeyPreparationContext) {
    this.#context = context;
    this.#done = this.#prepare().catch((error: unknown) => {
      this.#failure = error;
      this.#context.log.write({event: 'preparationStopped', prepared: this.#prepared.size, error});
      this.#tell(true);
    });
  }

  /** True while the card is generating a key for the preparation, or holds keys it generated. */
  get hasWork(): boolean {
    return this.#isBusy || this.#prepared.size > 0;
  }

  /** True while the card is generating a key for the preparation. */
  get isBusy(): boolean {
    return this.#isBusy;
  }

  /** Stops after the key being generated; the keys generated, by slot. */
  async finish(): Promise<ReadonlyMap<number, PreparedKey>> {
    this.#isStopping = true;
    await this.#done;
    return this.#prepared;
  }

  /**
   * Throws what stopped the preparation when it was a card reset (another program reset the card while the terms
   * were read), for the engine's recovery: the card forgot the PIN and the management key, and only the flow's
   * own errors lead the engine to notice. Other failures stay quiet (the download generates what is missing).
   */
  throwIfCardReset(): void {
    if (this.#failure !== undefined && isCardResetSign(this.#failure)) throw this.#failure;
  }

  /**
   * Stops, then destroys the keys generated (each where the card lets us; a key left is overwritten later). With
   * `isClosing` (the program is ending) the keys are left: the next run generates its own over them.
   */
  async discard(isClosing: boolean): Promise<void> {
    const {card, log} = this.#context;
    const prepared = await this.finish();
    if (isClosing) return;
    for (const slot of prepared.keys()) {
      try {
        await card.exclusive(() => card.destroyKey(slot));
        log.write({event: 'preparedKeyDestroyed', slot: slotName(slot)});
      } catch (error) {
        log.write({event: 'preparedKeyLeft', slot: slotName(slot), error});
      }
    }
    this.#prepared.clear();
  }

  async #prepare(): Promise<void> {
    const {card, session, log} = this.#context;
    try {
      const items = await this.#freeItems();
      if (items.length === 0 || this.#isStopping) return;
      this.#total = items.length;
      this.#tell(false);
      const {authenticateManagementKey} = card;
      if (authenticateManagementKey !== undefined)
        await authenticateManagementKey.call(card, session.managementKeyRelay());
      for (const item of items) {
        if (this.#isStopping) return;
        this.#prepared.set(item.slot, await generateAttestedKey(card, item));
        log.write({event: 'keyPrepared', item: item.id, slot: slotName(item.slot)});
        this.#tell(false);
      }
    } finally {
      this.#isBusy = false;
    }
  }

  #tell(isInterrupted: boolean): void {
    const preparation = {done: this.#prepared.size, total: this.#total, isInterrupted};
    this.#context.emit({type: 'keysPrepared', preparation});
  }

  /**
   * The plan items whose slot holds no certificate and no key (as far as the card tells), and for which the service
   * has issued none. A key without a certificate the tool can see is left to the download, which replaces it.
   */
  async #freeItems(): Promise<ServicePlanItem[]> {
    const {card, plan} = this.#context;
    return card.exclusive(async () => {
      const used = new Set((await card.readCertificates()).map(({slot}) => slot));
      const free: ServicePlanItem[] = [];
      for (const item of plan.items) {
        if (item.issued !== undefined || used.has(item.slot)) continue;
        if ((await card.readPublicKey(item.slot)) === undefined) free.push(item);
      }
      return free;
    });
  }
}
