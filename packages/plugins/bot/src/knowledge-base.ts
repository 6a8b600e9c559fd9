import { KefuError, type Store } from '@kefu/core';
import { BotErrorCodes } from './errors.js';
import { type KbFormat, exportKb, parseKb, validateEntries } from './kb.js';
import type { ImportReport, KbEntry } from './types.js';
import { type Understander, type UnderstanderOptions, createUnderstander } from './understand.js';

/** The knowledge base of a running bot: read, replace (hot reload), import and export. */
export interface KnowledgeBase {
  readonly size: number;
  list(): readonly KbEntry[];
  get(id: string): KbEntry | undefined;
  /** The understanding built over the current entries. */
  readonly understander: Understander;
  /**
   * Validates every entry, persists them, then swaps the index in one step: questions in flight
   * finish on the old index, the next one uses the new. Any invalid entry rejects the whole set
   * with `KEFU_BOT_INVALID_ENTRY` and changes nothing.
   */
  replace(entries: unknown[]): Promise<void>;
  /**
   * Imports a file: valid rows are applied (`merge` updates by id and adds; `replace` swaps the
   * whole base), refused rows come back in the report with their reason.
   */
  import(text: string, format: KbFormat, options?: { mode?: 'merge' | 'replace' }): Promise<ImportReport>;
  export(format: KbFormat): string;
}

/** Where the knowledge base is persisted (store kv). */
export const KB_NAMESPACE = 'kefu.bot';

/** Options of {@link createKnowledgeBase}. */
export interface KnowledgeBaseOptions {
  store?: Store;
  /** kv key of this bot's entries. Default `kb`. */
  key?: string;
  understander?: UnderstanderOptions;
  /** Called after every swap (the plugin resets its caches). */
  onSwap?: (entries: readonly KbEntry[]) => void;
}

/**
 * Loads the persisted knowledge base from the store, or seeds it with `seed` when the store holds
 * none. Without a store the base lives in memory (the CLI).
 */
export async function createKnowledgeBase(seed: readonly unknown[] | undefined, options: KnowledgeBaseOptions = {}): Promise<KnowledgeBase> {
  const key = options.key ?? 'kb';
  const store = options.store;
  const stored = store ? await store.kvGet<unknown[]>(KB_NAMESPACE, key) : undefined;
  const initial = Array.isArray(stored) ? stored : (seed ?? []);
  const report = validateEntries([...initial]);
  if (report.rejected.length) {
    throw new KefuError(BotErrorCodes.INVALID_ENTRY, `${report.rejected.length} knowledge-base entries are invalid (first: row ${report.rejected[0]!.row}: ${report.rejected[0]!.reason})`, {
      details: { rejected: report.rejected.slice(0, 50) },
    });
  }
  let entries: readonly KbEntry[] = report.entries;
  let byId = new Map(entries.map((e) => [e.id, e]));
  let understander = createUnderstander(entries, options.understander);
  if (store && !Array.isArray(stored) && entries.length) await store.kvSet(KB_NAMESPACE, key, entries);

  const swap = async (next: KbEntry[]) => {
    const nextUnderstander = createUnderstander(next, options.understander);
    if (store) await store.kvSet(KB_NAMESPACE, key, next);
    entries = next;
    byId = new Map(next.map((e) => [e.id, e]));
    understander = nextUnderstander;
    options.onSwap?.(next);
  };

  return {
    get size() {
      return entries.length;
    },
    list: () => entries,
    get: (id) => byId.get(id),
    get understander() {
      return understander;
    },
    async replace(raw) {
      if (!Array.isArray(raw)) throw new KefuError(BotErrorCodes.INVALID_ENTRY, 'replace() needs an array of entries');
      const checked = validateEntries(raw);
      if (checked.rejected.length) {
        throw new KefuError(BotErrorCodes.INVALID_ENTRY, `${checked.rejected.length} of ${raw.length} entries are invalid; nothing was changed`, { details: { rejected: checked.rejected.slice(0, 50) } });
      }
      await swap(checked.entries);
    },
    async import(text, format, { mode = 'merge' } = {}) {
      const parsed = parseKb(text, format);
      if (parsed.entries.length === 0) return parsed;
      if (mode === 'replace') await swap(parsed.entries);
      else {
        const merged = new Map(entries.map((e) => [e.id, e]));
        for (const e of parsed.entries) merged.set(e.id, e);
        await swap([...merged.values()]);
      }
      return parsed;
    },
    export: (format) => exportKb(entries, format),
  };
}
