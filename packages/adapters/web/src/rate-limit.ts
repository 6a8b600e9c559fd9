/** Options of the per-connection rate limit. */
export interface RateLimitOptions {
  /** Frames per second refilled. Default 10. */
  perSecond?: number;
  /** Bucket size: frames allowed in a burst. Default 20. */
  burst?: number;
  /**
   * Dropped frames (without the bucket refilling in between) before the connection is closed
   * with 4429. Default 20: a widget that briefly overshoots gets error frames, a flood gets cut.
   */
  closeAfterDropped?: number;
}

/** The two numbers a token bucket keeps; held inline by whoever owns the bucket (one object less per socket). */
export interface BucketState {
  tokens: number;
  at: number;
}

/**
 * Takes one token from `state` if there is one at `now` (refilling `perMs` tokens per ms up to
 * `burst`): answers whether one more frame may pass.
 */
export function takeToken(state: BucketState, perMs: number, burst: number, now: number): boolean {
  state.tokens = Math.min(burst, state.tokens + Math.max(0, now - state.at) * perMs);
  state.at = now;
  if (state.tokens < 1) return false;
  state.tokens -= 1;
  return true;
}
