import type { Card, Conversation, EntryContext, HandoffRequest, KefuApp, Message, Part, PipelineContext, Plugin } from '@kefu/core';
import { type BotCommerce, isBotCommerce } from './commerce.js';
import { type CommerceCards, type CommerceQuery, botCommerceCards, isShopCommerce, shopCommerceCards } from './shop.js';
import { type BusinessHours, describeHours, isOpen, validateBusinessHours } from './hours.js';
import { type KnowledgeBase, KB_NAMESPACE, createKnowledgeBase } from './knowledge-base.js';
import { pickAnswer } from './kb.js';
import { type LlmProvider, groundedAnswer, llmProviderFromEnv } from './llm.js';
import { segmenterLoadError } from './segment.js';
import type { KbEntry, Stage } from './types.js';
import { type Candidate, type Understanding, type UnderstanderOptions, detectLocale } from './understand.js';

/** Why the bot handed a conversation to a person. */
export type BotHandoffReason = 'explicit' | 'negative_sentiment' | 'unanswered' | 'tier' | 'intent' | 'left_message';

/** Where an answer came from. */
export type AnswerSource = 'kb' | 'commerce' | 'llm';

declare module '@kefu/core' {
  interface KefuEvents {
    /** The bot answered a message (from the knowledge base, commerce data or the LLM). */
    'bot.answered': { conversation: Conversation; entryId?: string; intent?: string; confidence: number; source: AnswerSource };
    /** The bot offered "did you mean" suggestions. */
    'bot.suggested': { conversation: Conversation; entryIds: string[]; confidence: number };
    /** The bot did not understand. */
    'bot.fell_back': { conversation: Conversation; text: string; confidence: number };
    /** The bot asked for a human. */
    'bot.handed_off': { conversation: Conversation; reason: BotHandoffReason; intent?: string; summary: string };
    /** A conversation closed without a human, after the bot answered in it. */
    'bot.resolved': { conversation: Conversation };
  }
  interface KefuServices {
    bot: BotService;
  }
}

/** A knowledge-base suggestion for an agent (agent assist). */
export interface AssistSuggestion {
  entryId: string;
  question: string;
  answer: string;
  confidence: number;
}

/** The bot as a service: `app.services.bot`. */
export interface BotService {
  readonly kb: KnowledgeBase;
  /** `jieba`, or `bigram` when the jieba binary could not load. */
  readonly segmenter: 'jieba' | 'bigram';
  understand(text: string, context?: { channel?: string }): Understanding;
  /** Agent assist: the top entries for a customer message, with answers ready to insert. */
  suggestFor(text: string, options?: { limit?: number; channel?: string; tier?: string; tags?: string[] }): AssistSuggestion[];
  /** "Guess what you want to ask": the most asked questions for an entry page's stage (top 10 by default). */
  topQuestions(entry?: EntryContext, limit?: number): KbEntry[];
}

/** Every text the bot says on its own, in Chinese and English. `{hours}` and `{position}` are filled in. */
export interface BotMessages {
  handoff: string;
  handoffAngry: string;
  handoffUnanswered: string;
  closed: string;
  leaveMessage: string;
  leavePrompt: string;
  messageLeft: string;
  suggestTitle: string;
  fallback: string;
  queued: string;
  guessTitle: string;
}

const MESSAGES: Record<'zh' | 'en', BotMessages> = {
  zh: {
    handoff: '好的，正在为您转接人工客服，请稍候～',
    handoffAngry: '非常抱歉给您带来不好的体验，已为您优先转接人工客服。',
    handoffUnanswered: '抱歉没能帮到您，正在为您转接人工客服。',
    closed: '人工客服的服务时间是{hours}，现在不在线。您可以直接留言，人工客服上班后第一时间回复您。',
    leaveMessage: '留言',
    leavePrompt: '请留下您的问题和订单号，我们上班后尽快回复：',
    messageLeft: '已收到您的留言，人工客服上班后会尽快回复您。',
    suggestTitle: '您是不是想问：',
    fallback: '抱歉，我还没理解您的问题。可以换个说法，或回复「人工」联系人工客服。',
    queued: '您当前排在第 {position} 位，人工客服马上就来，有问题也可以继续问我。',
    guessTitle: '猜你想问',
  },
  en: {
    handoff: 'Sure, connecting you to an agent. One moment please.',
    handoffAngry: 'We are sorry about this. You are being connected to an agent with priority.',
    handoffUnanswered: 'Sorry I could not help. Connecting you to an agent.',
    closed: 'Our agents work {hours} and are offline now. Leave a message and an agent will reply first thing.',
    leaveMessage: 'Leave a message',
    leavePrompt: 'Please type your question and order number; we will reply as soon as we are back:',
    messageLeft: 'Got your message. An agent will reply as soon as they are online.',
    suggestTitle: 'Did you mean:',
    fallback: 'Sorry, I did not get that. Try rephrasing, or reply "agent" to reach a person.',
    queued: 'You are number {position} in the queue; an agent will be with you shortly. Ask me anything meanwhile.',
    guessTitle: 'Popular questions',
  },
};

/** Options of {@link createBotPlugin}. */
export interface BotPluginOptions {
  /** Plugin name and the bot's author id on messages. Default `bot`. */
  name?: string;
  /** Seed entries, used when the store holds no knowledge base yet (later changes persist and win). */
  entries?: unknown[];
  /** kv key of the knowledge base (several bots in one store). Default `kb`. */
  kbKey?: string;
  /** Thresholds, synonyms, sentiment and intent rules of the understanding. */
  understanding?: UnderstanderOptions;
  /** Hand off after this many consecutive turns without an answer (fallback or suggestion). Default 2; 0 turns it off. */
  unansweredLimit?: number;
  /** Tiers that go straight to a person (e.g. `['vip']`). */
  humanTiers?: string[];
  /** Intents that need a person (e.g. `['change_address']`). */
  handoffIntents?: string[];
  /** Hand angry customers to a person. Default true. */
  handoffOnNegative?: boolean;
  /** Queue priority of angry customers' handoffs (they skip the queue). Default 10. */
  angryPriority?: number;
  /** Skills the router should require, by intent or by the matched entry's category. */
  skills?: { byIntent?: Record<string, string[]>; byCategory?: Record<string, string[]> };
  /** When humans are available; outside it the bot offers to leave a message instead of handing off. */
  businessHours?: BusinessHours;
  /** Commerce data for logistics, refund and recommendation cards. Default: `app.services.commerce` when it has the {@link BotCommerce} methods. */
  commerce?: BotCommerce;
  /**
   * An LLM for grounded fallback answers and rephrasing. Default: from the environment
   * (`KEFU_BOT_LLM_URL`, off when unset). `false` turns it off whatever the environment says.
   */
  llm?: LlmProvider | false;
  /** `fallback`: ask the LLM only when the knowledge base has no confident answer (default). `rephrase`: also rephrase KB answers. */
  llmMode?: 'fallback' | 'rephrase';
  /** Override any of the bot's own texts. */
  messages?: { zh?: Partial<BotMessages>; en?: Partial<BotMessages> };
  /** Greet new conversations that open without text (a widget opening) with the "guess" card. Default true. */
  greet?: boolean;
}

interface Session {
  unanswered: number;
  answered: number;
  /** Outside business hours the bot offered to take a message. */
  awaitingMessage?: boolean;
}

const SESSION_NAMESPACE = 'kefu.bot.session';
const SESSION_TTL_MS = 7 * 24 * 3600_000;
const STAGE_OF_PAGE: Record<string, Stage> = { product: 'pre-sale', home: 'pre-sale', checkout: 'in-sale', cart: 'in-sale', order: 'after-sale' };

function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (values[k] !== undefined ? String(values[k]) : m));
}

/**
 * The text a customer sent: typed text, or the value of a pressed `reply` button. Not the text
 * rendering of a picture or a file (`message.text` holds one): those are for a person.
 */
function inboundText(message: Message): string {
  const typed = message.parts
    .flatMap((p) => (p.type === 'text' ? [p.text] : p.type === 'audio' && p.transcript ? [p.transcript] : []))
    .join(' ')
    .trim();
  if (typed) return typed;
  for (const p of message.parts) if (p.type === 'action' && (p.value || p.label)) return (p.value ?? p.label)!.trim();
  return message.parts.length === 0 ? (message.text ?? '').trim() : '';
}

/** The question as shown to a customer in their language (an English similar question for English speakers). */
function questionFor(entry: KbEntry, locale: 'zh' | 'en'): string {
  if (locale === 'en') return entry.similar?.find((s) => detectLocale(s) === 'en') ?? entry.question;
  return detectLocale(entry.question) === 'zh' ? entry.question : (entry.similar?.find((s) => detectLocale(s) === 'zh') ?? entry.question);
}

/**
 * Creates the bot plugin: it claims conversations in `bot` status and answers them from the
 * knowledge base (with tier/tag/locale variants), offers "did you mean" cards, hands off to a
 * person on request, anger, repeated misses, configured tiers or intents (with a summary for the
 * agent), respects business hours, keeps answering while queued, and steps back once assigned.
 *
 * @example
 * app.use(createBotPlugin({ entries: faq, humanTiers: ['vip'], businessHours: { timeZone: 'Asia/Shanghai', weekly: { mon: [['09:00', '24:00']] } } }))
 */
export function createBotPlugin(options: BotPluginOptions = {}): Plugin {
  const name = options.name ?? 'bot';
  if (options.businessHours) validateBusinessHours(options.businessHours);
  const unansweredLimit = options.unansweredLimit ?? 2;
  const handoffOnNegative = options.handoffOnNegative ?? true;
  const messages = {
    zh: { ...MESSAGES.zh, ...options.messages?.zh },
    en: { ...MESSAGES.en, ...options.messages?.en },
  };

  return {
    name,
    async setup(app: KefuApp) {
      const hits = new Map<string, number>(Object.entries((await app.store.kvGet<Record<string, number>>(KB_NAMESPACE, `${options.kbKey ?? 'kb'}:hits`)) ?? {}));
      const kb = await createKnowledgeBase(options.entries, {
        store: app.store,
        ...(options.kbKey ? { key: options.kbKey } : {}),
        understander: { ...options.understanding, handoffOnAnger: handoffOnNegative },
      });
      if (segmenterLoadError()) app.logger.warn({ err: segmenterLoadError() }, '@node-rs/jieba did not load; the bot segments Chinese with character bigrams');
      const llm = options.llm === false ? undefined : (options.llm ?? llmProviderFromEnv());
      // Resolved per message: the commerce and cards plugins may be installed after the bot.
      const commerce = (): CommerceCards | undefined => {
        if (options.commerce) return botCommerceCards(options.commerce);
        if (!app.hasService('commerce')) return undefined;
        const service: unknown = app.services.commerce;
        if (isShopCommerce(service)) return shopCommerceCards(app, service);
        return isBotCommerce(service) ? botCommerceCards(service) : undefined;
      };

      const sessionOf = async (conversationId: string): Promise<Session> => (await app.store.kvGet<Session>(SESSION_NAMESPACE, conversationId)) ?? { unanswered: 0, answered: 0 };
      const saveSession = (conversationId: string, s: Session) => app.store.kvSet(SESSION_NAMESPACE, conversationId, s, { ttlMs: SESSION_TTL_MS });
      let dirtyHits = 0;
      const countHit = (id: string) => {
        hits.set(id, (hits.get(id) ?? 0) + 1);
        if (++dirtyHits >= 20) void persistHits();
      };
      const persistHits = async () => {
        dirtyHits = 0;
        await app.store.kvSet(KB_NAMESPACE, `${options.kbKey ?? 'kb'}:hits`, Object.fromEntries(hits)).catch((error) => app.logger.warn({ err: error }, 'could not persist bot question counts'));
      };

      const topQuestions = (entry?: EntryContext, limit = 10): KbEntry[] => {
        const stage = entry?.pageType ? STAGE_OF_PAGE[entry.pageType] : undefined;
        const all = kb.understander.entries;
        const pool = stage ? all.filter((e) => e.stage === stage) : all;
        const order = new Map(all.map((e, i) => [e.id, i]));
        return [...(pool.length ? pool : all)].sort((a, b) => (hits.get(b.id) ?? 0) - (hits.get(a.id) ?? 0) || order.get(a.id)! - order.get(b.id)!).slice(0, limit);
      };

      const service: BotService = {
        get kb() {
          return kb;
        },
        get segmenter() {
          return kb.understander.tokenizer.segmenter.kind;
        },
        understand: (text, context) => kb.understander.understand(text, context),
        suggestFor(text, { limit = 3, channel, tier, tags } = {}) {
          const locale = detectLocale(text);
          return kb.understander.search(text, limit, channel ? { channel } : {}).map((c) => {
            const picked = pickAnswer(c.entry, { locale, ...(tier ? { tier } : {}), ...(tags ? { tags } : {}), ...(channel ? { channel } : {}) });
            return { entryId: c.entry.id, question: questionFor(c.entry, locale), answer: picked.text ?? '', confidence: c.confidence };
          });
        },
        topQuestions,
      };
      app.provide('bot', service);

      // "Guess what you want to ask" for the widget: public, read-only, the same list the greeting card uses.
      app.httpRoute({
        method: 'GET',
        path: '/api/v1/bot/top-questions',
        auth: 'public',
        tag: name,
        summary: 'Top questions for an entry page (product → pre-sale, order → after-sale), most asked first',
        responseSchema: {
          type: 'object',
          properties: { questions: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, question: { type: 'string' } }, required: ['id', 'question'] } } },
          required: ['questions'],
        },
        async handler(request) {
          const params = new URL(request.url).searchParams;
          const pageType = params.get('pageType')?.slice(0, 32) || undefined;
          const locale: 'zh' | 'en' = params.get('locale')?.toLowerCase().startsWith('en') ? 'en' : 'zh';
          const limitParam = Number(params.get('limit') ?? 10);
          const limit = Number.isInteger(limitParam) ? Math.min(20, Math.max(1, limitParam)) : 10;
          const questions = topQuestions(pageType ? { pageType } : undefined, limit).map((e) => ({ id: e.id, question: questionFor(e, locale) }));
          return new Response(JSON.stringify({ questions }), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=60' } });
        },
      });

      const suggestionsCard = (title: string, entries: KbEntry[], locale: 'zh' | 'en'): Card => ({
        kind: 'suggestions',
        title,
        actions: entries.map((e) => {
          const q = questionFor(e, locale);
          return { id: `kb:${e.id}`, label: q, type: 'reply' as const, value: q };
        }),
        data: { entryIds: entries.map((e) => e.id) },
      });

      const summarize = async (conversation: Conversation, u: Understanding | undefined, reason: BotHandoffReason): Promise<string> => {
        const recent = await app.store.listMessages(conversation.id, { afterSeq: Math.max(0, conversation.lastSeq - 8) });
        const lines = [`reason: ${reason}`];
        if (u?.intent) {
          const slots = Object.entries(u.intent.slots).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('/') : v}`);
          lines.push(`intent: ${u.intent.name}${slots.length ? ` (${slots.join(', ')})` : ''}`);
        }
        if (u) lines.push(`sentiment: ${u.sentiment.label} (${Math.round(u.sentiment.score * 10) / 10})`);
        if (u?.candidates[0]) lines.push(`closest entry: ${u.candidates[0].entry.id} (${Math.round(u.candidates[0].confidence * 100)}%)`);
        for (const m of recent) {
          if (m.direction === 'internal') continue;
          const who = m.author.role === 'customer' ? 'customer' : m.author.role;
          lines.push(`${who}: ${m.text.replace(/\s+/g, ' ').slice(0, 160)}`);
        }
        return lines.join('\n');
      };

      const reply = async (ctx: PipelineContext, parts: Part[] | string, meta?: Record<string, unknown>) => {
        await app.send(ctx.conversation.id, parts, { author: { role: 'bot', id: name }, tenantId: ctx.conversation.tenantId, ...(meta ? { meta: { bot: meta } } : {}) });
      };

      const handOff = async (ctx: PipelineContext, u: Understanding | undefined, reason: BotHandoffReason, locale: 'zh' | 'en', session: Session) => {
        const hours = options.businessHours;
        const conversation = ctx.conversation;
        if (reason !== 'left_message' && hours && !isOpen(hours, app.clock.now())) {
          const text = fill(messages[locale].closed, { hours: describeHours(hours, locale) });
          await reply(ctx, [
            { type: 'text', text },
            { type: 'card', card: { kind: 'leave-message', title: messages[locale].leaveMessage, actions: [{ id: 'leave-message', label: messages[locale].leaveMessage, type: 'reply', value: messages[locale].leaveMessage }] } },
          ]);
          session.awaitingMessage = true;
          ctx.claim(name);
          return;
        }
        const summary = await summarize(conversation, u, reason);
        const intent = u?.intent?.name ?? u?.candidates[0]?.entry.intent;
        const category = u?.candidates[0]?.entry.category;
        const skills = (intent && options.skills?.byIntent?.[intent]) ?? (category && options.skills?.byCategory?.[category]) ?? undefined;
        const request: HandoffRequest = {
          reason,
          summary,
          ...(intent ? { intent } : {}),
          ...(skills ? { skills } : {}),
          ...(reason === 'negative_sentiment' ? { priority: options.angryPriority ?? 10 } : {}),
        };
        ctx.handoff(request);
        const text = reason === 'negative_sentiment' ? messages[locale].handoffAngry : reason === 'unanswered' ? messages[locale].handoffUnanswered : reason === 'left_message' ? messages[locale].messageLeft : messages[locale].handoff;
        await reply(ctx, text, { handoff: reason });
        session.unanswered = 0;
        session.awaitingMessage = false;
        app.emit('bot.handed_off', { conversation, reason, ...(intent ? { intent } : {}), summary });
      };

      /** Commerce-backed answers; true when one was sent. */
      const answerWithCommerce = async (ctx: PipelineContext, u: Understanding, text: string, locale: 'zh' | 'en'): Promise<boolean> => {
        const source = commerce();
        const intent = u.intent;
        if (!source || !intent) return false;
        // A precise knowledge-base answer about something else wins ("退货运费谁出" mentions 退货 but asks about postage).
        if (u.decision === 'answer' && u.entry?.intent !== intent.name) return false;
        const query: CommerceQuery = { text, ...intent.slots, ...(ctx.conversation.entry?.productId ? { productId: ctx.conversation.entry.productId } : {}) };
        try {
          const card =
            intent.name === 'logistics' || intent.name === 'order_status'
              ? await source.logistics(ctx.contact, query, locale)
              : intent.name === 'refund'
                ? await source.refund(ctx.contact, query, locale)
                : intent.name === 'recommend'
                  ? await source.recommend(ctx.contact, query, locale)
                  : undefined;
          if (!card) return false;
          // The cards plugin signs the card's buttons (refund, ask an agent) for this conversation.
          if (app.hasService('cards')) await app.services.cards.send(ctx.conversation.id, card, { author: { role: 'bot', id: name }, tenantId: ctx.conversation.tenantId });
          else await reply(ctx, [{ type: 'card', card }], { intent: intent.name });
        } catch (error) {
          // Commerce being down must not leave the customer without an answer: fall back to the KB.
          app.logger.warn({ err: error, intent: intent.name }, 'commerce lookup failed; answering from the knowledge base');
          return false;
        }
        app.emit('bot.answered', { conversation: ctx.conversation, intent: intent.name, confidence: u.confidence, source: 'commerce', ...(u.entry ? { entryId: u.entry.id } : {}) });
        return true;
      };

      const askLlm = async (question: string, candidates: Candidate[], locale: 'zh' | 'en', mode: 'fallback' | 'rephrase', audience: Parameters<typeof pickAnswer>[1]): Promise<string | undefined> => {
        if (!llm) return undefined;
        const entries = candidates.slice(0, 3).flatMap((c) => {
          const text = pickAnswer(c.entry, audience).text;
          return text ? [{ question: c.entry.question, answer: text }] : [];
        });
        try {
          return await groundedAnswer(llm, { question, entries, locale, mode });
        } catch (error) {
          app.logger.warn({ err: error }, 'LLM failed; answering from the knowledge base');
          return undefined;
        }
      };

      app.route(async (ctx, next) => {
        const conversation = ctx.conversation;
        if (conversation.status !== 'bot' && conversation.status !== 'queued') return next();
        const text = inboundText(ctx.message);
        const locale: 'zh' | 'en' = conversation.language?.startsWith('en') ? 'en' : conversation.language?.startsWith('zh') ? 'zh' : text ? detectLocale(text) : 'zh';
        const audience = { tier: ctx.contact.tier, tags: ctx.contact.tags, locale, channel: conversation.channel };

        if (!text) {
          if (conversation.status !== 'bot') return next();
          if (ctx.isNewConversation && options.greet !== false) {
            const top = topQuestions(conversation.entry, 5);
            if (top.length) await reply(ctx, [{ type: 'card', card: suggestionsCard(messages[locale].guessTitle, top, locale) }]);
          }
          // Channel events need nobody; a picture, file or voice message without text is for a person.
          if (ctx.message.parts.every((p) => p.type === 'event') || ctx.isNewConversation) ctx.claim(name);
          return next();
        }

        const u = kb.understander.understand(text, { channel: conversation.channel });

        if (conversation.status === 'queued') {
          // Waiting for a person: keep answering what the knowledge base knows, and say where they stand.
          const position = app.conversations.queuePosition(conversation.id);
          const positionText = position ? fill(messages[locale].queued, { position }) : undefined;
          if (u.decision === 'answer' && u.entry) {
            const picked = pickAnswer(u.entry, audience);
            const parts: Part[] = [...(picked.text ? [{ type: 'text' as const, text: picked.text }] : []), ...(picked.parts ?? []), ...(positionText ? [{ type: 'text' as const, text: positionText }] : [])];
            await reply(ctx, parts, { entryId: u.entry.id });
            countHit(u.entry.id);
            app.emit('bot.answered', { conversation, entryId: u.entry.id, confidence: u.confidence, source: 'kb' });
          } else if (positionText) await reply(ctx, positionText);
          return next();
        }

        const session = await sessionOf(conversation.id);
        try {
          // The customer's own order data answers at once, whatever the tier: a VIP asking where the
          // parcel is gets the logistics card now instead of waiting in the queue for it.
          const selfServed = u.decision !== 'handoff' && !session.awaitingMessage && (await answerWithCommerce(ctx, u, text, locale));
          if (selfServed) {
            ctx.claim(name);
            session.unanswered = 0;
            session.answered++;
          } else if (options.humanTiers?.includes(ctx.contact.tier)) await handOff(ctx, u, 'tier', locale, session);
          else if (u.decision === 'handoff') await handOff(ctx, u, u.handoffReason ?? 'explicit', locale, session);
          else if (u.intent && options.handoffIntents?.includes(u.intent.name)) await handOff(ctx, u, 'intent', locale, session);
          else if (session.awaitingMessage && u.decision !== 'answer') {
            if (text === messages[locale].leaveMessage || /^(留言|leave a message)$/i.test(text)) {
              await reply(ctx, messages[locale].leavePrompt);
              ctx.claim(name);
            } else await handOff(ctx, u, 'left_message', locale, session);
          } else if (u.decision === 'answer' && u.entry) {
            const picked = pickAnswer(u.entry, audience);
            let answerText = picked.text;
            let source: 'kb' | 'llm' = 'kb';
            if (answerText && options.llmMode === 'rephrase') {
              const rephrased = await askLlm(text, [{ entry: { ...u.entry, answer: answerText }, confidence: u.confidence, lexical: u.confidence, score: 0, features: [] }], locale, 'rephrase', {});
              if (rephrased) {
                answerText = rephrased;
                source = 'llm';
              }
            }
            const parts: Part[] = [...(answerText ? [{ type: 'text' as const, text: answerText }] : []), ...(picked.parts ?? [])];
            await reply(ctx, parts, { entryId: u.entry.id, confidence: Math.round(u.confidence * 1000) / 1000, source });
            ctx.claim(name);
            countHit(u.entry.id);
            session.unanswered = 0;
            session.answered++;
            app.emit('bot.answered', { conversation, entryId: u.entry.id, confidence: u.confidence, source, ...(u.intent ? { intent: u.intent.name } : {}) });
          } else {
            const grounded = await askLlm(text, u.candidates, locale, 'fallback', audience);
            if (grounded) {
              await reply(ctx, grounded, { source: 'llm', entryIds: u.candidates.map((c) => c.entry.id) });
              ctx.claim(name);
              session.unanswered = 0;
              session.answered++;
              app.emit('bot.answered', { conversation, confidence: u.confidence, source: 'llm', ...(u.candidates[0] ? { entryId: u.candidates[0].entry.id } : {}) });
            } else {
              session.unanswered++;
              if (unansweredLimit > 0 && session.unanswered >= unansweredLimit) await handOff(ctx, u, 'unanswered', locale, session);
              else if (u.decision === 'suggest') {
                const entries = u.candidates.map((c) => c.entry);
                await reply(ctx, [{ type: 'card', card: suggestionsCard(messages[locale].suggestTitle, entries, locale) }], { suggested: entries.map((e) => e.id) });
                ctx.claim(name);
                app.emit('bot.suggested', { conversation, entryIds: entries.map((e) => e.id), confidence: u.confidence });
              } else {
                await reply(ctx, messages[locale].fallback);
                ctx.claim(name);
                app.emit('bot.fell_back', { conversation, text, confidence: u.confidence });
              }
            }
          }
        } finally {
          await saveSession(conversation.id, session);
        }
        return next();
      });

      const offClosed = app.on('conversation.closed', async ({ conversation }) => {
        if (conversation.assignedAt || conversation.attributes.handoff) return;
        const session = await app.store.kvGet<Session>(SESSION_NAMESPACE, conversation.id);
        if (session && session.answered > 0) app.emit('bot.resolved', { conversation });
      });

      return async () => {
        offClosed();
        if (dirtyHits > 0) await persistHits();
      };
    },
  };
}
