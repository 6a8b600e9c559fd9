import {
  type Adapter,
  type AdapterCapabilities,
  type AdapterContext,
  type Conversation,
  ErrorCodes,
  type InboundEnvelope,
  KefuError,
  type OutboundMessage,
  type Part,
  type ReceiveResult,
  type SendResult,
} from '@kefu/core';

/** Options of {@link createTestAdapter}. */
export interface TestAdapterOptions {
  channel?: string;
  capabilities?: Partial<AdapterCapabilities>;
  /** Decides what `send` does for each attempt: resolve, or throw to fail (retryable unless a `KEFU_DELIVERY_FAILED`). */
  onSend?: (conversation: Conversation, outbound: OutboundMessage, attempt: number) => SendResult | void | Promise<SendResult | void>;
}

/** A sent message as the test adapter recorded it. */
export interface SentRecord {
  conversation: Conversation;
  outbound: OutboundMessage;
  externalId: string;
}

/**
 * An in-memory channel: tests (and examples) push inbound messages with `inject()` and read what
 * was sent from `sent`. It stands in for any real channel, e.g. "a chat that happened on WeChat".
 */
export interface TestAdapter extends Adapter {
  readonly sent: SentRecord[];
  readonly started: boolean;
  readonly startCount: number;
  readonly stopCount: number;
  readonly typingCalls: Array<{ conversationId: string; on: boolean }>;
  /** Receives a message from `from` as the channel would. */
  inject(input: { from: string; text?: string; parts?: Part[]; externalId?: string } & Partial<Omit<InboundEnvelope, 'sender' | 'parts'>> & { sender?: Partial<InboundEnvelope['sender']> }): Promise<ReceiveResult>;
  /** Resolves when `count` messages in all have been sent. */
  waitForSent(count: number, timeoutMs?: number): Promise<SentRecord[]>;
}

export function createTestAdapter(options: TestAdapterOptions = {}): TestAdapter {
  const channel = options.channel ?? 'test';
  const sent: SentRecord[] = [];
  const typingCalls: Array<{ conversationId: string; on: boolean }> = [];
  const attempts = new Map<string, number>();
  const waiters: Array<{ count: number; resolve: (v: SentRecord[]) => void }> = [];
  let ctx: AdapterContext | undefined;
  let startCount = 0;
  let stopCount = 0;
  let seq = 0;

  const adapter: TestAdapter = {
    channel,
    capabilities: { text: true, ...options.capabilities },
    sent,
    typingCalls,
    get started() {
      return ctx !== undefined;
    },
    get startCount() {
      return startCount;
    },
    get stopCount() {
      return stopCount;
    },
    start(context) {
      if (ctx) return;
      startCount++;
      ctx = context;
    },
    stop() {
      if (!ctx) return;
      stopCount++;
      ctx = undefined;
    },
    async send(conversation, outbound) {
      if (!ctx) throw new KefuError(ErrorCodes.NOT_STARTED, 'The test adapter is not started');
      const attempt = (attempts.get(outbound.message.id) ?? 0) + 1;
      attempts.set(outbound.message.id, attempt);
      const result = (await options.onSend?.(conversation, outbound, attempt)) ?? {};
      const externalId = result.externalId ?? `${channel}-out-${++seq}`;
      sent.push({ conversation, outbound, externalId });
      for (const w of [...waiters]) if (sent.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(sent.slice());
      }
      return { ...result, externalId };
    },
    async typing(conversation, on) {
      typingCalls.push({ conversationId: conversation.id, on });
    },
    async inject(input) {
      if (!ctx) throw new KefuError(ErrorCodes.NOT_STARTED, 'The test adapter is not started');
      const { from, text, parts, sender, ...rest } = input;
      return ctx.receive({
        channel,
        address: from,
        ...rest,
        sender: { externalId: from, ...sender },
        parts: parts ?? [{ type: 'text', text: text ?? '' }],
      });
    },
    waitForSent(count, timeoutMs = 5000) {
      if (sent.length >= count) return Promise.resolve(sent.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`Only ${sent.length} of ${count} messages were sent`)), timeoutMs);
        waiters.push({ count, resolve: (v) => { clearTimeout(timer); resolve(v); } });
      });
    },
  };
  if (!options.capabilities?.typing) delete (adapter as Partial<TestAdapter>).typing;
  return adapter;
}
