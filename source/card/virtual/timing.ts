import {Algorithm} from '../piv/constants.js';

/**
 * How long the virtual card takes, so the demo and the progress estimates feel like a real card. The card adds,
 * for every command, {@link TimingModel.commandMs} plus the wire time of the command and response bytes, plus the
 * cost of a key generation or private-key operation, and waits that long through an injected `sleep` (instant in
 * unit tests). Figures and their sources: docs/timing-model.md.
 */
export interface TimingModel {
  /** Fixed time per command: the reader's round trip and the applet's dispatch. */
  readonly commandMs: number;
  /** Data bytes per second on the wire, counted both ways; Infinity for no transfer time. */
  readonly bytesPerSecond: number;
  /** Key generation time per algorithm; algorithms not listed take no time. */
  readonly keyGeneration: Readonly<Partial<Record<Algorithm, DurationDistribution>>>;
  /** Private-key operation (signature, decryption, key agreement) time in ms per algorithm. */
  readonly privateKeyOperationMs: Readonly<Partial<Record<Algorithm, number>>>;
}

/**
 * A duration that varies from one run to the next: its measured mean and range. A fixed duration has all three
 * equal.
 */
export interface DurationDistribution {
  readonly meanMs: number;
  readonly minMs: number;
  readonly maxMs: number;
}

/** The expensive part of a command, which the timing model prices. */
export type CardOperation =
  | {readonly type: 'key-generation'; readonly algorithm: Algorithm}
  | {readonly type: 'private-key'; readonly algorithm: Algorithm};

/** No time at all: for unit tests. */
export const INSTANT_TIMING: TimingModel = {
  commandMs: 0,
  bytesPerSecond: Number.POSITIVE_INFINITY,
  keyGeneration: {},
  privateKeyOperationMs: {},
};

/** RSA key generation: mean and range over 10 runs of an NXP JCOP4 J3R180 (crocs-muni/jcalgtest_results). */
const RSA_2048_GENERATION: DurationDistribution = {meanMs: 5_200, minMs: 600, maxMs: 17_300};
const RSA_3072_GENERATION: DurationDistribution = {meanMs: 13_000, minMs: 4_600, maxMs: 40_200};
const RSA_4096_GENERATION: DurationDistribution = {meanMs: 37_700, minMs: 13_700, maxMs: 72_100};
/** Derived, not measured: RSA-2048's figures divided by 4 (generation time grows with about the square of the length, by the 2048/3072 ratio above). */
const RSA_1024_GENERATION: DurationDistribution = {meanMs: 1_300, minMs: 150, maxMs: 4_300};
/** EC key generation on the same JCOP4 (crocs-muni/jcalgtest_results); Curve25519 assumed like P-256. */
const P256_GENERATION_MS = 26.8;
const P384_GENERATION_MS = 38.8;

/**
 * A JCOP4 Java Card in a USB contact reader, the kind of card SITHS staff carry: 40 ms per command (JCOP4
 * baseline, T=1, crocs-muni/jcalgtest_results), about 10 KB/s of data (129,032 bit/s at 4 MHz and TA1=18,
 * LudovicRousseau/CCID#27, less framing), key generation and signatures as measured on the JCOP4. The default.
 */
export const JCOP4_TIMING: TimingModel = {
  commandMs: 40,
  bytesPerSecond: 10_000,
  keyGeneration: {
    [Algorithm.Rsa1024]: RSA_1024_GENERATION,
    [Algorithm.Rsa2048]: RSA_2048_GENERATION,
    [Algorithm.Rsa3072]: RSA_3072_GENERATION,
    [Algorithm.Rsa4096]: RSA_4096_GENERATION,
    [Algorithm.EccP256]: fixed(P256_GENERATION_MS),
    [Algorithm.EccP384]: fixed(P384_GENERATION_MS),
    [Algorithm.Ed25519]: fixed(P256_GENERATION_MS),
    [Algorithm.X25519]: fixed(P256_GENERATION_MS),
  },
  privateKeyOperationMs: {
    // Derived: RSA-2048's CRT time divided by 8 (cubic in the length).
    [Algorithm.Rsa1024]: 7.6,
    [Algorithm.Rsa2048]: 60.7,
    [Algorithm.Rsa3072]: 181,
    [Algorithm.Rsa4096]: 334,
    [Algorithm.EccP256]: 32.0,
    [Algorithm.EccP384]: 45.3,
    // Assumed like P-256.
    [Algorithm.Ed25519]: 32.0,
    [Algorithm.X25519]: 32.0,
  },
};

/** The default timing model of a virtual card. */
export const DEFAULT_TIMING = JCOP4_TIMING;

/**
 * How long one command takes under `model`: the fixed command time, the wire time of `commandBytes` and
 * `responseBytes`, and the operation's cost. Key generation times are drawn from their distribution with `random`
 * (uniform in [0, 1)).
 */
export function commandDurationMs(
  model: TimingModel,
  command: {
    readonly commandBytes: number;
    readonly responseBytes: number;
    readonly operation?: CardOperation;
  },
  random: () => number,
): number {
  const wire = ((command.commandBytes + command.responseBytes) / model.bytesPerSecond) * 1000;
  return model.commandMs + wire + operationMs(model, command.operation, random);
}

function operationMs(model: TimingModel, operation: CardOperation | undefined, random: () => number): number {
  if (operation === undefined) return 0;
  if (operation.type === 'private-key') return model.privateKeyOperationMs[operation.algorithm] ?? 0;
  const distribution = model.keyGeneration[operation.algorithm];
  return distribution === undefined ? 0 : drawDurationMs(distribution, random);
}

/**
 * One draw of a duration: the minimum plus a Gamma(2) variable (the sum of two exponentials, as RSA key generation
 * is two independent prime searches, each a geometric number of trials) with the measured mean, clamped to the
 * measured range. A fixed duration (min = max) is returned as is.
 */
export function drawDurationMs(distribution: DurationDistribution, random: () => number): number {
  const {meanMs, minMs, maxMs} = distribution;
  if (maxMs <= minMs) return minMs;
  const theta = (meanMs - minMs) / 2;
  const exponential = () => -theta * Math.log(1 - random());
  return Math.min(maxMs, minMs + exponential() + exponential());
}

/**
 * A seeded pseudo-random generator (mulberry32), uniform in [0, 1): reproducible timing draws for tests and
 * recordings. Not for cryptography.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function fixed(ms: number): DurationDistribution {
  return {meanMs: ms, minMs: ms, maxMs: ms};
}
