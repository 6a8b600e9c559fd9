import { KefuError } from '@kefu/core';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { WechatErrorCodes } from './errors.js';

/** A flat WeChat XML message: every field a string (ids exceed 2^53; `" 0012 "` stays as sent). */
export type WechatXml = Record<string, unknown>;

const parser = new XMLParser({
  // Values stay strings: MsgId exceeds 2^53 and text like " 0012 " must not become a number.
  parseTagValue: false,
  // No entity expansion at all, and declarations are refused before parsing (see parseWechatXml).
  processEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: false,
});

/** Refuses DTDs outright: no XXE, no entity expansion ("billion laughs"), whatever the parser does. */
export function assertNoDeclarations(xml: string): void {
  if (/<!DOCTYPE/i.test(xml) || /<!ENTITY/i.test(xml)) {
    throw new KefuError(WechatErrorCodes.XML_FORBIDDEN, 'XML with a DOCTYPE or ENTITY declaration is refused');
  }
}

/**
 * Parses a WeChat XML body (`<xml>…</xml>`) safely. Throws `KEFU_WECHAT_XML_FORBIDDEN` for any
 * DOCTYPE/ENTITY and `KEFU_WECHAT_XML_INVALID` for anything not well-formed or without `<xml>`.
 */
export function parseWechatXml(xml: string): WechatXml {
  assertNoDeclarations(xml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new KefuError(WechatErrorCodes.XML_INVALID, `Malformed XML: ${valid.err.msg}`, { details: { line: valid.err.line, col: valid.err.col } });
  }
  const doc = parser.parse(xml) as Record<string, unknown>;
  const root = doc['xml'];
  if (!root || typeof root !== 'object' || Array.isArray(root)) throw new KefuError(WechatErrorCodes.XML_INVALID, 'The XML has no <xml> root element');
  const out: WechatXml = {};
  for (const [k, v] of Object.entries(root as Record<string, unknown>)) if (k !== '#text') out[k] = v;
  return out;
}

/** A string field of a parsed message (trimmed of the whitespace around non-CDATA values). */
export function field(xml: WechatXml, name: string): string | undefined {
  const v = xml[name];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/**
 * The `Encrypt` value of an encrypted envelope, read without a parser so that the signature can be
 * checked before any XML is parsed. Only base64 characters are accepted.
 */
export function extractEncrypt(xml: string): string | undefined {
  const m = /<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]+)\]\]>|([A-Za-z0-9+/=]+))\s*<\/Encrypt>/.exec(xml);
  return m ? (m[1] ?? m[2]) : undefined;
}

const cdata = (s: string) => `<![CDATA[${s.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;

/** Builds a flat `<xml>` document (CDATA for strings, bare numbers). Used for encrypted replies and tests. */
export function buildWechatXml(fields: Record<string, string | number>): string {
  return `<xml>${Object.entries(fields)
    .map(([k, v]) => `<${k}>${typeof v === 'number' ? v : cdata(v)}</${k}>`)
    .join('')}</xml>`;
}
