/**
 * The server side of the socket scenarios, run as its own process (pinned to one core by
 * `_proc.ts`). `kefu` is the real stack: @kefu/core + SQLite (file, `synchronous=FULL`, group
 * commit) + the @kefu/adapter-web gateway + the @kefu/server agent socket. `baseline` is a bare
 * `ws` server doing the same socket work with no Kefu code. The parent talks to it over IPC:
 * `usage` answers `process.cpuUsage()` and `process.memoryUsage()` (after a GC when asked).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createWebAdapter } from '@kefu/adapter-web';
import { createApp, createMemoryStore } from '@kefu/core';
import { createServer } from '@kefu/server';
import { createSqliteStore } from '@kefu/store-sql';
import pino from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { BENCH_ORIGIN } from './_shared.js';

/** What the parent asks for, as JSON in argv[2]. */
export interface ServerConfig {
  kind: 'kefu' | 'baseline';
  /** Agent accounts to create (kefu) — the load generator connects one socket each. */
  agents: number;
  /** Capacity of each agent: agents × capacity must cover the widgets. */
  capacity: number;
  /** Idle scenario: a bot middleware claims every message, so conversations stay open with the bot and nobody is queued. */
  botClaims?: boolean;
}

/** Messages the server sends its parent. */
export type ServerReport =
  | { type: 'ready'; port: number; tokens: string[] }
  | { type: 'usage'; cpuMicros: number; rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number; connections: number };

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const send = (report: ServerReport) => process.send!(report);

let countConnections: () => number = () => 0;
let stop: () => Promise<void> = async () => {};

if (config.kind === 'kefu') {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-bench-'));
  const store = process.env.KEFU_BENCH_STORE === 'memory' ? createMemoryStore() : createSqliteStore({ filename: join(dir, 'kefu.db') });
  // The router keeps everyone assigned (agents × capacity ≥ widgets); no dedicated-agent lookups on the hot path.
  // KEFU_BENCH_ROUTING=minimal turns off what the routing issue added on the message path (dedicated
  // agent lookup, language detection), to compare with the defaults in the same conditions.
  const minimal = process.env.KEFU_BENCH_ROUTING === 'minimal';
  const app = createApp({
    store,
    ...(minimal ? { detectLanguage: false as const } : {}),
    router: { defaultCapacity: config.capacity, maxCapacity: Math.max(20, config.capacity), ...(minimal ? { dedicated: false as const } : {}) },
  });
  // A real widget sends ~1 frame/s; the load generator sends hundreds per socket, so the
  // per-connection limit is lifted (everything else on the path is the production default).
  const web = createWebAdapter({ allowedOrigins: [BENCH_ORIGIN], rateLimit: { perSecond: 1e9, burst: 1e9 } });
  app.adapter(web);
  if (config.botClaims) {
    app.route(async (ctx, next) => {
      ctx.claim('bench-bot');
      await next();
    });
  }
  const server = createServer({ app, port: 0, jwtSecret: 'bench-secret-bench-secret-0123456789', logger: pino({ level: 'warn' }, pino.destination(2)) });
  const { url } = await server.start();
  const tokens: string[] = [];
  for (let i = 0; i < config.agents; i++) {
    const agent = await app.agents.upsert({ id: `agent${i}`, name: `Agent ${i}`, email: `agent${i}@bench.invalid`, role: 'agent', teams: [], skills: {}, languages: ['zh', 'en'], capacity: config.capacity });
    tokens.push(await server.agentsAuth.issueToken(agent));
  }
  countConnections = () => web.connectionCount;
  stop = async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  send({ type: 'ready', port: Number(new URL(url).port), tokens });
} else {
  // Bare `ws`: widgets on /ws/web, agents on /agent; each widget is tied to one agent when it
  // connects (round robin); a message is parsed, acked to the widget and relayed to the agent.
  const http = createHttpServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false, maxPayload: 64 * 1024 });
  const agents: WebSocket[] = [];
  let widgets = 0;
  let next = 0;
  let seq = 0;
  http.on('upgrade', (req, socket, head) => {
    const isAgent = req.url?.startsWith('/agent') ?? false;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (isAgent) {
        agents.push(ws);
        ws.send(JSON.stringify({ type: 'hello' }));
        return;
      }
      widgets++;
      ws.on('close', () => widgets--);
      const conversationId = `c${widgets}`;
      let agent: WebSocket | undefined;
      ws.on('message', (data) => {
        const frame = JSON.parse(data.toString()) as { type: string; clientId?: string; text?: string };
        if (frame.type === 'hello') {
          ws.send(JSON.stringify({ type: 'welcome', visitorId: 'v', conversationId }));
          return;
        }
        if (frame.type !== 'message') return;
        agent ??= agents[next++ % agents.length];
        const s = ++seq;
        ws.send(JSON.stringify({ type: 'ack', clientId: frame.clientId, id: `m${s}`, seq: s, conversationId }));
        agent?.send(JSON.stringify({ type: 'event', id: s, event: 'message.received', data: { message: { id: `m${s}`, conversationId, seq: s, text: frame.text } } }));
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  countConnections = () => widgets;
  stop = () =>
    new Promise<void>((resolve) => {
      for (const ws of agents) ws.terminate();
      http.closeAllConnections();
      http.close(() => resolve());
    });
  const address = http.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0, tokens: Array.from({ length: config.agents }, () => '') });
}

process.on('message', (msg: { cmd: 'usage'; gc?: boolean } | { cmd: 'stop' }) => {
  if (msg.cmd === 'usage') {
    if (msg.gc && globalThis.gc) {
      globalThis.gc();
      globalThis.gc();
    }
    const cpu = process.cpuUsage();
    const mem = process.memoryUsage();
    send({ type: 'usage', cpuMicros: cpu.user + cpu.system, rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external, arrayBuffers: mem.arrayBuffers, connections: countConnections() });
  } else if (msg.cmd === 'stop') {
    void stop().finally(() => process.exit(0));
  }
});
