import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@kefu/store-sql';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, connect, startHarness } from './harness.js';

describe('on a real SQLite file', () => {
  let h: Harness | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('acks durable messages and resumes after a restart without gaps or duplicates', async () => {
    dir = mkdtempSync(join(tmpdir(), 'kefu-web-sqlite-'));
    const filename = join(dir, 'kefu.db');
    h = await startHarness({}, { store: createSqliteStore({ filename }) });
    const visitorId = 'v_sqlite_visitor_1';
    const c = await connect(h, { visitor: visitorId });
    for (let i = 1; i <= 5; i++) c.send({ type: 'message', clientId: `s${i}`, text: `message ${i}` });
    const acks = await Promise.all([1, 2, 3, 4, 5].map((i) => c.ack(`s${i}`)));
    expect(acks.map((a) => a.seq)).toEqual([1, 2, 3, 4, 5]);
    await h.app.send(acks[0]!.conversationId, 'internal note', { direction: 'internal' });
    const reply = await h.app.send(acks[0]!.conversationId, 'reply before restart');
    c.close();
    await h.close();

    // A new process on the same file: everything acked is there; the widget resumes from seq 2.
    h = await startHarness({}, { store: createSqliteStore({ filename }) });
    const back = await connect(h, { visitor: visitorId }, { lastSeq: 2, conversationId: acks[0]!.conversationId });
    await back.until((fs) => fs.some((f) => f.type === 'message' && f.message.id === reply.id), 'reply after restart');
    expect(back.of('message').map((f) => f.message.text)).toEqual(['message 3', 'message 4', 'message 5', 'reply before restart']);
    back.send({ type: 'message', clientId: 's5', text: 'message 5' });
    expect(await back.ack('s5')).toMatchObject({ id: acks[4]!.id, duplicate: true });
    back.close();
  });
});
