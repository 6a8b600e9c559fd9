/**
 * SMS length rules: text in the GSM 03.38 alphabet travels as 7-bit septets (160 in a single
 * message, 153 per segment of a concatenated one, extension characters count twice); anything
 * else travels as UCS-2 (70 / 67 UTF-16 units). Carriers reassemble segments; each costs money,
 * so Kefu counts them and cuts at word (or, for CJK, character) boundaries.
 */

const GSM_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM_EXTENDED = '^{}\\[~]|€\f';
const basic = new Set(GSM_BASIC);
const extended = new Set(GSM_EXTENDED);

/** The encoding a text needs. */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** How a text is sent as SMS. */
export interface SmsInfo {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 units (UCS-2). */
  units: number;
  /** Segments billed. */
  segments: number;
}

/** `GSM-7` when every character is in the GSM alphabet, else `UCS-2`. */
export function smsEncoding(text: string): SmsEncoding {
  for (const ch of text) if (!basic.has(ch) && !extended.has(ch)) return 'UCS-2';
  return 'GSM-7';
}

function unitsOf(ch: string, encoding: SmsEncoding): number {
  if (encoding === 'UCS-2') return ch.length; // UTF-16 units: astral characters (emoji) take two.
  return extended.has(ch) ? 2 : 1;
}

/** Encoding, length and number of segments of a text. */
export function smsInfo(text: string): SmsInfo {
  const encoding = smsEncoding(text);
  let units = 0;
  for (const ch of text) units += unitsOf(ch, encoding);
  const single = encoding === 'GSM-7' ? 160 : 70;
  const multi = encoding === 'GSM-7' ? 153 : 67;
  return { encoding, units, segments: units === 0 ? 1 : units <= single ? 1 : Math.ceil(units / multi) };
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Cuts a text into segments of at most 153 septets (GSM-7) or 67 UTF-16 units (UCS-2), or keeps
 * it whole when it fits one single message (160 / 70). Cuts fall after whitespace when the
 * segment has some, never inside a grapheme (emoji, combining marks, surrogate pairs).
 */
export function splitSmsSegments(text: string): string[] {
  const info = smsInfo(text);
  const single = info.encoding === 'GSM-7' ? 160 : 70;
  if (info.units <= single) return [text];
  const limit = info.encoding === 'GSM-7' ? 153 : 67;
  const graphemes = [...segmenter.segment(text)].map((s) => s.segment);
  const segments: string[] = [];
  let current: string[] = [];
  let units = 0;
  let lastBreak = -1; // index in `current` after which a cut keeps words whole
  for (const g of graphemes) {
    let size = 0;
    for (const ch of g) size += unitsOf(ch, info.encoding);
    if (units + size > limit && current.length > 0) {
      if (lastBreak >= 0 && lastBreak < current.length - 1) {
        const rest = current.slice(lastBreak + 1);
        segments.push(current.slice(0, lastBreak + 1).join(''));
        current = rest;
      } else {
        segments.push(current.join(''));
        current = [];
      }
      units = 0;
      for (const c of current) for (const ch of c) units += unitsOf(ch, info.encoding);
      lastBreak = -1;
      current.forEach((c, i) => {
        if (/\s/.test(c)) lastBreak = i;
      });
    }
    current.push(g);
    units += size;
    if (/\s/.test(g)) lastBreak = current.length - 1;
  }
  if (current.length) segments.push(current.join(''));
  return segments;
}

/**
 * Splits a long text into SMS messages of at most `maxSegments` segments each (Twilio takes up
 * to 1600 characters per message and concatenates the segments on the handset).
 */
export function splitSms(text: string, maxSegments = 10): string[] {
  const segments = splitSmsSegments(text);
  if (segments.length === 1) return segments;
  const messages: string[] = [];
  for (let i = 0; i < segments.length; i += maxSegments) messages.push(segments.slice(i, i + maxSegments).join(''));
  return messages;
}
