import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { KefuError } from '@kefu/core';

/** Card action error codes. */
export const CardErrors = {
  /** The action token is forged, malformed or for another conversation or customer. */
  ACTION_INVALID: 'KEFU_CARD_ACTION_INVALID',
  /** The action token has expired. */
  ACTION_EXPIRED: 'KEFU_CARD_ACTION_EXPIRED',
  /** The action token was already used (a replay). */
  ACTION_USED: 'KEFU_CARD_ACTION_USED',
  /** No handler is registered for the action. */
  ACTION_UNKNOWN: 'KEFU_CARD_ACTION_UNKNOWN',
  /** The agent's role may not issue this coupon. */
  COUPON_NOT_ALLOWED: 'KEFU_CARD_COUPON_NOT_ALLOWED',
} as const;

/** What a signed action token says. */
export interface ActionClaims {
  /** Conversation the card was sent in. */
  c: string;
  /** Contact it was sent to. */
  k: string;
  /** Action id (`order.cancel`). */
  a: string;
  /** The action's reference (an order id, a coupon id). */
  r: string;
  /** Expiry, ms epoch. */
  e: number;
  /** Unique id for single use. */
  j: string;
}

const b64 = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

/** Signs an action as a compact token: `base64url(claims).base64url(hmac)`. */
export function signAction(secret: string, claims: Omit<ActionClaims, 'j'> & { j?: string }): string {
  const body = b64(JSON.stringify({ ...claims, j: claims.j ?? randomBytes(9).toString('base64url') }));
  return `${body}.${b64(createHmac('sha256', secret).update(body).digest())}`;
}

/**
 * Verifies a token's signature and expiry and that it belongs to this conversation and contact.
 * Single use is checked by the caller against the store (it needs the store).
 */
export function verifyAction(secret: string, token: string, expected: { conversationId?: string; contactId?: string; now: number }): ActionClaims {
  const [body, sig] = token.split('.');
  if (!body || !sig) throw new KefuError(CardErrors.ACTION_INVALID, 'The action token is malformed');
  const good = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== good.length || !timingSafeEqual(given, good)) throw new KefuError(CardErrors.ACTION_INVALID, 'The action token signature is wrong');
  let claims: ActionClaims;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as ActionClaims;
  } catch (error) {
    throw new KefuError(CardErrors.ACTION_INVALID, 'The action token is malformed', { cause: error });
  }
  if (expected.conversationId && claims.c !== expected.conversationId) throw new KefuError(CardErrors.ACTION_INVALID, 'The action belongs to another conversation');
  if (expected.contactId && claims.k !== expected.contactId) throw new KefuError(CardErrors.ACTION_INVALID, 'The action belongs to another customer');
  if (claims.e <= expected.now) throw new KefuError(CardErrors.ACTION_EXPIRED, 'The action has expired');
  return claims;
}
