/**
 * Store scenario: durable appends per second. SQLite with group commit against SQLite with one
 * commit (one fsync) per append — the baseline — and PostgreSQL, all with `synchronous=FULL` /
 * default durable commits, 100 appends in flight over 20 conversations, closed loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TENANT, type Store, newId } from '@kefu/core';
import { createPostgresStore, createSqliteStore } from '@kefu/store-sql';
import pg from 'pg';
import { type Figure, type Scenario, figureFromRuns } from '../lib.js';

const IN_FLIGHT = 100;
const CONVERSATIONS = 20;
const PG_URL = process.env.KEFU_BENCH_PG_URL ?? process.env.KEFU_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Run {
  perSecond: number;
  cpuMicrosPerAppend: number;
}

async function conversations(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < CONVERSATIONS; i++) {
    const now = Date.now();
    const contact = await store.createContact({ id: newId(), tenantId: DEFAULT_TENANT, identities: [{ channel: 'web', externalId: `b${i}` }], identifiers: [], tier: 'normal', tags: [], attributes: {}, createdAt: now, updatedAt: now });
    const conv = await store.createConversation({ id: newId(), tenantId: DEFAULT_TENANT, contactId: contact.id, channel: 'web', address: `b${i}`, status: 'bot', priority: 0, tags: [], lastSeq: 0, attributes: {}, openedAt: now, lastMessageAt: now, updatedAt: now });
    ids.push(conv.id);
  }
  return ids;
}

/** Closed loop: IN_FLIGHT writers append until the deadline; a short warm-up is not counted. */
async function appendFor(store: Store, ms: number): Promise<Run> {
  const convs = await conversations(store);
  let counting = false;
  let count = 0;
  let stop = false;
  let k = 0;
  const writer = async () => {
    while (!stop) {
      const text = `hello ${k}`;
      await store.appendMessage({
        tenantId: DEFAULT_TENANT,
        conversationId: convs[k++ % convs.length]!,
        direction: 'inbound',
        author: { role: 'customer' },
        text,
        parts: [{ type: 'text', text }],
        channel: 'web',
        createdAt: Date.now(),
        dedupeKey: `web:${newId()}`,
      });
      if (counting) count++;
    }
  };
  const writers = Array.from({ length: IN_FLIGHT }, writer);
  await new Promise((r) => setTimeout(r, Math.min(300, ms / 3)));
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, ms));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  counting = false;
  stop = true;
  await Promise.all(writers);
  return { perSecond: (count / elapsed) * 1000, cpuMicrosPerAppend: count ? (cpu.user + cpu.system) / count : 0 };
}

async function sqliteRun(ms: number, maxBatch: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-bench-'));
  const store = createSqliteStore({ filename: join(dir, 'bench.db'), maxBatch });
  try {
    await store.init();
    return await appendFor(store, ms);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function pgReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresRun(ms: number): Promise<Run> {
  const schema = `kefu_bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const store = createPostgresStore({ connectionString: PG_URL, schema, maxConnections: 20 });
  try {
    await store.init();
    return await appendFor(store, ms);
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  }
}

export const scenario: Scenario = {
  name: 'store',
  description: `durable appends/s, ${IN_FLIGHT} in flight over ${CONVERSATIONS} conversations (SQLite WAL synchronous=FULL; PostgreSQL default fsync)`,
  async run({ quick, log }) {
    const ms = quick ? 700 : 3000;
    const runs = 3;
    const withPg = await pgReachable();
    if (!withPg) log(`PostgreSQL unreachable at ${PG_URL}: its figure is skipped`);
    const group: Run[] = [];
    const single: Run[] = [];
    const postgres: Run[] = [];
    // Variants are interleaved run by run so that a noisy neighbour hurts them alike.
    for (let i = 0; i < runs; i++) {
      log(`run ${i + 1}/${runs}: sqlite group commit`);
      group.push(await sqliteRun(ms, 1000));
      log(`run ${i + 1}/${runs}: sqlite one commit per append`);
      single.push(await sqliteRun(ms, 1));
      if (withPg) {
        log(`run ${i + 1}/${runs}: postgres`);
        postgres.push(await postgresRun(ms));
      }
    }
    const baseline = figureFromRuns('store.sqlite.commit-per-append', 'appends/s', single.map((r) => r.perSecond));
    const ref = { name: 'sqlite commit-per-append', value: baseline.value };
    const figures: Figure[] = [
      figureFromRuns('store.sqlite.group-commit', 'appends/s', group.map((r) => r.perSecond), { baseline: ref }),
      baseline,
      figureFromRuns('store.sqlite.group-commit.cpu', 'µs CPU/append', group.map((r) => r.cpuMicrosPerAppend), {
        baseline: { name: 'sqlite commit-per-append', value: figureFromRuns('', '', single.map((r) => r.cpuMicrosPerAppend)).value },
      }),
    ];
    if (withPg) {
      figures.push(figureFromRuns('store.postgres', 'appends/s', postgres.map((r) => r.perSecond), { baseline: ref, note: 'PostgreSQL on the same machine, 20 pool connections' }));
      figures.push(figureFromRuns('store.postgres.cpu', 'µs CPU/append', postgres.map((r) => r.cpuMicrosPerAppend), { note: 'Node process only; the PostgreSQL server is not counted' }));
    }
    return figures;
  },
};
