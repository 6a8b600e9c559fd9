import { type HeaderLines, headerValues } from './automatic.js';
import { domainOf } from './headers.js';

/** Authentication methods whose `pass` can verify the From address. */
export type AuthMethod = 'dmarc' | 'dkim' | 'spf';

/**
 * When the sender address counts as verified (a `{ kind: 'email' }` identifier, which merges
 * contacts across channels). Unverified senders still get their own contact, keyed apart from
 * the verified one, so a forged `From:` never lands in someone else's history.
 */
export interface EmailTrustOptions {
  /**
   * `authserv-id`s of `Authentication-Results` headers to believe: the id your MX (or mail
   * provider) writes, e.g. `mx.shop.example`. Headers with any other id are ignored, because
   * anyone can write one. Default: none, so no header is trusted.
   */
  authservIds?: string[];
  /**
   * Which passing results verify the From domain. `dkim` and `spf` count only when their domain
   * (`header.d`, `smtp.mailfrom`) aligns with the From domain. Default `['dmarc', 'dkim']`.
   */
  methods?: AuthMethod[];
  /**
   * Mail handed over in an SMTP session that authenticated (AUTH) to the receiver counts as
   * verified: use it when a relay that checks SPF/DKIM itself is the only client. Default false.
   */
  smtpAuth?: boolean;
  /** Your own check (e.g. with `mailauth`), after the ones above failed. */
  verify?: (input: TrustInput) => boolean | Promise<boolean>;
}

/** What the trust check sees. */
export interface TrustInput {
  from: string;
  headers: HeaderLines;
  envelopeFrom: string | undefined;
  /** The user name when the SMTP session authenticated. */
  smtpUser?: string;
}

/** Why a sender was (or was not) verified; kept in `meta.email.auth`. */
export interface TrustResult {
  verified: boolean;
  /** `dmarc`, `dkim`, `spf`, `smtp-auth`, `custom`, or undefined when unverified. */
  by?: string;
  /** The trusted Authentication-Results, as parsed. */
  results?: Record<string, string>;
}

function aligned(domain: string | undefined, fromDomain: string): boolean {
  if (!domain) return false;
  const d = domain.toLowerCase().replace(/^@/, '');
  const host = d.includes('@') ? domainOf(d) : d;
  // Relaxed alignment: the same domain or a subdomain relation (organisational domain approximated).
  return host === fromDomain || host.endsWith(`.${fromDomain}`) || fromDomain.endsWith(`.${host}`);
}

/**
 * Parses the first `Authentication-Results` header whose authserv-id is trusted. Only the
 * topmost one is read: the receiving server prepends its header and must remove forged ones
 * with its own id further down (RFC 8601 §5), so lower ones are not evidence.
 */
export function trustedAuthResults(headers: HeaderLines, authservIds: readonly string[]): Array<{ method: string; result: string; props: Record<string, string> }> | undefined {
  const ids = authservIds.map((s) => s.toLowerCase());
  for (const value of headerValues(headers, 'authentication-results')) {
    const [idPart, ...rest] = value.split(';');
    const id = idPart?.trim().split(/\s+/)[0]?.toLowerCase();
    if (!id) continue;
    if (!ids.includes(id)) continue;
    return rest
      .map((s) => s.replace(/\([^)]*\)/g, ' ').trim())
      .filter(Boolean)
      .map((entry) => {
        const tokens = entry.split(/\s+/);
        const [method, result] = (tokens[0] ?? '').split('=');
        const props: Record<string, string> = {};
        for (const t of tokens.slice(1)) {
          const eq = t.indexOf('=');
          if (eq > 0) props[t.slice(0, eq).toLowerCase()] = t.slice(eq + 1).replace(/^"|"$/g, '');
        }
        return { method: (method ?? '').toLowerCase(), result: (result ?? '').toLowerCase(), props };
      });
  }
  return undefined;
}

const ORDER: AuthMethod[] = ['dmarc', 'dkim', 'spf'];

/** Decides whether the From address of a mail is verified. */
export async function checkSender(input: TrustInput, options: EmailTrustOptions = {}): Promise<TrustResult> {
  const fromDomain = domainOf(input.from);
  const methods = options.methods ?? ['dmarc', 'dkim'];
  const results = options.authservIds?.length ? trustedAuthResults(input.headers, options.authservIds) : undefined;
  const summary = results ? Object.fromEntries(results.map((r) => [r.method, r.result])) : undefined;
  // Strongest evidence first: DMARC covers alignment itself.
  const ordered = [...(results ?? [])].sort((a, b) => ORDER.indexOf(a.method as AuthMethod) - ORDER.indexOf(b.method as AuthMethod));
  for (const r of ordered) {
    if (r.result !== 'pass' || !methods.includes(r.method as AuthMethod)) continue;
    if (r.method === 'dmarc' && (!r.props['header.from'] || aligned(r.props['header.from'], fromDomain))) return { verified: true, by: 'dmarc', results: summary! };
    if (r.method === 'dkim' && aligned(r.props['header.d'] ?? r.props['header.i'], fromDomain)) return { verified: true, by: 'dkim', results: summary! };
    if (r.method === 'spf' && aligned(r.props['smtp.mailfrom'] ?? r.props['smtp.helo'], fromDomain)) return { verified: true, by: 'spf', results: summary! };
  }
  if (options.smtpAuth && input.smtpUser) return { verified: true, by: 'smtp-auth', ...(summary ? { results: summary } : {}) };
  if (options.verify && (await options.verify(input))) return { verified: true, by: 'custom', ...(summary ? { results: summary } : {}) };
  return { verified: false, ...(summary ? { results: summary } : {}) };
}
