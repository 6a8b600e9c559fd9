import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../src/index.js';
import { tempDir } from './helpers.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../../..');
const child = join(here, 'crash-child.ts');

interface Ack {
  id: string;
  conversationId: string;
  seq: number;
  n: number;
}

/** Runs the child until it has acknowledged at least `minAcks` appends, then SIGKILLs it. */
function runAndKill(filename: string, minAcks: number): Promise<{ acks: Ack[]; conversations: string[] }> {
  return new Promise((resolvePromise, reject) => {
    const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--conditions=kefu-source', child, filename, '6', '64'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const acks: Ack[] = [];
    const conversations: string[] = [];
    let buffer = '';
    let stderr = '';
    let killed = false;
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    proc.stdout!.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [kind, a, b, c, d2] = line.split(' ');
        if (kind === 'conv') conversations.push(a!);
        // Only complete lines count: an ack cut by the kill was never fully reported.
        if (kind === 'ack') acks.push({ id: a!, conversationId: b!, seq: Number(c), n: Number(d2) });
      }
      if (!killed && acks.length >= minAcks) {
        killed = true;
        proc.kill('SIGKILL');
      }
    });
    proc.on('exit', (code, signal) => {
      if (signal === 'SIGKILL' && killed) resolvePromise({ acks, conversations });
      else reject(new Error(`child exited unexpectedly (code ${code}, signal ${signal}): ${stderr}`));
    });
  });
}

describe('crash: SIGKILL under load loses no acknowledged append', () => {
  const dirs: Array<ReturnType<typeof tempDir>> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  it('every acknowledged append is in the file after reopening, in order and without gaps (3 kills)', async () => {
    for (let round = 0; round < 3; round++) {
      const tmp = tempDir('kefu-crash-');
      dirs.push(tmp);
      const filename = join(tmp.dir, 'kefu.db');
      // Vary the moment of the kill from round to round.
      const { acks, conversations } = await runAndKill(filename, 300 + round * 300);
      expect(acks.length).toBeGreaterThanOrEqual(300);

      const store = createSqliteStore({ filename });
      await store.init();
      try {
        for (const ack of acks) {
          const m = await store.getMessage(ack.id);
          expect(m, `acknowledged message ${ack.id} is missing after the crash`).toBeDefined();
          expect(m!.seq).toBe(ack.seq);
          expect(m!.conversationId).toBe(ack.conversationId);
          expect(m!.text).toBe(`n${ack.n}`);
        }
        for (const id of conversations) {
          const conv = await store.getConversation(id);
          const list = await store.listMessages(id, { limit: 100_000 });
          // No gaps, and seq order is the order in which the writer issued the appends.
          expect(list.map((m) => m.seq)).toEqual(Array.from({ length: list.length }, (_, i) => i + 1));
          expect(list.map((m) => m.text)).toEqual(Array.from({ length: list.length }, (_, i) => `n${i + 1}`));
          expect(conv!.lastSeq).toBe(list.length);
          const acked = acks.filter((a) => a.conversationId === id).length;
          expect(list.length).toBeGreaterThanOrEqual(acked);
        }
      } finally {
        await store.close();
      }
    }
  }, 30_000);
});
