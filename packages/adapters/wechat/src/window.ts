import type { Store } from '@kefu/core';

/** The state of one user's send window, kept in the store so every node of a cluster sees it. */
export interface WindowState {
  /** The platform time of the message or event that opened it. */
  since: number;
  /** Its id: a retry of the same message must not reset the count. */
  openedBy: string;
  /** Until when sends are allowed (ms). */
  until: number;
  /** Sends left before the user writes again. */
  remaining: number;
}

/** How long and how many: a customer message opens 48 h / 5 messages on both products. */
export const MESSAGE_WINDOW = { durationMs: 48 * 3600_000, count: 5 } as const;
/** A subscribe, scan or menu click opens 1 minute / 3 messages on an Official Account. */
export const EVENT_WINDOW = { durationMs: 60_000, count: 3 } as const;

const KV = 'wechat.window';

/**
 * Tracks WeChat's customer-service window per user: 5 messages within 48 hours of the user's last
 * message (45015 outside, 45047 over the count; WeCom answers 95018 for both). Checked before a
 * send so a message outside it fails (or falls back) without a doomed API call; the platform's
 * answer stays authoritative and closes the window here when it disagrees.
 */
export class ServiceWindows {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /**
   * Opens (or renews) the window at `at`. A short event window never shortens a longer one that
   * is still open.
   */
  async open(key: string, at: number, window: { durationMs: number; count: number }, openedBy: string): Promise<void> {
    const until = at + window.durationMs;
    const current = await this.get(key);
    if (current && (at < current.since || current.openedBy === openedBy)) return;
    if (current && current.until > until && current.remaining > 0) return;
    await this.#store.kvSet(KV, key, { since: at, openedBy, until, remaining: window.count } satisfies WindowState, { ttlMs: window.durationMs });
  }

  async get(key: string): Promise<WindowState | undefined> {
    return this.#store.kvGet<WindowState>(KV, key);
  }

  /** True when a send is allowed now. */
  async isOpen(key: string, now: number): Promise<boolean> {
    const w = await this.get(key);
    return !!w && w.until > now && w.remaining > 0;
  }

  /** Counts one successful send. */
  async consume(key: string, now: number): Promise<void> {
    const w = await this.get(key);
    if (!w) return;
    await this.#store.kvSet(KV, key, { ...w, remaining: Math.max(0, w.remaining - 1) } satisfies WindowState, { ttlMs: Math.max(1, w.until - now) });
  }

  /** Closes the window after the platform said so. */
  async close(key: string): Promise<void> {
    await this.#store.kvDelete(KV, key);
  }
}
