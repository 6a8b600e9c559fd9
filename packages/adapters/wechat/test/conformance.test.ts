import { adapterConformance } from '@kefu/testing';
import { createWechatAdapter, wechatSignature, buildWechatXml } from '../src/index.js';
import { FakeWechat } from './fake-wechat.js';
import { OA_APP_ID, OA_SECRET, serveWebhooks } from './harness.js';

adapterConformance('wechat (Official Account over real HTTP, fake WeChat API)', async () => {
  const fake = await FakeWechat.start();
  fake.credentials.set(OA_APP_ID, OA_SECRET);
  const adapter = createWechatAdapter({ accounts: [{ kind: 'official', id: 'oa', appId: OA_APP_ID, appSecret: OA_SECRET, token: 'conf-token', apiBaseUrl: fake.url }] });
  const http = await serveWebhooks(adapter);
  return {
    adapter,
    unsupportedPart: { type: 'file', url: 'https://example.com/a.pdf', name: 'a.pdf' },
    async deliverInbound({ from, text, externalId }) {
      fake.userMessaged(OA_APP_ID, from);
      const timestamp = String(Math.floor(Date.now() / 1000));
      const q = new URLSearchParams({ signature: wechatSignature('conf-token', timestamp, 'n'), timestamp, nonce: 'n' });
      const body = buildWechatXml({ ToUserName: 'gh_conf', FromUserName: from, CreateTime: Number(timestamp), MsgType: 'text', Content: text, MsgId: externalId });
      const res = await fetch(`${http.url}/oa?${q}`, { method: 'POST', body });
      if (res.status !== 200) throw new Error(`webhook answered ${res.status}`);
    },
    async delivered(address) {
      const openid = address.slice('oa:'.length);
      return fake.custom.filter((c) => c.body['touser'] === openid).map((c) => String((c.body['text'] as { content?: string } | undefined)?.content ?? ''));
    },
    async cleanup() {
      await http.close();
      await fake.close();
    },
  };
});
