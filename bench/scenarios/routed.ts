/**
 * Routed messages (BENCHMARKS.md scenario 1): widget sockets send customer messages through the
 * whole Kefu path — dedupe, identity, conversation, durable append (SQLite file, group commit),
 * routing, ack to the widget, delivery to the assigned agent's socket — against a bare `ws` relay
 * (customer → agent, ack back) in the same run. Server and load generator are separate processes
 * on separate cores. The headline is the server's CPU time per message, Kefu ÷ bare `ws`.
 */
import { type Figure, type Scenario, figureFromRuns, median } from '../lib.js';
import type { LoadCommand, LoadConfig, LoadReport } from './_load.js';
import { type Child, coreFor, startChild } from './_proc.js';
import type { ServerConfig, ServerReport } from './_server.js';

const WIDGETS = 100;
const AGENTS = 10;
/** Unacknowledged messages each widget keeps in the closed loop. */
const IN_FLIGHT = 10;

type Usage = Extract<ServerReport, { type: 'usage' }>;
type End = Extract<LoadReport, { mark: 'end' }>;

interface Window {
  perSecond: number;
  cpuMicrosPerMessage: number;
  end: End;
}

interface KindRun {
  closed: Window;
  paced: Window;
}

const isUsage = (m: ServerReport): m is Usage => m.type === 'usage';
const isReady = (m: ServerReport): m is Extract<ServerReport, { type: 'ready' }> => m.type === 'ready';

async function usage(server: Child<ServerReport>): Promise<Usage> {
  server.send({ cmd: 'usage' });
  return server.next(isUsage);
}

/** Runs one timed load command; the server's CPU is read when the warm-up ends and when the window closes. */
async function measure(server: Child<ServerReport>, load: Child<LoadReport>, failure: Promise<never>, command: LoadCommand): Promise<Window> {
  load.send(command);
  const step = async () => {
    await load.next((m): m is Extract<LoadReport, { mark: 'start' }> => m.type === 'mark' && m.mark === 'start');
    const u0 = await usage(server);
    const end = await load.next((m): m is End => m.type === 'mark' && m.mark === 'end');
    const u1 = await usage(server);
    return { end, cpu: u1.cpuMicros - u0.cpuMicros };
  };
  const { end, cpu } = await Promise.race([step(), failure]);
  // Acks count finished messages: each is acked once and delivered once.
  return { end, perSecond: (end.acks / end.ms) * 1000, cpuMicrosPerMessage: end.acks ? cpu / end.acks : 0 };
}

async function runKind(kind: 'kefu' | 'baseline', timing: { warmupMs: number; ms: number }, pacedRate: (closed: Window) => number, log: (m: string) => void): Promise<KindRun> {
  const server = startChild<ServerReport>('_server.ts', { kind, agents: AGENTS, capacity: Math.ceil(WIDGETS / AGENTS) } satisfies ServerConfig, { core: coreFor('server') });
  let load: Child<LoadReport> | undefined;
  try {
    const { port, tokens } = await server.next(isReady);
    load = startChild<LoadReport>('_load.ts', { kind, port, widgets: WIDGETS, tokens } satisfies LoadConfig, { core: coreFor('load') });
    // Any error the load generator reports fails the run instead of leaving it waiting.
    const failure = load.next((m): m is Extract<LoadReport, { type: 'error' }> => m.type === 'error', 2 ** 31 - 1).then((m) => Promise.reject<never>(new Error(`load generator: ${m.message}`)));
    failure.catch(() => undefined);
    load.send({ cmd: 'setup' } satisfies LoadCommand);
    await Promise.race([load.next((m): m is Extract<LoadReport, { type: 'ready' }> => m.type === 'ready'), failure]);
    const closed = await measure(server, load, failure, { cmd: 'closed', inflight: IN_FLIGHT, ...timing });
    const rate = pacedRate(closed);
    const paced = await measure(server, load, failure, { cmd: 'paced', rate, ...timing });
    log(`${kind}: closed ${Math.round(closed.perSecond)} msg/s, ${closed.cpuMicrosPerMessage.toFixed(1)} µs CPU/msg; paced ${rate} msg/s → ${paced.cpuMicrosPerMessage.toFixed(1)} µs CPU/msg, p50 ${paced.end.p50?.toFixed(2)} p99 ${paced.end.p99?.toFixed(2)} p999 ${paced.end.p999?.toFixed(2)} ms (${paced.end.samples} samples)`);
    return { closed, paced };
  } finally {
    await load?.stop();
    await server.stop();
  }
}

export const scenario: Scenario = {
  name: 'routed',
  description: `routed messages: ${WIDGETS} widget sockets × ${IN_FLIGHT} in flight → SQLite (durable, group commit) → router → ${AGENTS} agent sockets, vs a bare ws relay; server CPU per message`,
  async run({ quick, log }) {
    const runs = quick ? 1 : 3;
    const timing = quick ? { warmupMs: 300, ms: 1000 } : { warmupMs: 1000, ms: 4000 };
    const kefu: KindRun[] = [];
    const base: KindRun[] = [];
    for (let i = 0; i < runs; i++) {
      log(`run ${i + 1}/${runs}`);
      // Latency is measured at half of Kefu's closed-loop maximum, and the baseline at the same rate.
      const k = await runKind('kefu', timing, (c) => Math.max(100, Math.round(c.perSecond / 2 / 100) * 100), log);
      kefu.push(k);
      base.push(await runKind('baseline', timing, () => Math.max(100, Math.round(k.closed.perSecond / 2 / 100) * 100), log));
    }
    const pick = (list: KindRun[], f: (r: KindRun) => number) => list.map(f);
    const cpuK = pick(kefu, (r) => r.closed.cpuMicrosPerMessage);
    const cpuB = pick(base, (r) => r.closed.cpuMicrosPerMessage);
    const cpuKp = pick(kefu, (r) => r.paced.cpuMicrosPerMessage);
    const cpuBp = pick(base, (r) => r.paced.cpuMicrosPerMessage);
    const rate = median(pick(kefu, (r) => Math.round(r.closed.perSecond / 2 / 100) * 100));
    const lat = (list: KindRun[], p: 'p50' | 'p99' | 'p999') => pick(list, (r) => r.paced.end[p] ?? 0);
    const figures: Figure[] = [
      figureFromRuns('routed.cpu-per-message', 'µs CPU/msg', cpuK, { baseline: { name: 'bare ws relay', value: median(cpuB) }, note: `closed loop; target ≤ 3× (bare ws ${median(cpuB).toFixed(1)} µs)` }),
      figureFromRuns('routed.cpu-per-message.paced', 'µs CPU/msg', cpuKp, { baseline: { name: 'bare ws relay', value: median(cpuBp) }, note: `at ${rate} msg/s, both` }),
      figureFromRuns('routed.throughput', 'msg/s', pick(kefu, (r) => r.closed.perSecond), { baseline: { name: 'bare ws relay', value: median(pick(base, (r) => r.closed.perSecond)) }, note: 'closed loop, server on one core' }),
    ];
    for (const p of ['p50', 'p99', 'p999'] as const) {
      figures.push(
        figureFromRuns(`routed.latency.${p}`, 'ms', lat(kefu, p), {
          baseline: { name: 'bare ws relay', value: median(lat(base, p)) },
          note: `customer→agent at ${rate} msg/s (half of Kefu's max)${p === 'p99' ? '; target ≤ 10 ms' : ''}`,
        }),
      );
    }
    return figures;
  },
};
