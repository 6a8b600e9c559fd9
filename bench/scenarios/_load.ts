/**
 * The load generator of the socket scenarios, run as its own process on another core than the
 * server. Widgets speak the widget protocol (`hello`, `message` → `ack`); agents count the
 * `message.received` events they get and read the send time carried in each message's text.
 *
 * Commands (IPC): `setup` opens the sockets and gets every widget a conversation with an agent;
 * `closed` runs a closed loop (each widget keeps `inflight` messages unacknowledged); `paced`
 * sends at a fixed rate and measures customer→agent latency; `idle` only opens `setup`'s widgets
 * and leaves them open. Each timed command reports `{ mark: 'start' }` when its warm-up ends and
 * `{ mark: 'end', ... }` when its window closes, so the parent reads the server's CPU at both.
 */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { BENCH_ORIGIN } from './_shared.js';

/** What the parent asks for, as JSON in argv[2]. */
export interface LoadConfig {
  kind: 'kefu' | 'baseline';
  port: number;
  widgets: number;
  /** Agent tokens (kefu) or one empty string per agent socket (baseline). */
  tokens: string[];
  /** Idle scenario: send one message per widget (so a conversation is open), and expect no agent. */
  idle?: boolean;
}

export type LoadCommand =
  /** Opens `widgets` more widget sockets (default: the configured count) — and the agents on the first call. */
  | { cmd: 'setup'; widgets?: number }
  | { cmd: 'closed'; inflight: number; warmupMs: number; ms: number }
  | { cmd: 'paced'; rate: number; warmupMs: number; ms: number }
  | { cmd: 'stop' };

export type LoadReport =
  | { type: 'ready'; widgets: number; agents: number }
  | { type: 'mark'; mark: 'start' }
  | { type: 'mark'; mark: 'end'; acks: number; delivered: number; ms: number; p50?: number; p99?: number; p999?: number; samples?: number }
  | { type: 'error'; message: string };

const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
const send = (r: LoadReport) => process.send!(r);
const base = `ws://127.0.0.1:${config.port}`;

interface Widget {
  ws: WebSocket;
  /** Messages sent and not yet acknowledged. */
  pending: number;
}

const widgets: Widget[] = [];
const agents: WebSocket[] = [];
let acks = 0;
let delivered = 0;
let assigned = 0;
/** Latencies (ms) of messages received by agents while recording; `undefined` outside a window. */
let latencies: number[] | undefined;
let counter = 0;
let onAck: ((w: Widget) => void) | undefined;

function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin: BENCH_ORIGIN, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function onAgentFrame(data: Buffer): void {
  const now = performance.now();
  const frame = JSON.parse(data.toString()) as { type: string; event?: string; data?: { message?: { text?: string } } };
  if (frame.type !== 'event') return;
  if (frame.event === 'conversation.assigned') assigned++;
  else if (frame.event === 'message.received') {
    delivered++;
    const text = frame.data?.message?.text;
    if (latencies && text) latencies.push(now - Number(text.slice(0, text.indexOf(' '))));
  }
}

/** Sends one customer message whose text starts with its (intended) send time. */
function sendMessage(w: Widget, at: number): void {
  w.pending++;
  w.ws.send(JSON.stringify({ type: 'message', clientId: `${process.pid}-${++counter}`, text: `${at.toFixed(3)} 你好，这件衣服有大码吗？` }));
}

async function setup(count: number): Promise<void> {
  if (agents.length === 0) for (const token of config.tokens) {
    const ws = await open(config.kind === 'kefu' ? `${base}/api/v1/agent/ws?token=${token}` : `${base}/agent`);
    ws.on('message', onAgentFrame);
    agents.push(ws);
  }
  // Opening in batches keeps the handshakes from piling up in the server's accept queue.
  const BATCH = 500;
  for (let i = 0; i < count; i += BATCH) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(BATCH, count - i) }, async () => {
        const visitor = randomBytes(12).toString('base64url');
        const ws = await open(`${base}/ws/web?tenant=default&visitor=${visitor}`);
        const w: Widget = { ws, pending: 0 };
        await new Promise<void>((resolve) => {
          ws.on('message', (data) => {
            const frame = JSON.parse(data.toString()) as { type: string };
            if (frame.type === 'welcome') resolve();
            else if (frame.type === 'ack') {
              w.pending--;
              acks++;
              onAck?.(w);
            } else if (frame.type === 'error') send({ type: 'error', message: data.toString() });
          });
          ws.send(JSON.stringify({ type: 'hello', visitorId: visitor, entry: { pageType: 'product', url: 'https://shop.example/p/42', title: 'T恤', productId: '42', locale: 'zh' } }));
        });
        return w;
      }),
    );
    widgets.push(...batch);
    // The first message opens the conversation (and gets it routed to an agent).
    for (const w of batch) sendMessage(w, performance.now());
    await until(() => widgets.every((x) => x.pending === 0), 60_000);
  }
  if (config.kind === 'kefu' && !config.idle) await until(() => assigned >= widgets.length, 60_000);
  await settle();
}

async function until(done: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = performance.now();
  while (!done()) {
    if (performance.now() - t0 > timeoutMs) throw new Error('load generator: timed out waiting for the server');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Waits until every message was acknowledged and delivered (nothing left in flight). */
async function settle(): Promise<void> {
  await until(() => widgets.every((w) => w.pending === 0), 60_000);
  if (config.idle) return;
  // Kefu delivers the first message of a conversation as its assignment, every later one as `message.received`.
  await until(() => delivered + assigned >= acks, 30_000);
  await new Promise((r) => setTimeout(r, 100));
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function window(warmupMs: number, ms: number, stopSending: () => void): Promise<{ acks: number; delivered: number; ms: number }> {
  await new Promise((r) => setTimeout(r, warmupMs));
  const a0 = acks;
  const d0 = delivered;
  const t0 = performance.now();
  latencies = [];
  send({ type: 'mark', mark: 'start' });
  await new Promise((r) => setTimeout(r, ms));
  const result = { acks: acks - a0, delivered: delivered - d0, ms: performance.now() - t0 };
  stopSending();
  return result;
}

async function closed(inflight: number, warmupMs: number, ms: number): Promise<void> {
  let running = true;
  onAck = (w) => {
    if (running && w.pending < inflight) sendMessage(w, performance.now());
  };
  for (const w of widgets) for (let i = 0; i < inflight; i++) sendMessage(w, performance.now());
  const r = await window(warmupMs, ms, () => {
    running = false;
  });
  latencies = undefined;
  send({ type: 'mark', mark: 'end', ...r });
  onAck = undefined;
  await settle();
}

async function paced(rate: number, warmupMs: number, ms: number): Promise<void> {
  let running = true;
  let sent = 0;
  const t0 = performance.now();
  // Every message keeps its intended send time, so a stalled sender cannot hide latency.
  const tick = () => {
    if (!running) return;
    const now = performance.now();
    const due = Math.floor(((now - t0) / 1000) * rate);
    for (; sent < due; sent++) sendMessage(widgets[sent % widgets.length]!, t0 + (sent * 1000) / rate);
    setTimeout(tick, 1);
  };
  tick();
  const r = await window(warmupMs, ms, () => {
    running = false;
  });
  // Messages sent inside the window still arriving count for latency.
  await settle();
  const sorted = Float64Array.from(latencies ?? []).sort();
  latencies = undefined;
  send({ type: 'mark', mark: 'end', ...r, samples: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), p999: percentile(sorted, 0.999) });
}

let chain = Promise.resolve();
process.on('message', (msg: LoadCommand) => {
  const run = async () => {
    if (msg.cmd === 'setup') {
      await setup(msg.widgets ?? config.widgets);
      send({ type: 'ready', widgets: widgets.length, agents: agents.length });
    } else if (msg.cmd === 'closed') await closed(msg.inflight, msg.warmupMs, msg.ms);
    else if (msg.cmd === 'paced') await paced(msg.rate, msg.warmupMs, msg.ms);
    else if (msg.cmd === 'stop') {
      for (const ws of [...widgets.map((w) => w.ws), ...agents]) ws.terminate();
      process.exit(0);
    }
  };
  // One command at a time: a window reports its end before the loop has drained, and the next
  // command must not start until it has.
  chain = chain.then(run).catch((error: Error) => {
    send({ type: 'error', message: error.stack ?? error.message });
  });
});
