import { KefuError } from '@kefu/core';
import { BotErrorCodes } from './errors.js';
import type { KbEntry } from './types.js';

/** One chat message of an OpenAI-compatible request. */
export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** A chat-completion provider. Throws `KEFU_BOT_LLM_FAILED` on any failure. */
export interface LlmProvider {
  readonly model: string;
  complete(messages: LlmMessage[], options?: { maxTokens?: number; temperature?: number }): Promise<string>;
}

/** Options of {@link createOpenAiCompatibleProvider}. */
export interface OpenAiCompatibleOptions {
  /** Base URL up to `/v1`, e.g. `https://api.example.com/v1` or a local server. */
  baseUrl: string;
  apiKey?: string;
  model: string;
  /** Injectable transport (tests, proxies). Default: global fetch. */
  fetch?: typeof fetch;
  /** Per-request timeout. Default 4000 ms: a customer is waiting. */
  timeoutMs?: number;
}

/**
 * A provider speaking the OpenAI chat-completions wire format (`POST {baseUrl}/chat/completions`),
 * which most hosted and local model servers accept.
 */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleOptions): LlmProvider {
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 4000;
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
  return {
    model: options.model,
    async complete(messages, { maxTokens = 400, temperature = 0.2 } = {}) {
      let response: Response;
      try {
        response = await doFetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
          body: JSON.stringify({ model: options.model, messages, max_tokens: maxTokens, temperature }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const timedOut = (error as Error)?.name === 'TimeoutError' || (error as Error)?.name === 'AbortError';
        throw new KefuError(BotErrorCodes.LLM_FAILED, timedOut ? `The LLM did not answer within ${timeoutMs} ms` : `The LLM request failed: ${(error as Error)?.message}`, {
          cause: error,
          details: { url, timeout: timedOut },
        });
      }
      if (!response.ok) {
        const body = await response.text().catch(() => '');
        throw new KefuError(BotErrorCodes.LLM_FAILED, `The LLM answered HTTP ${response.status}`, { details: { url, status: response.status, body: body.slice(0, 500) } });
      }
      let data: unknown;
      try {
        data = await response.json();
      } catch (error) {
        throw new KefuError(BotErrorCodes.LLM_FAILED, 'The LLM answered something that is not JSON', { cause: error, details: { url } });
      }
      const content = (data as { choices?: Array<{ message?: { content?: unknown } }> })?.choices?.[0]?.message?.content;
      if (typeof content !== 'string') throw new KefuError(BotErrorCodes.LLM_FAILED, 'The LLM answer has no choices[0].message.content', { details: { url } });
      return content.trim();
    },
  };
}

/**
 * The provider configured by the environment, or `undefined` (the default: off).
 * `KEFU_BOT_LLM_URL` (base URL, required to turn it on), `KEFU_BOT_LLM_MODEL`, `KEFU_BOT_LLM_API_KEY`,
 * `KEFU_BOT_LLM_TIMEOUT_MS`.
 */
export function llmProviderFromEnv(env: Record<string, string | undefined> = process.env, fetchImpl?: typeof fetch): LlmProvider | undefined {
  const baseUrl = env.KEFU_BOT_LLM_URL;
  if (!baseUrl) return undefined;
  const timeout = Number(env.KEFU_BOT_LLM_TIMEOUT_MS);
  return createOpenAiCompatibleProvider({
    baseUrl,
    model: env.KEFU_BOT_LLM_MODEL ?? 'gpt-4o-mini',
    ...(env.KEFU_BOT_LLM_API_KEY ? { apiKey: env.KEFU_BOT_LLM_API_KEY } : {}),
    ...(Number.isFinite(timeout) && timeout > 0 ? { timeoutMs: timeout } : {}),
    ...(fetchImpl ? { fetch: fetchImpl } : {}),
  });
}

/** The marker the model returns when the entries do not answer the question. */
export const NO_ANSWER = 'NO_ANSWER';

/**
 * Asks the model to answer only from the given entries (`fallback`) or to rephrase one entry's
 * answer for this question (`rephrase`). Answers `undefined` when the model says the entries do
 * not cover the question. Throws `KEFU_BOT_LLM_FAILED` when the provider fails.
 */
export async function groundedAnswer(provider: LlmProvider, input: { question: string; entries: Array<Pick<KbEntry, 'question'> & { answer: string }>; locale: 'zh' | 'en'; mode: 'fallback' | 'rephrase' }): Promise<string | undefined> {
  if (input.entries.length === 0) return undefined;
  const language = input.locale === 'en' ? 'English' : 'Simplified Chinese';
  const system =
    input.mode === 'rephrase'
      ? `You are the customer service assistant of an online shop. Rephrase the knowledge-base answer so it directly answers the customer's question. Do not add facts that are not in the answer. Reply in ${language}, in at most three sentences.`
      : `You are the customer service assistant of an online shop. Answer the customer's question using ONLY the knowledge-base entries below. If they do not answer it, reply exactly ${NO_ANSWER}. Never invent prices, dates or policies. Reply in ${language}, in at most three sentences.`;
  const kb = input.entries.map((e, i) => `[${i + 1}] Q: ${e.question}\nA: ${e.answer}`).join('\n\n');
  const content = await provider.complete([
    { role: 'system', content: system },
    { role: 'user', content: `Knowledge base:\n${kb}\n\nCustomer question: ${input.question}` },
  ]);
  if (!content || content.includes(NO_ANSWER)) return undefined;
  return content;
}
