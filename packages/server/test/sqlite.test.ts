import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@kefu/store-sql';
import { afterAll, describe, expect, it } from 'vitest';
import { type Harness, PASSWORD, connectAgent, startHarness } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'kefu-server-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('on a SQLite file', () => {
  it('keeps passwords in the server table and the history across a restart', async () => {
    const filename = join(dir, 'kefu.db');
    let h: Harness | undefined = await startHarness({ store: createSqliteStore({ filename }) });
    try {
      const agent = await connectAgent(h.url, h.tokens.sue);
      // Sue watches without taking conversations.
      agent.send({ type: 'presence', presence: 'away' });
      await agent.waitFor((f) => f.event === 'agent.presence_changed' && f.data.agent.presence === 'away');
      const { conversation } = await h.chat.inject({ from: 'sqlite-shopper', text: '你好，有货吗？' });
      await agent.event('message.received', conversation.id);
      expect((await h.api(`/api/v1/conversations/${conversation.id}/accept`, { token: h.tokens.alice, body: {} })).status).toBe(200);
      const reply = await h.api(`/api/v1/conversations/${conversation.id}/messages`, { token: h.tokens.alice, body: { text: '有的，今天发货。' } });
      expect(reply.status).toBe(201);
      await h.chat.waitForSent(1);
      await agent.event('message.sent', conversation.id);
      const lastEventId = agent.events().at(-1)!.id as number;
      await agent.close();
      const rows = await (h.app.store.sql!.db as any).selectFrom('kefu_server_credentials').selectAll().execute();
      expect(rows).toHaveLength(5);
      expect(rows[0].password_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
      expect(JSON.stringify(rows)).not.toContain(PASSWORD);
      await h.close();

      // A new process on the same file: logins, history and state are there; old event ids resync.
      h = await startHarness({ store: createSqliteStore({ filename }) });
      const login = await h.api('/api/v1/auth/login', { body: { email: 'alice@example.com', password: PASSWORD } });
      expect(login.status).toBe(200);
      const history = await h.api(`/api/v1/conversations/${conversation.id}/messages`, { token: login.body.token });
      expect(history.body.items.map((m: any) => [m.seq, m.text])).toEqual([
        [1, '你好，有货吗？'],
        [2, '有的，今天发货。'],
      ]);
      expect(history.body.items[1].status).toBe('sent');
      const mine = await h.api('/api/v1/conversations?assignee=me&status=assigned', { token: login.body.token });
      expect(mine.body.items.map((i: any) => i.conversation.id)).toEqual([conversation.id]);
      const again = await connectAgent(h.url, h.tokens.sue, `&lastEventId=${lastEventId}`);
      await again.waitFor((f) => f.type === 'resync');
      expect(again.frames[0].lastEventId).toBeGreaterThan(lastEventId);
      await again.close();
    } finally {
      await h?.close();
    }
  });
});
