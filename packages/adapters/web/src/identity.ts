import { createHmac, timingSafeEqual } from 'node:crypto';
import { KefuError } from '@kefu/core';
import { errors as joseErrors, jwtVerify } from 'jose';
import { WebErrorCodes } from './errors.js';

/**
 * What a merchant signs to tell Kefu who the shopper is. The shop's backend makes the token for a
 * logged-in shopper and puts it on the page (`data-token` or `KefuWidget.init({ token })`).
 */
export interface IdentityClaims {
  /** The shop's user id: becomes the verified identifier `shopUserId`. */
  uid: string;
  name?: string;
  /** Service tier (`vip`, `normal`, ...); routing rules match on it. */
  tier?: string;
  tags?: string[];
  /** Expiry, seconds since the Unix epoch (required). */
  exp: number;
}

/** A shopper whose token verified. */
export interface VerifiedShopper {
  userId: string;
  name?: string;
  tier?: string;
  tags: string[];
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const b64url = (buf: Buffer | string) => Buffer.from(buf).toString('base64url');

/**
 * Signs an identity token in the compact HMAC format `base64url(json).base64url(hmac)`, where the
 * HMAC is SHA-256 with the tenant's `identitySecret` over the first segment. Run it in the shop's
 * backend, never in the browser (the secret must stay on the server).
 *
 * @example
 * const token = signIdentityToken({ uid: 'u_42', name: 'Li Lei', tier: 'vip', tags: ['returning'], exp: Math.floor(Date.now() / 1000) + 3600 }, process.env.KEFU_WIDGET_SECRET!)
 */
export function signIdentityToken(claims: IdentityClaims, secret: string): string {
  const body = b64url(JSON.stringify(claims));
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function invalid(message: string, cause?: unknown): KefuError {
  return new KefuError(WebErrorCodes.IDENTITY_INVALID, message, cause === undefined ? {} : { cause });
}

/** Checks the claim shapes both token formats share; the claims come from a verified token. */
function toShopper(claims: Record<string, unknown>, uid: unknown, nowMs: number): VerifiedShopper {
  if (typeof uid !== 'string' || uid.length === 0 || uid.length > 200) throw invalid('The identity token has no user id');
  const exp = claims.exp;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw invalid('The identity token has no expiry (exp)');
  if (exp * 1000 <= nowMs) throw invalid('The identity token has expired');
  const name = typeof claims.name === 'string' && claims.name ? claims.name.slice(0, 200) : undefined;
  const tier = typeof claims.tier === 'string' && claims.tier ? claims.tier.slice(0, 50) : undefined;
  const tags = Array.isArray(claims.tags) ? claims.tags.filter((t): t is string => typeof t === 'string' && t.length > 0).slice(0, 50).map((t) => t.slice(0, 50)) : [];
  return { userId: uid, ...(name ? { name } : {}), ...(tier ? { tier } : {}), tags, expiresAt: exp * 1000 };
}

function verifyHmac(token: string, secrets: readonly string[], nowMs: number): VerifiedShopper {
  const [body, signature] = token.split('.');
  if (!body || !signature) throw invalid('The identity token is malformed');
  const given = Buffer.from(signature, 'base64url');
  const ok = secrets.some((secret) => {
    const expected = createHmac('sha256', secret).update(body).digest();
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) throw invalid('The identity token signature does not verify');
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch (error) {
    throw invalid('The identity token payload is not JSON', error);
  }
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw invalid('The identity token payload is not an object');
  return toShopper(claims as Record<string, unknown>, (claims as Record<string, unknown>).uid, nowMs);
}

async function verifyJwt(token: string, secrets: readonly string[], nowMs: number): Promise<VerifiedShopper> {
  let lastError: unknown;
  for (const secret of secrets) {
    try {
      // exp is checked by toShopper too, so a token without exp is refused as well.
      const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { algorithms: ['HS256'], currentDate: new Date(nowMs), requiredClaims: ['exp'] });
      return toShopper(payload as Record<string, unknown>, payload.sub ?? payload.uid, nowMs);
    } catch (error) {
      lastError = error;
      // Only a bad signature is worth trying the next secret for.
      if (!(error instanceof joseErrors.JWSSignatureVerificationFailed)) break;
    }
  }
  if (lastError instanceof KefuError) throw lastError;
  if (lastError instanceof joseErrors.JWTExpired) throw invalid('The identity token has expired', lastError);
  throw invalid(`The identity token does not verify: ${(lastError as Error)?.message ?? 'unknown error'}`, lastError);
}

/**
 * Verifies an identity token: a JWT (HS256, user id in `sub`) or the compact HMAC format of
 * {@link signIdentityToken}. Several secrets allow rotation. Throws `KEFU_WEB_IDENTITY_INVALID`.
 */
export async function verifyIdentityToken(token: string, secrets: string | readonly string[], nowMs: number = Date.now()): Promise<VerifiedShopper> {
  const list = (typeof secrets === 'string' ? [secrets] : secrets).filter((s) => s.length > 0);
  if (list.length === 0) throw invalid('This tenant accepts no identity tokens (no identitySecret configured)');
  if (typeof token !== 'string' || token.length === 0 || token.length > 4096) throw invalid('The identity token is malformed');
  const segments = token.split('.').length;
  if (segments === 3) return verifyJwt(token, list, nowMs);
  if (segments === 2) return verifyHmac(token, list, nowMs);
  throw invalid('The identity token is malformed');
}
