import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KefuApp, type Message, createApp, createMemoryStore } from '@kefu/core';
import { createTestAdapter } from '@kefu/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BotErrorCodes, createBotPlugin, createOpenAiCompatibleProvider, groundedAnswer, llmProviderFromEnv } from '../src/index.js';
import { KB } from './fixtures/kb.js';

/** A local server speaking the OpenAI chat-completions wire format. */
let mode: 'ok' | 'no-answer' | '500' | 'slow' | 'garbage' = 'ok';
const requests: Array<{ auth?: string; body: { model: string; messages: Array<{ role: string; content: string }> } }> = [];
let server: Server;
let baseUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      requests.push({ ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body: JSON.parse(raw) });
      if (mode === 'slow') return; // never answers: the client must time out
      if (mode === '500') {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"overloaded"}}');
        return;
      }
      if (mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[]}');
        return;
      }
      const content = mode === 'no-answer' ? 'NO_ANSWER' : '您好，满 99 元就包邮哦。';
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'c1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

let apps: KefuApp[] = [];
afterEach(async () => {
  for (const a of apps) await a.close();
  apps = [];
  requests.length = 0;
  mode = 'ok';
});

async function bot(llmMode: 'fallback' | 'rephrase' = 'fallback') {
  const adapter = createTestAdapter();
  const app = createApp({ store: createMemoryStore() });
  const llm = createOpenAiCompatibleProvider({ baseUrl, apiKey: 'sk-test', model: 'test-model', timeoutMs: 300 });
  // A high answer threshold sends everything but exact questions to the LLM path.
  app.adapter(adapter).use(createBotPlugin({ entries: KB, llm, llmMode, unansweredLimit: 0, understanding: { thresholds: { answer: 0.95, suggest: 0.9 } } }));
  await app.start();
  apps.push(app);
  const replies = async (id: string): Promise<Message[]> => (await app.store.listMessages(id)).filter((m) => m.author.role === 'bot');
  return { app, adapter, replies };
}

describe('OpenAI-compatible provider', () => {
  it('sends the model, the key and grounded entries, and returns the content', async () => {
    const provider = createOpenAiCompatibleProvider({ baseUrl, apiKey: 'sk-test', model: 'test-model' });
    const answer = await groundedAnswer(provider, { question: '多少钱包邮', entries: [{ question: '运费怎么算？', answer: '满 99 元包邮' }], locale: 'zh', mode: 'fallback' });
    expect(answer).toBe('您好，满 99 元就包邮哦。');
    expect(requests[0]?.auth).toBe('Bearer sk-test');
    expect(requests[0]?.body.model).toBe('test-model');
    expect(requests[0]?.body.messages[1]?.content).toContain('A: 满 99 元包邮');
    expect(requests[0]?.body.messages[0]?.content).toContain('NO_ANSWER');
  });

  it('answers undefined when the model says the entries do not cover the question', async () => {
    mode = 'no-answer';
    const provider = createOpenAiCompatibleProvider({ baseUrl, model: 'm' });
    expect(await groundedAnswer(provider, { question: 'x', entries: [{ question: 'q', answer: 'a' }], locale: 'en', mode: 'fallback' })).toBeUndefined();
  });

  it.each([
    ['500', { status: 500 }],
    ['slow', { timeout: true }],
    ['garbage', {}],
  ] as const)('turns a %s answer into KEFU_BOT_LLM_FAILED', async (m, details) => {
    mode = m;
    const provider = createOpenAiCompatibleProvider({ baseUrl, model: 'm', timeoutMs: 200 });
    const error = await provider.complete([{ role: 'user', content: 'hi' }]).catch((e) => e);
    expect(error.code).toBe(BotErrorCodes.LLM_FAILED);
    expect(error.details).toMatchObject(details);
  });

  it('is off unless the environment names a URL', () => {
    expect(llmProviderFromEnv({})).toBeUndefined();
    expect(llmProviderFromEnv({ KEFU_BOT_LLM_URL: baseUrl, KEFU_BOT_LLM_MODEL: 'x' })?.model).toBe('x');
  });
});

describe('the bot with an LLM', () => {
  it('answers a question the KB only half matches with the grounded LLM answer', async () => {
    const { adapter, replies } = await bot();
    const r = await adapter.inject({ from: 'u', text: '买多少钱的东西才可以不出邮费呀' });
    const last = (await replies(r.conversation.id)).at(-1)!;
    expect(last.text).toBe('您好，满 99 元就包邮哦。');
    expect(last.meta?.bot).toMatchObject({ source: 'llm' });
    expect(requests[0]?.body.messages[1]?.content).toContain('满 99 元包邮');
  });

  it('rephrases KB answers in rephrase mode', async () => {
    const { adapter, replies } = await bot('rephrase');
    const r = await adapter.inject({ from: 'u', text: '包邮吗' });
    expect((await replies(r.conversation.id)).at(-1)?.text).toBe('您好，满 99 元就包邮哦。');
  });

  it.each(['500', 'slow'] as const)('still answers from the KB when the LLM fails (%s)', async (m) => {
    mode = m;
    const { adapter, replies } = await bot('rephrase');
    const answered = await adapter.inject({ from: 'u', text: '包邮吗' });
    expect((await replies(answered.conversation.id)).at(-1)?.text).toBe('满 99 元包邮，不满收 8 元运费。');
    const unknown = await adapter.inject({ from: 'v', text: '今天天气怎么样' });
    expect((await replies(unknown.conversation.id)).at(-1)?.text).toContain('抱歉，我还没理解');
  });
});
