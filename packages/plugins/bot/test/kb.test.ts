import { readFileSync } from 'node:fs';
import { createMemoryStore, isKefuError } from '@kefu/core';
import { describe, expect, it } from 'vitest';
import { BotErrorCodes, KB_LIMITS, createKnowledgeBase, exportKb, parseCsvKb, parseJsonKb, parseKb, parseMarkdownKb, pickAnswer, validateEntry } from '../src/index.js';
import { KB } from './fixtures/kb.js';

describe('JSON import', () => {
  it('accepts the issue format and reports each bad row with its reason', () => {
    const report = parseJsonKb(
      JSON.stringify([
        { id: 'a', question: '运费怎么算', answer: '满99包邮', category: 'shipping' },
        { id: 'b', question: '', answer: 'x' },
        { id: 'c', question: '发票', similar: 'not a list', answer: 'x' },
        { id: 'a', question: '重复', answer: 'x' },
        { question: '没有 id', answer: 'x' },
        { id: 'd', question: '没有答案' },
        { id: 'e', question: '阶段', answer: 'x', stage: 'later' },
        { id: 'f', question: 'x'.repeat(KB_LIMITS.questionLength + 1), answer: 'x' },
        'not an object',
      ]),
    );
    expect(report.total).toBe(9);
    expect(report.entries.map((e) => e.id)).toEqual(['a']);
    expect(report.rejected).toEqual([
      { row: 2, id: 'b', reason: 'question is required' },
      { row: 3, id: 'c', reason: 'similar must be an array of strings' },
      { row: 4, id: 'a', reason: 'duplicate id "a"' },
      { row: 5, reason: 'id is required' },
      { row: 6, id: 'd', reason: 'answer or parts is required' },
      { row: 7, id: 'e', reason: 'stage must be one of pre-sale, in-sale, after-sale' },
      { row: 8, id: 'f', reason: `question is longer than ${KB_LIMITS.questionLength} characters` },
      { row: 9, reason: 'entry must be an object' },
    ]);
  });
  it('refuses text that is not a JSON list with a coded error', () => {
    expect(() => parseJsonKb('{oops')).toThrowError(expect.objectContaining({ code: BotErrorCodes.IMPORT_FORMAT }));
    expect(() => parseJsonKb('{"a":1}')).toThrowError(expect.objectContaining({ code: BotErrorCodes.IMPORT_FORMAT }));
  });
  it('checks variants', () => {
    expect(validateEntry({ id: 'x', question: 'q', answer: 'a', variants: [{ when: {}, answer: 'b' }] })).toBe('variant.when needs tier, tag, locale or channel');
    expect(validateEntry({ id: 'x', question: 'q', answer: 'a', variants: [{ when: { tier: 'vip' } }] })).toBe('variant needs answer or parts');
  });
  it('loads the shipped FAQ without a rejected row', () => {
    const report = parseJsonKb(readFileSync(new URL('../data/faq.json', import.meta.url), 'utf8'));
    expect(report.rejected).toEqual([]);
    expect(report.entries.length).toBeGreaterThanOrEqual(150);
    const categories = new Set(report.entries.map((e) => e.category));
    for (const c of ['shipping', 'returns', 'refunds', 'invoices', 'payment', 'coupons', 'size', 'warranty', 'account', 'promotions', 'presale']) expect(categories).toContain(c);
    expect(report.entries.every((e) => e.variants?.some((v) => v.when.locale === 'en'))).toBe(true);
  });
});

describe('CSV import', () => {
  it('reads quoted fields, lists and variant columns, and reports bad rows by line', () => {
    const csv = [
      'id,question,similar,answer,category,stage,enabled,answer@tier=vip,answer@locale=en',
      'ship-fee,运费怎么算,"包邮吗 | 满多少包邮","满 99 包邮,不满 8 元",shipping,pre-sale,true,VIP 全场包邮,Free from ¥99',
      'bad-stage,问题,,答案,,someday,,,',
      ',没有id,,答案,,,,,',
      'multi,"多行',
      '问题",,"第一行',
      '第二行 ""引号""",,,false,,',
    ].join('\n');
    const report = parseCsvKb(csv);
    expect(report.entries).toHaveLength(2);
    const fee = report.entries[0]!;
    expect(fee.similar).toEqual(['包邮吗', '满多少包邮']);
    expect(fee.answer).toBe('满 99 包邮,不满 8 元');
    expect(fee.variants).toEqual([
      { when: { tier: 'vip' }, answer: 'VIP 全场包邮' },
      { when: { locale: 'en' }, answer: 'Free from ¥99' },
    ]);
    const multi = report.entries[1]!;
    expect(multi.question).toBe('多行\n问题');
    expect(multi.answer).toBe('第一行\n第二行 "引号"');
    expect(multi.enabled).toBe(false);
    expect(report.rejected).toEqual([
      { row: 3, id: 'bad-stage', reason: 'stage must be one of pre-sale, in-sale, after-sale' },
      { row: 4, reason: 'id is required' },
    ]);
  });
  it('refuses a CSV without the needed header', () => {
    expect(() => parseCsvKb('a,b\n1,2')).toThrowError(expect.objectContaining({ code: BotErrorCodes.IMPORT_FORMAT }));
    expect(() => parseCsvKb('id,question,answer\n"x,open')).toThrowError(expect.objectContaining({ code: BotErrorCodes.IMPORT_FORMAT }));
  });
});

describe('Markdown import', () => {
  it('reads ## sections with metadata lines and reports bad sections by line', () => {
    const md = ['# FAQ', '', '## 运费怎么算？', '- id: ship-fee', '- similar: 包邮吗 | 满多少包邮', '- stage: pre-sale', '- answer@tier=vip: VIP 全场包邮', '', '满 99 元包邮。', '', '不满收 8 元。', '', '## 没有 id 的问题', '', '答案', ''].join('\n');
    const report = parseMarkdownKb(md);
    expect(report.entries).toEqual([
      { id: 'ship-fee', question: '运费怎么算？', similar: ['包邮吗', '满多少包邮'], answer: '满 99 元包邮。\n\n不满收 8 元。', stage: 'pre-sale', variants: [{ when: { tier: 'vip' }, answer: 'VIP 全场包邮' }] },
    ]);
    expect(report.rejected).toEqual([{ row: 13, reason: 'id is required' }]);
    expect(() => parseMarkdownKb('no sections here')).toThrowError(expect.objectContaining({ code: BotErrorCodes.IMPORT_FORMAT }));
  });
});

describe('export', () => {
  it.each(['json', 'csv', 'md'] as const)('round-trips through %s', (format) => {
    const entries = KB.filter((e) => !e.parts);
    const back = parseKb(exportKb(entries, format), format);
    expect(back.rejected).toEqual([]);
    if (format === 'json') expect(back.entries).toEqual(entries);
    else {
      expect(back.entries.map((e) => [e.id, e.question, e.answer, e.similar ?? [], e.stage, e.enabled])).toEqual(entries.map((e) => [e.id, e.question, e.answer, e.similar ?? [], e.stage, e.enabled]));
      expect(back.entries[0]!.variants).toEqual(entries[0]!.variants!.filter((v) => Object.keys(v.when).length === 1));
    }
  });
});

describe('variants (千人千面)', () => {
  const fee = KB[0]!;
  it('picks the most specific matching variant', () => {
    expect(pickAnswer(fee, {}).text).toBe('满 99 元包邮，不满收 8 元运费。');
    expect(pickAnswer(fee, { tier: 'vip' }).text).toBe('VIP 会员全场包邮。');
    expect(pickAnswer(fee, { tier: 'vip', locale: 'en' }).text).toBe('As a VIP every order ships free.');
    expect(pickAnswer(fee, { locale: 'en' }).text).toBe('Free shipping from ¥99; otherwise ¥8.');
    expect(pickAnswer(fee, { tier: 'normal', tags: ['new'] }).text).toBe('新客首单包邮。');
  });
});

describe('knowledge base', () => {
  it('persists in the store, survives a reload, and replaces atomically', async () => {
    const store = createMemoryStore();
    const kb = await createKnowledgeBase(KB, { store });
    expect(kb.size).toBe(KB.length);
    expect(kb.understander.understand('包邮吗').entry?.id).toBe('ship-fee');

    await kb.replace([{ id: 'only', question: '营业时间', answer: '9 点到 24 点' }]);
    expect(kb.understander.understand('包邮吗').entry).toBeUndefined();
    expect(kb.understander.understand('营业时间').entry?.id).toBe('only');

    const reloaded = await createKnowledgeBase(KB, { store });
    expect(reloaded.list().map((e) => e.id)).toEqual(['only']);

    const error = await reloaded.replace([{ id: 'ok', question: 'q', answer: 'a' }, { id: 'bad' }]).catch((e) => e);
    expect(isKefuError(error, BotErrorCodes.INVALID_ENTRY)).toBe(true);
    expect(error.details.rejected).toEqual([{ row: 2, id: 'bad', reason: 'question is required' }]);
    expect(reloaded.list().map((e) => e.id)).toEqual(['only']);
    expect(await store.kvGet('kefu.bot', 'kb')).toEqual([{ id: 'only', question: '营业时间', answer: '9 点到 24 点' }]);
  });
  it('imports by merging or replacing and returns the rejected rows', async () => {
    const kb = await createKnowledgeBase(KB.slice(0, 2));
    const report = await kb.import(JSON.stringify([{ id: 'ship-fee', question: '运费', answer: '新运费规则' }, { id: 'new', question: '新问题', answer: '新答案' }, { id: 'x' }]), 'json');
    expect(report.rejected).toHaveLength(1);
    expect(kb.list().map((e) => e.id)).toEqual(['ship-fee', 'ship-where', 'new']);
    expect(kb.get('ship-fee')?.answer).toBe('新运费规则');
    await kb.import('id,question,answer\nsolo,唯一,答案', 'csv', { mode: 'replace' });
    expect(kb.list().map((e) => e.id)).toEqual(['solo']);
  });
});
