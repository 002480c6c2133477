import type {CardProfile, KeyAlgorithm} from './ports.js';

/** The pieces of work an upgrade is made of, each timed on its own. */
export type TaskKind =
  | 'authenticate-card'
  | 'read-card'
  | 'declare-certificates'
  | 'generate-key'
  | 'sign-request'
  | 'await-certificate'
  | 'install-certificate'
  | 'delete-old'
  | 'complete';

export interface PlannedTask {
  readonly kind: TaskKind;
  /** The key algorithm, for the tasks whose time depends on it. */
  readonly algorithm?: KeyAlgorithm;
}

/** Expected durations of the card and service work, in milliseconds. */
export interface CardTimings {
  readonly keyGenerationMs: Readonly<Record<KeyAlgorithm, number>>;
  readonly signatureMs: Readonly<Record<KeyAlgorithm, number>>;
  /** One short APDU round trip. */
  readonly apduMs: number;
  /** Writing a 1.5 KB certificate object. */
  readonly certificateWriteMs: number;
  /** One call to the upgrade service. */
  readonly serviceCallMs: number;
  /**
   * Short APDUs a card profile adds to a task beyond the commands counted above, each of `apduMs`: a file-system
   * card reads its directories, selects, creates and deletes files where a PIV card has one command.
   */
  readonly extraApdus?: Readonly<Partial<Record<TaskKind, number>>>;
}

/**
 * Means from docs/timing-model.md: key generation and signatures measured on an NXP JCOP4 J3R180
 * (crocs-muni/jcalgtest_results); about 40 ms per APDU (same source); a 1.5 KB certificate write about 0.3 s
 * (derived: wire time + 6-7 chained APDUs). The service call is our own guess for a LAN, refined by measurement.
 */
export const REAL_CARD_TIMINGS: CardTimings = {
  keyGenerationMs: {'rsa-2048': 5200, 'ecc-p256': 27},
  signatureMs: {'rsa-2048': 61, 'ecc-p256': 32},
  apduMs: 40,
  certificateWriteMs: 300,
  serviceCallMs: 300,
};

/**
 * The two-PIN SITHS card (Setec EID applet, PKCS#15, short APDUs only): the JCOP4 means above, and what the card's
 * file system adds to each task, in APDUs of 40 ms: the card time of each task in a traced upgrade (40 ms a command
 * and 10 KB/s, the virtual card's model) less what the means above already count. A key generation creates the key
 * file first; a signature verifies a PIN and sets the security environment; installing reads the application from
 * the card (about 14 APDUs), writes the certificate in 255-byte pieces, rewrites the PrKDF and CDF through spare
 * directory files and reads the certificate back; the deletions read the application once and rewrite the
 * directories the other way; completing reads it again and finishes the layout.
 */
export const SITHS_EID_CARD_TIMINGS: CardTimings = {
  ...REAL_CARD_TIMINGS,
  extraApdus: {
    'generate-key': 7,
    'sign-request': 4,
    'install-certificate': 49,
    'delete-old': 42,
    complete: 40,
  },
};

/** Each card profile's expected timings. */
export const CARD_TIMINGS: Readonly<Record<CardProfile, CardTimings>> = {
  piv: REAL_CARD_TIMINGS,
  'siths-eid': SITHS_EID_CARD_TIMINGS,
};

/** The expected duration of one task before anything was measured. */
export function expectedMs(task: PlannedTask, timings: CardTimings): number {
  return commandsMs(task, timings) + (timings.extraApdus?.[task.kind] ?? 0) * timings.apduMs;
}

function commandsMs(task: PlannedTask, timings: CardTimings): number {
  const algorithm = task.algorithm ?? 'ecc-p256';
  switch (task.kind) {
    case 'authenticate-card':
      return 2 * timings.apduMs + 2 * timings.serviceCallMs;
    case 'read-card':
      // The certificate objects (about 1.5 KB each) and the slots' metadata.
      return 2 * timings.certificateWriteMs + 6 * timings.apduMs;
    case 'generate-key':
      return timings.keyGenerationMs[algorithm] + timings.apduMs;
    case 'sign-request':
      return timings.signatureMs[algorithm] + 2 * timings.apduMs;
    case 'declare-certificates':
    case 'await-certificate':
    case 'complete':
      return timings.serviceCallMs;
    case 'install-certificate':
      // Write, read back, then a test signature (PIN verify + sign).
      return 2 * timings.certificateWriteMs + timings.signatureMs[algorithm] + 2 * timings.apduMs;
    case 'delete-old':
      return 2 * timings.apduMs;
  }
}

export interface Estimate {
  readonly fraction: number;
  readonly elapsedMs: number;
  readonly estimatedRemainingMs: number;
  /** An RSA key is being generated: its duration cannot be predicted (0.6 to 17 s on a JCOP4). */
  readonly isIndeterminate: boolean;
  /**
   * While indeterminate: the share of the whole the key generation is expected to cover, `from` where it began
   * (the fraction stays there until it ends: no creeping) to where it ends if it takes the expected time.
   */
  readonly band?: {readonly from: number; readonly to: number};
}

/** How much the prior counts against measurements, as if it were this many milliseconds of measured work. */
const PRIOR_WEIGHT_MS = 2000;
/** An RSA key generation running past the mean is still expected to take this share of the mean. */
const OVERRUN_SHARE = 0.3;

function isRsaKeyGeneration(task: PlannedTask): boolean {
  return task.kind === 'generate-key' && task.algorithm === 'rsa-2048';
}

/**
 * Time left for an upgrade: starts from the card's expected timings and refines them with what was measured.
 * RSA key generations are estimated from the running mean of those measured (starting at the
 * docs/timing-model.md mean); every other task is scaled by how fast the finished ones went. The fraction
 * never goes backwards. Deterministic: times come in as arguments.
 */
export class ProgressEstimator {
  readonly #pending: PlannedTask[];
  readonly #timings: CardTimings;
  readonly #startedAt: number;
  #current: {task: PlannedTask; startedAt: number; band?: {from: number; to: number}} | undefined;
  #rsaMeasured: number[] = [];
  #otherExpected = 0;
  #otherActual = 0;
  #lastFraction = 0;

  constructor(tasks: readonly PlannedTask[], timings: CardTimings, startedAt: number) {
    this.#pending = [...tasks];
    this.#timings = timings;
    this.#startedAt = startedAt;
  }

  /** Adds work found later (e.g. a resumed item). */
  add(tasks: readonly PlannedTask[]): void {
    this.#pending.push(...tasks);
  }

  /** Starts a task (ending the running one). A task not planned is timed all the same. */
  begin(task: PlannedTask, now: number): void {
    this.end(now);
    const index = this.#pending.findIndex((p) => p.kind === task.kind && p.algorithm === task.algorithm);
    if (index >= 0) this.#pending.splice(index, 1);
    this.#current = {task, startedAt: now};
  }

  /** Ends the running task, if any, and learns from its duration. */
  end(now: number): void {
    const current = this.#current;
    if (current === undefined) return;
    this.#current = undefined;
    const actual = Math.max(0, now - current.startedAt);
    if (isRsaKeyGeneration(current.task)) {
      this.#rsaMeasured.push(actual);
    } else {
      this.#otherExpected += expectedMs(current.task, this.#timings);
      this.#otherActual += actual;
    }
  }

  /**
   * Where the work stands at `now`. The fraction grows with the time spent, except during an RSA key generation:
   * there it stays where the generation began, and `band` says how far the generation is expected to take it.
   */
  estimate(now: number): Estimate {
    const elapsedMs = Math.max(0, now - this.#startedAt);
    let remaining = 0;
    for (const task of this.#pending) remaining += this.#expected(task);
    const current = this.#current;
    const isIndeterminate = current !== undefined && isRsaKeyGeneration(current.task);
    if (current !== undefined) {
      const expected = this.#expected(current.task);
      if (isIndeterminate && current.band === undefined) {
        const startedMs = Math.max(0, current.startedAt - this.#startedAt);
        const total = startedMs + expected + remaining;
        const from = this.#fractionOf(startedMs, total);
        current.band = {from, to: Math.max(from, this.#fractionOf(startedMs + expected, total))};
      }
      remaining += Math.max(expected - (now - current.startedAt), expected * OVERRUN_SHARE);
    }
    const fraction =
      isIndeterminate && current.band !== undefined
        ? current.band.from
        : this.#fractionOf(elapsedMs, elapsedMs + remaining);
    this.#lastFraction = fraction;
    const estimate = {fraction, elapsedMs, estimatedRemainingMs: Math.round(remaining), isIndeterminate};
    return isIndeterminate && current.band !== undefined ? {...estimate, band: {...current.band}} : estimate;
  }

  /** Marks the work finished: fraction 1, nothing left. */
  finish(now: number): Estimate {
    this.end(now);
    this.#pending.length = 0;
    this.#lastFraction = 1;
    return {
      fraction: 1,
      elapsedMs: Math.max(0, now - this.#startedAt),
      estimatedRemainingMs: 0,
      isIndeterminate: false,
    };
  }

  /** `done` of `total`, never below the fraction shown before, at most one. */
  #fractionOf(done: number, total: number): number {
    return total === 0 ? 1 : Math.max(this.#lastFraction, Math.min(1, done / total));
  }

  #expected(task: PlannedTask): number {
    if (isRsaKeyGeneration(task)) {
      const prior = expectedMs(task, this.#timings);
      const measured = this.#rsaMeasured;
      return (prior + measured.reduce((sum, ms) => sum + ms, 0)) / (1 + measured.length);
    }
    const scale = (this.#otherActual + PRIOR_WEIGHT_MS) / (this.#otherExpected + PRIOR_WEIGHT_MS);
    return expectedMs(task, this.#timings) * scale;
  }
}
