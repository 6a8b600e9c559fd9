import { createMemoryStore } from '@kefu/core';
import { adapterConformance } from './adapter-conformance.js';
import { storeConformance } from './store-conformance.js';
import { createTestAdapter } from './test-adapter.js';

storeConformance('memory', async () => {
  const store = createMemoryStore();
  await store.init();
  return { store };
});

// The test adapter is itself an adapter: it must pass the suite it helps others pass.
adapterConformance('test adapter', async () => {
  const adapter = createTestAdapter({ channel: 'test' });
  return {
    adapter,
    deliverInbound: async ({ from, text, externalId }) => {
      await adapter.inject({ from, text, externalId });
    },
    delivered: async (address) => adapter.sent.filter((s) => s.conversation.address === address).map((s) => s.outbound.text),
    unsupportedPart: { type: 'image', url: 'https://example.com/a.png' },
  };
});
