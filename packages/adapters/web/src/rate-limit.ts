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

/** A token bucket. `take()` answers whether one more frame may pass now. */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #at: number;

  constructor(perSecond: number, burst: number, now: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#at = now;
  }

  take(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
