/**
 * Idle connections (BENCHMARKS.md scenario 2): widget sockets with session state — `hello` done,
 * a conversation open (one message stored in SQLite, held by a bot so nobody is queued) — then
 * left idle. Memory per connection is the slope between a tenth of the sockets and all of them
 * (after a GC each time), so one-off costs (code, caches) do not count. Baseline: a bare `ws`
 * server holding the same sockets after the same hello/message exchange.
 */
import { type Figure, type Scenario, figureFromRuns, median } from '../lib.js';
import type { LoadCommand, LoadConfig, LoadReport } from './_load.js';
import { type Child, coreFor, startChild } from './_proc.js';
import type { ServerConfig, ServerReport } from './_server.js';

type Usage = Extract<ServerReport, { type: 'usage' }>;

interface Sample {
  rssPerConn: number;
  heapPerConn: number;
  connections: number;
}

async function usage(server: Child<ServerReport>): Promise<Usage> {
  server.send({ cmd: 'usage', gc: true });
  return server.next((m): m is Usage => m.type === 'usage');
}

async function openWidgets(load: Child<LoadReport>, widgets: number): Promise<void> {
  load.send({ cmd: 'setup', widgets } satisfies LoadCommand);
  const m = await load.next((r): r is Extract<LoadReport, { type: 'ready' } | { type: 'error' }> => r.type === 'ready' || r.type === 'error', 300_000);
  if (m.type === 'error') throw new Error(`load generator: ${m.message}`);
}

const SETTLE_MS = Number(process.env.KEFU_BENCH_IDLE_SETTLE_MS ?? 500);
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

async function runKind(kind: 'kefu' | 'baseline', total: number, log: (m: string) => void): Promise<Sample> {
  const server = startChild<ServerReport>('_server.ts', { kind, agents: 0, capacity: 1, botClaims: true } satisfies ServerConfig, { core: coreFor('server') });
  let load: Child<LoadReport> | undefined;
  try {
    const { port } = await server.next((m): m is Extract<ServerReport, { type: 'ready' }> => m.type === 'ready');
    load = startChild<LoadReport>('_load.ts', { kind, port, widgets: total, tokens: [], idle: true } satisfies LoadConfig, { core: coreFor('load'), maxOldSpaceMb: 4096 });
    const first = Math.round(total / 10);
    const t0 = performance.now();
    await openWidgets(load, first);
    // Both readings wait the same settle time after their ramp, so what the ramp leaves in flight
    // (writes, socket buffers) is the same at both ends of the slope.
    await settle();
    const u0 = await usage(server);
    await openWidgets(load, total - first);
    await settle();
    const u1 = await usage(server);
    const n = u1.connections - u0.connections;
    if (u1.connections !== total) throw new Error(`${kind}: ${u1.connections} of ${total} sockets open`);
    const sample = { rssPerConn: (u1.rss - u0.rss) / n, heapPerConn: (u1.heapUsed - u0.heapUsed) / n, connections: u1.connections };
    log(`${kind}: ${u1.connections} sockets in ${((performance.now() - t0) / 1000).toFixed(1)} s; RSS ${(u1.rss / 2 ** 20).toFixed(0)} MB (${(sample.rssPerConn / 1024).toFixed(2)} KB/conn), heap ${(u1.heapUsed / 2 ** 20).toFixed(0)} MB (${(sample.heapPerConn / 1024).toFixed(2)} KB/conn), heap reserved ${((u1.heapTotal - u0.heapTotal) / n / 1024).toFixed(2)} KB/conn, external ${((u1.external - u0.external) / n / 1024).toFixed(2)} KB/conn`);
    return sample;
  } finally {
    await load?.stop();
    await server.stop();
  }
}

export const scenario: Scenario = {
  name: 'idle',
  description: 'idle widget connections with session state (hello, open conversation): server RSS and heap per connection, vs a bare ws server',
  async run({ quick, log }) {
    const total = Number(process.env.KEFU_BENCH_IDLE ?? (quick ? 2000 : 10_000));
    const runs = quick ? 1 : 3;
    const kefu: Sample[] = [];
    const base: Sample[] = [];
    for (let i = 0; i < runs; i++) {
      log(`run ${i + 1}/${runs}: ${total} sockets`);
      kefu.push(await runKind('kefu', total, log));
      base.push(await runKind('baseline', total, log));
    }
    const kb = (list: Sample[], f: (s: Sample) => number) => list.map((s) => f(s) / 1024);
    const rssBase = median(kb(base, (s) => s.rssPerConn));
    const heapBase = median(kb(base, (s) => s.heapPerConn));
    const figures: Figure[] = [
      figureFromRuns('idle.rss-per-connection', 'KB/conn', kb(kefu, (s) => s.rssPerConn), { baseline: { name: 'bare ws', value: rssBase }, note: `${total} sockets; target ≤ 10 KB (bare ws ${rssBase.toFixed(2)} KB)` }),
      figureFromRuns('idle.heap-per-connection', 'KB/conn', kb(kefu, (s) => s.heapPerConn), { baseline: { name: 'bare ws', value: heapBase }, note: `${total} sockets, V8 heap used after GC` }),
    ];
    return figures;
  },
};
