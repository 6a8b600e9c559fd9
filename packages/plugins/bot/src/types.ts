import type { Part } from '@kefu/core';

/** The sales stage a question belongs to (suggestions by entry page use it). */
export type Stage = 'pre-sale' | 'in-sale' | 'after-sale';

/** When a variant applies: every given condition must hold; the most specific match wins. */
export interface VariantCondition {
  /** Contact tier, e.g. `vip` (千人千面: a VIP gets a different answer from a first-time buyer). */
  tier?: string;
  /** A tag the contact must carry. */
  tag?: string;
  /** Language of the question (`en`, `zh`); detected from the text when the channel gives none. */
  locale?: string;
  /** Channel the conversation is on. */
  channel?: string;
}

/** An alternative answer for some customers. */
export interface AnswerVariant {
  when: VariantCondition;
  answer?: string;
  parts?: Part[];
}

/** One knowledge-base entry. `answer` and/or `parts` must be given. */
export interface KbEntry {
  id: string;
  question: string;
  similar?: string[];
  answer?: string;
  /** Rich answer (cards, images); sent after `answer` text when both are present. */
  parts?: Part[];
  category?: string;
  stage?: Stage;
  variants?: AnswerVariant[];
  /** Channels this entry answers on (all when absent). */
  channels?: string[];
  /** Default true. Disabled entries stay in the knowledge base but never answer. */
  enabled?: boolean;
  /** A business intent this entry stands for (`logistics`, `refund`, ...), used for commerce cards and skills. */
  intent?: string;
}

/** A row the importer refused, with the reason. */
export interface RejectedRow {
  /** 1-based row (CSV line, Markdown section, JSON array index + 1). */
  row: number;
  id?: string;
  reason: string;
}

/** What an import produced. */
export interface ImportReport {
  entries: KbEntry[];
  rejected: RejectedRow[];
  total: number;
}
