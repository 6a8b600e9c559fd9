import { adapterConformance } from '@kefu/testing';
import { createEmailAdapter } from '../src/index.js';
import { SUPPORT, deliver, startRelay } from './helpers.js';

// The shared adapter suite, over real SMTP both ways: inbound through the adapter's receiver,
// outbound to a local smtp-server standing in for the relay.
adapterConformance('email', async () => {
  const relay = await startRelay();
  const adapter = createEmailAdapter({
    mailboxes: [{ address: SUPPORT, name: 'Support' }],
    smtp: { host: '127.0.0.1', port: relay.port, secure: false, ignoreTLS: true },
    receiver: { host: '127.0.0.1', port: 0 },
  });
  const addressOf = (user: string) => `${user}@conformance.test`;
  return {
    adapter,
    async deliverInbound({ from, text, externalId }) {
      await deliver(adapter.receiverAddress!.port, { from: addressOf(from), to: SUPPORT, subject: 'conformance', text, messageId: `<${externalId}@conformance.test>` });
    },
    async delivered(address) {
      // The conversation address starts with the customer's address: `customer|mailbox|root-id`.
      const customer = address.split('|')[0];
      return relay.mails.filter((m) => m.to.includes(customer!)).map((m) => (m.parsed.text ?? '').trim());
    },
    unsupportedPart: undefined,
    cleanup: () => relay.close(),
  };
});
