/**
 * Small helpers for header values. Everything that ends up in an outbound header passes
 * through {@link headerSafe}, so a CR/LF from a customer subject or an agent name can never
 * start a new header (header injection).
 */

/** Removes control characters (CR, LF, TAB, NUL, ...) and Unicode line separators; collapses spaces. */
export function headerSafe(value: string, maxLength = 998): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim().slice(0, maxLength);
}

// A deliberately strict address shape: no spaces, no angle brackets, no CR/LF, one `@`.
const ADDRESS = /^[^\s@<>()",;:\\[\]]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$|^[^\s@<>()",;:\\[\]]+@(localhost|[A-Za-z0-9-]+)$/;

/** True for a plain `local@domain` address without anything that could break a header. */
export function isPlainAddress(value: string): boolean {
  return ADDRESS.test(value);
}

/** Lower-cased address; the local part is case-sensitive by the RFC, but no real system treats it so. */
export function normalizeAddress(value: string): string {
  return value.trim().toLowerCase();
}

/** `support+t0k3n@shop.example` → `{ base: 'support@shop.example', tag: 't0k3n' }`. */
export function splitPlusAddress(address: string): { base: string; tag?: string } {
  const at = address.lastIndexOf('@');
  if (at < 0) return { base: address };
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  if (plus < 0) return { base: address };
  return { base: `${local.slice(0, plus)}${address.slice(at)}`, tag: local.slice(plus + 1) };
}

/** The domain of an address, lower-cased. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Message ids as a list of `<id>` strings, whatever shape mailparser gave (string, array, space separated). */
export function messageIdList(value: unknown): string[] {
  const raw = Array.isArray(value) ? value.join(' ') : typeof value === 'string' ? value : '';
  return [...raw.matchAll(/<[^<>\s]+>/g)].map((m) => m[0]).concat(raw.includes('<') ? [] : raw.split(/\s+/).filter(Boolean).map((id) => `<${id}>`));
}
