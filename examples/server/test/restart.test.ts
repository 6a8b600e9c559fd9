import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Message } from '@kefu/core';
import { call, login, tempDir, until } from './helpers.js';

const PACKAGE_DIR = fileURLToPath(new URL('../', import.meta.url));
const TSX = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
const data = tempDir('kefu-example-restart-');
const children = new Set<ChildProcess>();
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  data.remove();
});

/** Starts `src/main.ts` as `pnpm start` does, on a free port; resolves with its URL from the banner. */
async function startChild(): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(TSX, ['--conditions=kefu-source', 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    env: { ...process.env, VITEST: '', PORT: '0', KEFU_DATA_DIR: data.dir, KEFU_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = await until(() => /Agent console\s+\S+\s+(http:\/\/127\.0\.0\.1:\d+)\/console\//.exec(out)?.[1], `the server banner (output so far: ${out})`, 60_000);
  return { child, url, output: () => out };
}

interface Frame {
  type: string;
  [k: string]: unknown;
}

/** A widget connection over a real WebSocket: every frame it gets, in order. */
async function connectWidget(url: string, visitor: string, hello: Record<string, unknown>): Promise<{ ws: WebSocket; frames: Frame[]; next(type: string, from?: number): Promise<Frame> }> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws/web?tenant=default&visitor=${visitor}`, { headers: { origin: url } });
  const frames: Frame[] = [];
  ws.on('message', (raw) => frames.push(JSON.parse(raw.toString()) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'hello', visitorId: visitor, ...hello }));
  const next = (type: string, from = 0) => until(() => frames.slice(from).find((f) => f.type === type), `a ${type} frame`);
  await next('welcome');
  return { ws, frames, next };
}

describe('restart: SIGKILL, then the same data directory', () => {
  it('keeps every acked message, and a widget resuming from its last seq gets no gap and no duplicate', { timeout: 120_000 }, async () => {
    const first = await startChild();
    const visitor = 'v-restart-0001';
    const widget = await connectWidget(first.url, visitor, { entry: { pageType: 'product', productId: 'ph-001', locale: 'zh-CN' } });

    // 15 messages back to back (within the widget's rate-limit burst); the server dies mid-flight.
    const sent = Array.from({ length: 15 }, (_, i) => ({ clientId: `c-${String(i).padStart(2, '0')}`, text: `第 ${i + 1} 条消息 message ${i + 1}` }));
    for (const m of sent) widget.ws.send(JSON.stringify({ type: 'message', ...m }));
    await until(() => widget.frames.filter((f) => f.type === 'ack').length >= 8 || undefined, 'eight acks');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const acks = widget.frames.filter((f) => f.type === 'ack') as Array<Frame & { clientId: string; id: string; seq: number; conversationId: string }>;
    // The widget resumes from the middle of what it had (a tab that fell behind): the replay must
    // then carry everything after it — acked messages, bot answers and unacked ones that made it.
    const lastSeq = acks[Math.floor(acks.length / 2)]!.seq;
    widget.ws.terminate();
    expect(acks.length).toBeGreaterThanOrEqual(8);
    const conversationId = acks[0]!.conversationId;

    // Restart on the same data directory: every acked message is there, with its seq.
    const second = await startChild();
    expect(second.output()).toContain('admin@kefu.demo');
    const passwords = /admin@kefu\.demo\s+(\S+)/.exec(second.output())![1]!;
    expect(/admin@kefu\.demo\s+(\S+)/.exec(first.output())![1]).toBe(passwords); // same logins after a restart
    const token = await login(second.url, 'admin@kefu.demo', passwords);
    const { body } = await call<{ items: Message[] }>(second.url, token, 'GET', `/conversations/${conversationId}/messages?limit=500`);
    const stored = body.items;
    for (const ack of acks) {
      const m = stored.find((s) => s.id === ack.id);
      expect(m, `acked ${ack.clientId}`).toBeDefined();
      expect(m!.seq).toBe(ack.seq);
      expect(m!.externalId).toBe(ack.clientId);
    }
    const seqs = stored.map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1)); // no gap in the store
    expect(new Set(stored.map((m) => m.externalId).filter(Boolean)).size).toBe(stored.filter((m) => m.externalId).length);

    // The widget reconnects with its last seq: exactly the messages after it, once each, in order.
    const resumed = await connectWidget(second.url, visitor, { lastSeq, conversationId, entry: { pageType: 'product', productId: 'ph-001' } });
    const expected = stored.filter((m) => m.seq > lastSeq && m.direction !== 'internal').map((m) => m.seq);
    expect(expected.length).toBeGreaterThan(0);
    await until(() => {
      const got = resumed.frames.filter((f) => f.type === 'message').map((f) => (f.message as Message).seq);
      return expected.every((s) => got.includes(s)) || undefined;
    }, `replay of seqs ${expected.join(',')}`);
    // A fresh message after the replay continues the sequence.
    const from = resumed.frames.length;
    resumed.ws.send(JSON.stringify({ type: 'message', clientId: 'c-after-restart', text: '重启之后 after restart' }));
    const ack = (await resumed.next('ack', from)) as Frame & { seq: number; conversationId: string };
    expect(ack.conversationId).toBe(conversationId);
    const replayed = resumed.frames.filter((f) => f.type === 'message').map((f) => (f.message as Message).seq).filter((s) => s < ack.seq);
    expect(replayed).toEqual(expected);
    expect(Math.min(...replayed)).toBeGreaterThan(lastSeq);
    // Resending an acked message (a lost ack) stores nothing new.
    const again = resumed.frames.length;
    resumed.ws.send(JSON.stringify({ type: 'message', ...sent[0] }));
    const dup = (await resumed.next('ack', again)) as Frame & { id: string; duplicate?: boolean };
    expect(dup.id).toBe(acks.find((a) => a.clientId === sent[0]!.clientId)!.id);
    resumed.ws.close();

    second.child.kill('SIGTERM');
    const code = await new Promise((r) => second.child.once('exit', (c) => r(c)));
    expect(code).toBe(0);
  });
});
