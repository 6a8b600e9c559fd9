import { KefuError, type Part } from '@kefu/core';
import { BotErrorCodes } from './errors.js';
import type { AnswerVariant, ImportReport, KbEntry, RejectedRow, Stage, VariantCondition } from './types.js';

/** Limits on entries; oversized input is rejected row by row with a reason. */
export const KB_LIMITS = {
  entries: 100_000,
  idLength: 128,
  questionLength: 500,
  similarCount: 200,
  answerLength: 10_000,
} as const;

const STAGES: readonly Stage[] = ['pre-sale', 'in-sale', 'after-sale'];
const PART_TYPES = new Set(['text', 'image', 'file', 'audio', 'location', 'card', 'action', 'event']);

/** The import and export formats. */
export type KbFormat = 'json' | 'csv' | 'md';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkCondition(when: unknown): VariantCondition | string {
  if (!isRecord(when)) return 'variant.when must be an object';
  const out: VariantCondition = {};
  for (const key of ['tier', 'tag', 'locale', 'channel'] as const) {
    const v = when[key];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !v) return `variant.when.${key} must be a non-empty string`;
    out[key] = v;
  }
  if (Object.keys(out).length === 0) return 'variant.when needs tier, tag, locale or channel';
  return out;
}

function checkParts(parts: unknown): Part[] | string {
  if (!Array.isArray(parts)) return 'parts must be an array';
  for (const p of parts) if (!isRecord(p) || typeof p.type !== 'string' || !PART_TYPES.has(p.type)) return 'parts contains an element without a known type';
  return parts as Part[];
}

/**
 * Checks one raw entry. Answers the clean entry, or the reason it is refused. Unknown fields are
 * dropped so an exported file can be imported back unchanged.
 */
export function validateEntry(raw: unknown): KbEntry | string {
  if (!isRecord(raw)) return 'entry must be an object';
  const { id, question, similar, answer, parts, category, stage, variants, channels, enabled, intent } = raw;
  if (typeof id !== 'string' || !id.trim()) return 'id is required';
  if (id.length > KB_LIMITS.idLength) return `id is longer than ${KB_LIMITS.idLength} characters`;
  if (typeof question !== 'string' || !question.trim()) return 'question is required';
  if (question.length > KB_LIMITS.questionLength) return `question is longer than ${KB_LIMITS.questionLength} characters`;
  const entry: KbEntry = { id: id.trim(), question: question.trim() };
  if (similar !== undefined) {
    if (!Array.isArray(similar) || similar.some((s) => typeof s !== 'string')) return 'similar must be an array of strings';
    if (similar.length > KB_LIMITS.similarCount) return `more than ${KB_LIMITS.similarCount} similar questions`;
    if (similar.some((s: string) => s.length > KB_LIMITS.questionLength)) return `a similar question is longer than ${KB_LIMITS.questionLength} characters`;
    const list = (similar as string[]).map((s) => s.trim()).filter(Boolean);
    if (list.length) entry.similar = list;
  }
  if (answer !== undefined) {
    if (typeof answer !== 'string') return 'answer must be a string';
    if (answer.length > KB_LIMITS.answerLength) return `answer is longer than ${KB_LIMITS.answerLength} characters`;
    if (answer.trim()) entry.answer = answer;
  }
  if (parts !== undefined) {
    const checked = checkParts(parts);
    if (typeof checked === 'string') return checked;
    if (checked.length) entry.parts = checked;
  }
  if (!entry.answer && !entry.parts) return 'answer or parts is required';
  if (category !== undefined) {
    if (typeof category !== 'string') return 'category must be a string';
    if (category) entry.category = category;
  }
  if (stage !== undefined && stage !== '') {
    if (!STAGES.includes(stage as Stage)) return `stage must be one of ${STAGES.join(', ')}`;
    entry.stage = stage as Stage;
  }
  if (variants !== undefined) {
    if (!Array.isArray(variants)) return 'variants must be an array';
    const list: AnswerVariant[] = [];
    for (const v of variants) {
      if (!isRecord(v)) return 'variant must be an object';
      const when = checkCondition(v.when);
      if (typeof when === 'string') return when;
      const variant: AnswerVariant = { when };
      if (v.answer !== undefined) {
        if (typeof v.answer !== 'string' || !v.answer.trim()) return 'variant.answer must be a non-empty string';
        if (v.answer.length > KB_LIMITS.answerLength) return `variant.answer is longer than ${KB_LIMITS.answerLength} characters`;
        variant.answer = v.answer;
      }
      if (v.parts !== undefined) {
        const checked = checkParts(v.parts);
        if (typeof checked === 'string') return `variant.${checked}`;
        variant.parts = checked;
      }
      if (!variant.answer && !variant.parts) return 'variant needs answer or parts';
      list.push(variant);
    }
    if (list.length) entry.variants = list;
  }
  if (channels !== undefined) {
    if (!Array.isArray(channels) || channels.some((c) => typeof c !== 'string' || !c)) return 'channels must be an array of channel names';
    if (channels.length) entry.channels = channels as string[];
  }
  if (enabled !== undefined) {
    if (typeof enabled !== 'boolean') return 'enabled must be true or false';
    if (!enabled) entry.enabled = false;
  }
  if (intent !== undefined) {
    if (typeof intent !== 'string') return 'intent must be a string';
    if (intent) entry.intent = intent;
  }
  return entry;
}

/** Called while rows are checked (`done` of `total`), for progress bars. */
export type ProgressListener = (done: number, total: number) => void;

/** Validates a list of raw rows: duplicates of an earlier id are refused. `rowOf` maps list index → reported row. */
export function validateEntries(rows: unknown[], rowOf: (index: number) => number = (i) => i + 1, onProgress?: ProgressListener): ImportReport {
  const entries: KbEntry[] = [];
  const step = Math.max(1, Math.floor(rows.length / 100));
  const rejected: RejectedRow[] = [];
  const seen = new Set<string>();
  rows.forEach((raw, i) => {
    const row = rowOf(i);
    const id = isRecord(raw) && typeof raw.id === 'string' ? raw.id : undefined;
    if (entries.length >= KB_LIMITS.entries) {
      rejected.push({ row, ...(id ? { id } : {}), reason: `more than ${KB_LIMITS.entries} entries` });
      return;
    }
    const result = validateEntry(raw);
    if (typeof result === 'string') rejected.push({ row, ...(id ? { id } : {}), reason: result });
    else if (seen.has(result.id)) rejected.push({ row, id: result.id, reason: `duplicate id "${result.id}"` });
    else {
      seen.add(result.id);
      entries.push(result);
    }
    if (onProgress && ((i + 1) % step === 0 || i + 1 === rows.length)) onProgress(i + 1, rows.length);
  });
  return { entries, rejected, total: rows.length };
}

// ---------- JSON ----------

/** Parses the JSON format: an array of entries (or `{ "entries": [...] }`). */
export function parseJsonKb(text: string, onProgress?: ProgressListener): ImportReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new KefuError(BotErrorCodes.IMPORT_FORMAT, `The knowledge base is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  const rows = Array.isArray(data) ? data : isRecord(data) && Array.isArray(data.entries) ? data.entries : undefined;
  if (!rows) throw new KefuError(BotErrorCodes.IMPORT_FORMAT, 'A JSON knowledge base is an array of entries (or { "entries": [...] })');
  return validateEntries(rows, undefined, onProgress);
}

// ---------- CSV ----------

/** RFC 4180 rows: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const src = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    if (quoted) {
      if (ch === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (quoted) throw new KefuError(BotErrorCodes.IMPORT_FORMAT, 'The CSV ends inside a quoted field');
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim() !== ''));
}

const LIST_SEPARATOR = /\s*[|｜]\s*/;
const VARIANT_COLUMN = /^answer@(tier|tag|locale|channel)=(.+)$/;

/**
 * Parses CSV with a header row. Columns: `id`, `question`, `similar` (separated by `|`), `answer`,
 * `category`, `stage`, `channels` (`|`), `enabled`, `intent`, and variant columns named
 * `answer@tier=vip`, `answer@locale=en`, `answer@tag=new`, `answer@channel=wechat`.
 */
export function parseCsvKb(text: string, onProgress?: ProgressListener): ImportReport {
  const rows = parseCsvRows(text);
  const header = rows.shift()?.map((h) => h.trim().toLowerCase());
  if (!header || !header.includes('id') || !header.includes('question')) {
    throw new KefuError(BotErrorCodes.IMPORT_FORMAT, 'The CSV needs a header row with at least "id", "question" and "answer" columns');
  }
  const raws = rows.map((cells) => {
    const get = (name: string) => {
      const i = header.indexOf(name);
      return i >= 0 ? (cells[i] ?? '').trim() : undefined;
    };
    const raw: Record<string, unknown> = { id: get('id'), question: get('question') };
    const similar = get('similar');
    if (similar) raw.similar = similar.split(LIST_SEPARATOR).filter(Boolean);
    const answer = cells[header.indexOf('answer')];
    if (answer !== undefined && header.includes('answer')) raw.answer = answer.trim();
    for (const key of ['category', 'stage', 'intent'] as const) {
      const v = get(key);
      if (v) raw[key] = v;
    }
    const channels = get('channels');
    if (channels) raw.channels = channels.split(LIST_SEPARATOR).filter(Boolean);
    const enabled = get('enabled');
    if (enabled) raw.enabled = /^(true|1|yes|y|是)$/i.test(enabled) ? true : /^(false|0|no|n|否)$/i.test(enabled) ? false : enabled;
    const variants: AnswerVariant[] = [];
    header.forEach((h, i) => {
      const m = VARIANT_COLUMN.exec(h);
      const value = (cells[i] ?? '').trim();
      if (m && value) variants.push({ when: { [m[1]!]: m[2]! }, answer: value });
    });
    if (variants.length) raw.variants = variants;
    return raw;
  });
  // Row numbers count the header as line 1, as a spreadsheet shows them.
  return validateEntries(raws, (i) => i + 2, onProgress);
}

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

// ---------- Markdown ----------

/**
 * Parses Markdown: one `## question` section per entry, `- key: value` metadata lines
 * (`id`, `similar` with `|`, `category`, `stage`, `channels`, `intent`, `enabled`,
 * `answer@tier=vip` ...), then the answer as the remaining paragraphs.
 */
export function parseMarkdownKb(text: string, onProgress?: ProgressListener): ImportReport {
  const sections: Array<{ line: number; raw: Record<string, unknown> }> = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let current: { line: number; question: string; meta: Record<string, string>; body: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const raw: Record<string, unknown> = { question: current.question };
    const m = current.meta;
    if (m.id) raw.id = m.id;
    if (m.similar) raw.similar = m.similar.split(LIST_SEPARATOR).filter(Boolean);
    if (m.category) raw.category = m.category;
    if (m.stage) raw.stage = m.stage;
    if (m.intent) raw.intent = m.intent;
    if (m.channels) raw.channels = m.channels.split(LIST_SEPARATOR).filter(Boolean);
    if (m.enabled) raw.enabled = /^(true|yes|1)$/i.test(m.enabled) ? true : /^(false|no|0)$/i.test(m.enabled) ? false : m.enabled;
    const variants: AnswerVariant[] = [];
    for (const [k, v] of Object.entries(m)) {
      const vm = VARIANT_COLUMN.exec(k);
      if (vm && v) variants.push({ when: { [vm[1]!]: vm[2]! }, answer: v });
    }
    if (variants.length) raw.variants = variants;
    const answer = current.body.join('\n').trim();
    if (answer) raw.answer = answer;
    sections.push({ line: current.line, raw });
  };
  lines.forEach((line, i) => {
    const heading = /^##\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      flush();
      current = { line: i + 1, question: heading[1]!, meta: {}, body: [] };
      return;
    }
    if (!current) return;
    const meta = /^[-*]\s+([\w@=.-]+)\s*:\s*(.*)$/.exec(line);
    if (meta && current.body.every((b) => !b.trim())) {
      current.meta[meta[1]!.toLowerCase()] = meta[2]!.trim();
      return;
    }
    current.body.push(line);
  });
  flush();
  if (sections.length === 0) throw new KefuError(BotErrorCodes.IMPORT_FORMAT, 'The Markdown has no "## question" sections');
  return validateEntries(
    sections.map((s) => s.raw),
    (i) => sections[i]!.line,
    onProgress,
  );
}

// ---------- dispatch ----------

/** Guesses the format from a file name. */
export function formatOf(fileName: string): KbFormat {
  if (/\.csv$/i.test(fileName)) return 'csv';
  if (/\.(md|markdown)$/i.test(fileName)) return 'md';
  return 'json';
}

/** Parses an import file in any of the formats. */
export function parseKb(text: string, format: KbFormat, onProgress?: ProgressListener): ImportReport {
  if (format === 'csv') return parseCsvKb(text, onProgress);
  if (format === 'md') return parseMarkdownKb(text, onProgress);
  if (format === 'json') return parseJsonKb(text, onProgress);
  throw new KefuError(BotErrorCodes.IMPORT_FORMAT, `Unknown knowledge-base format "${String(format)}"`);
}

/** Serialises entries; JSON keeps everything, CSV and Markdown keep text answers and variants. */
export function exportKb(entries: readonly KbEntry[], format: KbFormat): string {
  if (format === 'json') return `${JSON.stringify(entries, null, 2)}\n`;
  const variantKeys = [...new Set(entries.flatMap((e) => (e.variants ?? []).filter((v) => v.answer && Object.keys(v.when).length === 1).map((v) => variantKey(v.when))))];
  if (format === 'csv') {
    const header = ['id', 'question', 'similar', 'answer', 'category', 'stage', 'channels', 'enabled', 'intent', ...variantKeys];
    const lines = [header.join(',')];
    for (const e of entries) {
      const variants = new Map((e.variants ?? []).filter((v) => v.answer && Object.keys(v.when).length === 1).map((v) => [variantKey(v.when), v.answer!]));
      const cells = [e.id, e.question, (e.similar ?? []).join(' | '), e.answer ?? '', e.category ?? '', e.stage ?? '', (e.channels ?? []).join(' | '), e.enabled === false ? 'false' : 'true', e.intent ?? '', ...variantKeys.map((k) => variants.get(k) ?? '')];
      lines.push(cells.map(csvCell).join(','));
    }
    return `${lines.join('\n')}\n`;
  }
  if (format === 'md') {
    const out: string[] = [];
    for (const e of entries) {
      out.push(`## ${e.question}`, '', `- id: ${e.id}`);
      if (e.similar?.length) out.push(`- similar: ${e.similar.join(' | ')}`);
      if (e.category) out.push(`- category: ${e.category}`);
      if (e.stage) out.push(`- stage: ${e.stage}`);
      if (e.channels?.length) out.push(`- channels: ${e.channels.join(' | ')}`);
      if (e.intent) out.push(`- intent: ${e.intent}`);
      if (e.enabled === false) out.push('- enabled: false');
      for (const v of e.variants ?? []) if (v.answer && Object.keys(v.when).length === 1 && !v.answer.includes('\n')) out.push(`- ${variantKey(v.when)}: ${v.answer}`);
      out.push('', e.answer ?? '', '');
    }
    return out.join('\n');
  }
  throw new KefuError(BotErrorCodes.IMPORT_FORMAT, `Unknown knowledge-base format "${String(format)}"`);
}

function variantKey(when: VariantCondition): string {
  const [k, v] = Object.entries(when)[0]!;
  return `answer@${k}=${v}`;
}

/** Who is asking, for picking a variant. */
export interface AnswerAudience {
  tier?: string;
  tags?: readonly string[];
  locale?: string;
  channel?: string;
}

/**
 * The answer for this customer (千人千面): the variant whose conditions all hold with the most
 * conditions wins; the entry's own answer otherwise.
 */
export function pickAnswer(entry: KbEntry, audience: AnswerAudience): { text?: string; parts?: Part[]; variant?: VariantCondition } {
  let best: AnswerVariant | undefined;
  let bestSize = 0;
  for (const v of entry.variants ?? []) {
    const w = v.when;
    if (w.tier !== undefined && w.tier !== audience.tier) continue;
    if (w.tag !== undefined && !audience.tags?.includes(w.tag)) continue;
    if (w.locale !== undefined && !audience.locale?.startsWith(w.locale)) continue;
    if (w.channel !== undefined && w.channel !== audience.channel) continue;
    const size = Object.keys(w).length;
    if (size > bestSize) {
      best = v;
      bestSize = size;
    }
  }
  // A tier variant without text in the customer's language must not answer an English speaker in Chinese.
  if (best && audience.locale?.startsWith('en') && !best.when.locale && best.answer && /[\u3400-\u9fff]/.test(best.answer)) {
    const english = (entry.variants ?? []).find((v) => v.when.locale === 'en' && Object.keys(v.when).length === 1);
    if (english) best = english;
  }
  if (best) return { ...(best.answer ? { text: best.answer } : {}), ...(best.parts ? { parts: best.parts } : {}), variant: best.when };
  return { ...(entry.answer ? { text: entry.answer } : {}), ...(entry.parts ? { parts: entry.parts } : {}) };
}
