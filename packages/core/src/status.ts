import { ErrorCodes, KefuError } from './errors.js';
import type { ConversationStatus } from './model.js';

/**
 * The legal status transitions of a conversation.
 * `assigned → assigned` is a transfer; `closed → bot | queued` is a reopen.
 */
export const conversationTransitions: Readonly<Record<ConversationStatus, readonly ConversationStatus[]>> = {
  bot: ['queued', 'assigned', 'closed'],
  queued: ['assigned', 'bot', 'closed'],
  assigned: ['queued', 'assigned', 'closed'],
  closed: ['bot', 'queued'],
};

/** True when a conversation may go from `from` to `to`. */
export function canTransition(from: ConversationStatus, to: ConversationStatus): boolean {
  return conversationTransitions[from].includes(to);
}

/** Throws `KEFU_ILLEGAL_TRANSITION` unless `from → to` is legal. */
export function assertTransition(from: ConversationStatus, to: ConversationStatus, conversationId?: string): void {
  if (!canTransition(from, to)) {
    throw new KefuError(ErrorCodes.ILLEGAL_TRANSITION, `A conversation cannot go from "${from}" to "${to}"`, {
      details: { from, to, conversationId, allowed: conversationTransitions[from] },
    });
  }
}
