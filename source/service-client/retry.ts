/** How the client retries idempotent calls. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles after each further failure. */
  readonly baseDelayMs: number;
  /** No delay is longer than this. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {attempts: 4, baseDelayMs: 500, maxDelayMs: 8000};

/**
 * The delay before the next attempt after `failedAttempts` failures (1 after the first), or undefined when no
 * attempt is left. Exponential backoff with "equal jitter": half the step fixed, half drawn from `random`
 * (0 <= random < 1), so clients that failed together do not retry together. A `Retry-After` from the service
 * wins when it is within the cap. Pure: the caller brings the randomness and does the waiting.
 */
export function retryDelayMs(
  failedAttempts: number,
  policy: RetryPolicy,
  random: number,
  retryAfterMs?: number,
): number | undefined {
  if (failedAttempts >= policy.attempts) return undefined;
  if (retryAfterMs !== undefined && retryAfterMs >= 0) {
    return retryAfterMs <= policy.maxDelayMs ? retryAfterMs : undefined;
  }
  const step = Math.min(policy.baseDelayMs * 2 ** (failedAttempts - 1), policy.maxDelayMs);
  return Math.round(step / 2 + (step / 2) * random);
}
