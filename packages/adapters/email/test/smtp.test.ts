import { type Middleware, createMemoryStore, isKefuError } from '@kefu/core';
import iconv from 'iconv-lite';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmailAdapter } from '../src/index.js';
import { type EmailWorld, SUPPORT, deliver, eventually, header, startWorld } from './helpers.js';

let world: EmailWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** The tiny "bot" of the tests: answers every inbound mail unless it is automatic. */
const politeBot: Middleware = async (ctx, next) => {
  if (ctx.message.meta?.automatic !== true) {
    ctx.claim('test-bot');
    await ctx.reply('Thanks, we got your mail.');
  }
  await next();
};

async function firstInbound(w: EmailWorld) {
  return eventually(async () => (await w.inbound())[0], 'an inbound message');
}

describe('SMTP in, SMTP out', () => {
  it('turns a mail into a conversation with the text, the sender and the subject', async () => {
    world = await startWorld();
    const res = await deliver(world.port, { from: 'Alice 张 <alice@customer.test>', to: SUPPORT, subject: 'Where is my order?', text: 'Hello, order 1001 has not arrived.', messageId: '<m1@customer.test>' });
    expect(res.response).toMatch(/^250/);
    const message = await firstInbound(world);
    expect(message.text).toBe('Hello, order 1001 has not arrived.');
    expect(message.author.role).toBe('customer');
    expect(message.externalId).toBe(`${SUPPORT}/<m1@customer.test>`);
    const email = message.meta!.email as Record<string, unknown>;
    expect(email.messageId).toBe('<m1@customer.test>');
    expect(email.from).toBe('alice@customer.test');
    expect(email.threadedBy).toBe('new');
    const conversation = await world.app.conversations.get(message.conversationId);
    expect(conversation.subject).toBe('Where is my order?');
    const contact = await world.app.contacts.get(conversation.contactId);
    expect(contact.name).toBe('Alice 张');
    // No trust configured: the address is not a verified identifier.
    expect(contact.identifiers).toEqual([]);
    expect((message.raw as { rfc822: string }).rfc822).toContain('order 1001');
  });

  it('opens a new conversation for a new mail from the same customer', async () => {
    world = await startWorld();
    await deliver(world.port, { from: 'alice@customer.test', to: SUPPORT, subject: 'First', text: 'one', messageId: '<n1@customer.test>' });
    await deliver(world.port, { from: 'alice@customer.test', to: SUPPORT, subject: 'Second', text: 'two', messageId: '<n2@customer.test>' });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 2 ? list : undefined;
    }, 'two messages');
    expect(all[0]!.conversationId).not.toBe(all[1]!.conversationId);
  });

  it("sends the agent's reply with threading headers, and threads the customer's quoted reply showing only the new text", async () => {
    world = await startWorld();
    await deliver(world.port, { from: 'Alice <alice@customer.test>', to: SUPPORT, subject: 'Refund', text: 'I want a refund.', messageId: '<r1@customer.test>' });
    const first = await firstInbound(world);
    const sent = await world.app.send(first.conversationId, 'Sure, refund started.\nIt takes 3 days.', { author: { role: 'agent', id: 'a1', name: 'Bob' } });
    const [mail] = await world.relay.waitFor(1);
    expect(mail!.to).toEqual(['alice@customer.test']);
    expect(mail!.from).toBe(SUPPORT);
    expect(header(mail!, 'in-reply-to')).toBe('<r1@customer.test>');
    expect(header(mail!, 'references')).toContain('<r1@customer.test>');
    expect(mail!.parsed.subject).toMatch(/^Re: Refund \[#[a-z0-9]{8}\]$/);
    expect(mail!.parsed.from!.value[0]).toEqual({ address: SUPPORT, name: 'Bob (Shop Support 商城客服)' });
    expect(header(mail!, 'auto-submitted')).toBeUndefined();
    expect(mail!.parsed.text).toContain('Sure, refund started.');
    expect(mail!.parsed.html).toContain('Sure, refund started.<br>It takes 3 days.');
    const stored = await eventually(async () => {
      const m = await world!.store.getMessage(sent.id);
      return m?.status === 'sent' ? m : undefined;
    }, 'the reply to be sent');
    expect(stored.externalId).toBe(mail!.parsed.messageId);
    expect(stored.externalId).toContain(first.conversationId);

    // The customer answers on top of the quoted original, as Gmail does.
    await deliver(world.port, {
      from: 'Alice <alice@customer.test>',
      to: SUPPORT,
      subject: `Re: ${mail!.parsed.subject}`,
      inReplyTo: mail!.parsed.messageId,
      references: [`<r1@customer.test>`, mail!.parsed.messageId!],
      messageId: '<r2@customer.test>',
      text: 'Thank you, got it!\n\nOn Tue, Nov 11, 2026 at 10:00 AM Shop Support <support@shop.test> wrote:\n> Sure, refund started.\n> It takes 3 days.\n',
    });
    const second = await eventually(async () => (await world!.inbound())[1], 'the second inbound');
    expect(second.conversationId).toBe(first.conversationId);
    expect(second.text).toBe('Thank you, got it!');
    const email = second.meta!.email as { fullText: string; threadedBy: string };
    expect(email.fullText).toContain('> Sure, refund started.');
    expect(email.threadedBy).toBe('in-reply-to');

    // The next agent reply references the whole thread, newest last.
    await world.app.send(first.conversationId, 'You are welcome.', { author: { role: 'agent', id: 'a1' } });
    const mails = await world.relay.waitFor(2);
    expect(header(mails[1]!, 'in-reply-to')).toBe('<r2@customer.test>');
    expect(header(mails[1]!, 'references')!.split(/\s+/)).toEqual(['<r1@customer.test>', mail!.parsed.messageId, '<r2@customer.test>']);
  });

  it('threads by the subject token when a client drops the headers, and by the plus-address', async () => {
    world = await startWorld({ plusAddressing: true });
    await deliver(world.port, { from: 'carol@customer.test', to: SUPPORT, subject: 'Size question', text: 'Is M big?', messageId: '<s1@customer.test>' });
    const first = await firstInbound(world);
    await world.app.send(first.conversationId, 'M fits 170cm.', { author: { role: 'agent', id: 'a1' } });
    const [mail] = await world.relay.waitFor(1);
    const token = /\[#([a-z0-9]{8})\]/.exec(mail!.parsed.subject!)![1]!;
    expect(mail!.parsed.replyTo!.value[0]!.address).toBe(`support+${token}@shop.test`);
    await deliver(world.port, { from: 'carol@customer.test', to: SUPPORT, subject: `Re: Size question [#${token}]`, text: 'Thanks', messageId: '<s2@customer.test>' });
    await deliver(world.port, { from: 'carol@customer.test', to: `support+${token}@shop.test`, subject: 'another thing', text: 'And L?', messageId: '<s3@customer.test>' });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 3 ? list : undefined;
    }, 'three messages');
    expect(all.map((m) => m.conversationId)).toEqual([first.conversationId, first.conversationId, first.conversationId]);
    expect(all.map((m) => (m.meta!.email as { threadedBy: string }).threadedBy)).toEqual(['new', 'subject-token', 'plus-address']);
  });

  it('reopens a closed conversation on a reply, or opens a new linked one when configured', async () => {
    for (const onClosed of ['reopen', 'new'] as const) {
      world = await startWorld({ onClosed });
      await deliver(world.port, { from: 'dan@customer.test', to: SUPPORT, subject: 'Hi', text: 'hello', messageId: `<c1-${onClosed}@customer.test>` });
      const first = await firstInbound(world);
      await world.app.conversations.close(first.conversationId);
      await deliver(world.port, { from: 'dan@customer.test', to: SUPPORT, subject: 'Re: Hi', text: 'again', inReplyTo: `<c1-${onClosed}@customer.test>`, messageId: `<c2-${onClosed}@customer.test>` });
      const second = await eventually(async () => (await world!.inbound())[1], 'the reply');
      const conversation = await world.app.conversations.get(second.conversationId);
      if (onClosed === 'reopen') {
        expect(second.conversationId).toBe(first.conversationId);
        expect(conversation.status).not.toBe('closed');
      } else {
        expect(second.conversationId).not.toBe(first.conversationId);
        expect(conversation.attributes.previousConversationId).toBe(first.conversationId);
        // A further reply to the old thread follows into the new conversation instead of opening a third.
        await deliver(world.port, { from: 'dan@customer.test', to: SUPPORT, subject: 'Re: Hi', text: 'third', inReplyTo: `<c1-${onClosed}@customer.test>`, messageId: `<c3-${onClosed}@customer.test>` });
        const third = await eventually(async () => (await world!.inbound())[2], 'the third');
        expect(third.conversationId).toBe(second.conversationId);
      }
      await world.close();
      world = undefined;
    }
  });

  it('answers a person but never an out-of-office reply or a bounce; the bounce marks the outbound mail failed', async () => {
    world = await startWorld({}, { middleware: [politeBot] });
    await deliver(world.port, { from: 'erin@customer.test', to: SUPPORT, subject: 'Question', text: 'Do you ship to Macau?', messageId: '<b1@customer.test>' });
    const [ack] = await world.relay.waitFor(1);
    expect(ack!.to).toEqual(['erin@customer.test']);
    expect(header(ack!, 'auto-submitted')).toBe('auto-replied');
    const first = await firstInbound(world);

    // An out-of-office reply to our acknowledgement.
    await deliver(world.port, {
      from: 'erin@customer.test',
      to: SUPPORT,
      subject: 'Automatic reply: Re: Question',
      text: 'I am out of office until Monday.',
      inReplyTo: ack!.parsed.messageId,
      messageId: '<ooo@customer.test>',
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
    });
    // A DSN for an agent's mail, from the null sender.
    const agentMail = await world.app.send(first.conversationId, 'We ship to Macau.', { author: { role: 'agent', id: 'a1' } });
    const mails = await world.relay.waitFor(2);
    const originalId = mails[1]!.parsed.messageId!;
    const dsn = [
      'From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>',
      'To: support@shop.test',
      'Subject: Undelivered Mail Returned to Sender',
      'Message-ID: <dsn1@mx.customer.test>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"',
      '',
      '--BOUND',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'Your message could not be delivered.',
      '--BOUND',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.customer.test',
      '',
      'Final-Recipient: rfc822; erin@customer.test',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 mailbox unavailable',
      '',
      '--BOUND',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: ${originalId}`,
      'From: support@shop.test',
      'Subject: Re: Question',
      '',
      '--BOUND--',
      '',
    ].join('\r\n');
    await deliver(world.port, { envelope: { from: '', to: [SUPPORT] }, raw: dsn });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 3 ? list : undefined;
    }, 'three inbound mails');
    const [ooo, bounce] = [all[1]!, all[2]!];
    expect(ooo.meta).toMatchObject({ automatic: true, automaticKind: 'auto-reply' });
    expect(bounce.meta).toMatchObject({ automatic: true, automaticKind: 'bounce' });
    expect(ooo.conversationId).toBe(first.conversationId);
    expect(bounce.conversationId).toBe(first.conversationId);
    const failed = await eventually(async () => {
      const m = await world!.store.getMessage(agentMail.id);
      return m?.status === 'failed' ? m : undefined;
    }, 'the bounced message to be failed');
    expect(failed.error).toMatchObject({ code: 'KEFU_EMAIL_BOUNCED' });
    expect(failed.error!.message).toContain('5.1.1');
    await world.app.idle();
    // Only the first acknowledgement and the agent's mail went out: nothing answered the robots.
    expect(world.relay.mails.length).toBe(2);
  });

  it('refuses automatic mail to an automatic sender even from a bot that ignores meta.automatic', async () => {
    const naiveBot: Middleware = async (ctx, next) => {
      ctx.claim('naive');
      await ctx.reply('Auto-ack');
      await next();
    };
    world = await startWorld({}, { middleware: [naiveBot] });
    await deliver(world.port, { from: 'newsletter@brand.test', to: SUPPORT, subject: 'Weekly deals', text: 'Deals!', messageId: '<list1@brand.test>', headers: { 'List-Id': '<deals.brand.test>', Precedence: 'bulk' } });
    const message = await firstInbound(world);
    expect(message.meta).toMatchObject({ automatic: true, automaticKind: 'bulk' });
    const reply = await eventually(async () => {
      const list = (await world!.messages(message.conversationId)).filter((m) => m.direction === 'outbound' && m.status !== 'pending');
      return list[0];
    }, 'the bot reply to be settled');
    expect(reply.status).toBe('failed');
    expect(reply.error!.code).toBe('KEFU_DELIVERY_FAILED');
    expect(world.relay.mails.length).toBe(0);
  });

  it('decodes GBK, GB2312 and Big5 mail', async () => {
    world = await startWorld();
    const body = iconv.encode('您好，我的订单还没有发货。', 'gbk');
    const raw = Buffer.concat([
      Buffer.from(['From: =?GB2312?B?' + iconv.encode('王小明', 'gb2312').toString('base64') + '?= <wang@customer.test>', 'To: support@shop.test', 'Subject: =?GBK?B?' + iconv.encode('订单问题', 'gbk').toString('base64') + '?=', 'Message-ID: <gbk1@customer.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=GBK', 'Content-Transfer-Encoding: 8bit', '', ''].join('\r\n')),
      body,
      Buffer.from('\r\n'),
    ]);
    await deliver(world.port, { envelope: { from: 'wang@customer.test', to: [SUPPORT] }, raw });
    const big5 = ['From: chen@customer.test', 'To: support@shop.test', 'Subject: =?Big5?B?' + iconv.encode('退貨', 'big5').toString('base64') + '?=', 'Message-ID: <big5@customer.test>', 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=Big5', 'Content-Transfer-Encoding: base64', '', iconv.encode('請問如何退貨？', 'big5').toString('base64'), ''].join('\r\n');
    await deliver(world.port, { envelope: { from: 'chen@customer.test', to: [SUPPORT] }, raw: big5 });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 2 ? list : undefined;
    }, 'two mails');
    const gbk = all.find((m) => m.text.includes('订单'))!;
    expect(gbk.text).toBe('您好，我的订单还没有发货。');
    expect((gbk.meta!.email as { subject: string; fromName: string }).subject).toBe('订单问题');
    expect((gbk.meta!.email as { fromName: string }).fromName).toBe('王小明');
    // The raw source is not UTF-8, so it is kept byte-exact as base64.
    expect((gbk.raw as { encoding: string }).encoding).toBe('base64');
    expect(all.some((m) => m.text === '請問如何退貨？' && (m.meta!.email as { subject: string }).subject === '退貨')).toBe(true);
  });

  it('refuses an oversized mail with 552 and a mail to an unknown mailbox with 550, storing nothing', async () => {
    world = await startWorld({ maxMessageBytes: 20_000 });
    await expect(deliver(world.port, { from: 'big@customer.test', to: SUPPORT, subject: 'big', text: 'x'.repeat(60_000) })).rejects.toMatchObject({ responseCode: 552 });
    await expect(deliver(world.port, { from: 'lost@customer.test', to: 'sales@shop.test', subject: 'hi', text: 'hello' })).rejects.toMatchObject({ responseCode: 550 });
    await expect(deliver(world.port, { from: 'lost@customer.test', to: 'support@other.test', subject: 'hi', text: 'hello' })).rejects.toMatchObject({ responseCode: 550 });
    await world.app.idle();
    expect(await world.store.listConversations({ limit: 10 })).toEqual([]);
  });

  it('stores malformed MIME safely (broken boundary, bad base64, unknown charset, no headers)', async () => {
    world = await startWorld();
    const broken = [
      'From: mallory@customer.test',
      'To: support@shop.test',
      'Subject: broken',
      'Message-ID: <bad1@customer.test>',
      'Content-Type: multipart/mixed; boundary="NOPE"',
      '',
      '--WRONG',
      'Content-Type: text/plain; charset=x-unknown-charset',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!not base64 at all***',
      '--WRONG',
      'Content-Type: application/pdf; name="a.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0=====',
    ].join('\r\n');
    const res = await deliver(world.port, { envelope: { from: 'mallory@customer.test', to: [SUPPORT] }, raw: broken });
    expect(res.response).toMatch(/^250/);
    await deliver(world.port, { envelope: { from: 'mallory@customer.test', to: [SUPPORT] }, raw: 'just some text without any header\r\n' });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 2 ? list : undefined;
    }, 'both malformed mails');
    for (const m of all) {
      expect(typeof m.text).toBe('string');
      expect(m.text.length).toBeGreaterThan(0);
    }
    // Without a Message-ID the mail gets a stable id from its bytes, so a retry is still deduped.
    await deliver(world.port, { envelope: { from: 'mallory@customer.test', to: [SUPPORT] }, raw: 'just some text without any header\r\n' });
    await world.app.idle();
    expect((await world.inbound()).length).toBe(2);
  });

  it('neutralises header injection in outbound subjects and names', async () => {
    world = await startWorld();
    // The subject decodes to a CR/LF followed by a Bcc header.
    const evil = Buffer.from('Order\r\nBcc: victim@evil.test\r\nX-Injected: 1').toString('base64');
    await deliver(world.port, { envelope: { from: 'mallory@customer.test', to: [SUPPORT] }, raw: ['From: "Mallory" <mallory@customer.test>', 'To: support@shop.test', `Subject: =?UTF-8?B?${evil}?=`, 'Message-ID: <inj1@customer.test>', '', 'hello', ''].join('\r\n') });
    const first = await firstInbound(world);
    await world.app.send(first.conversationId, 'ok', { author: { role: 'agent', id: 'a1', name: 'Eve\r\nBcc: victim2@evil.test' } });
    await world.app.send(first.conversationId, 'ok 2', { author: { role: 'agent', id: 'a1' }, meta: { email: { subject: 'New\nCc: victim3@evil.test' } } });
    const mails = await world.relay.waitFor(2);
    for (const mail of mails) {
      expect(mail.to).toEqual(['mallory@customer.test']);
      expect(header(mail, 'bcc')).toBeUndefined();
      expect(header(mail, 'cc')).toBeUndefined();
      expect(header(mail, 'x-injected')).toBeUndefined();
      expect(mail.parsed.subject).not.toMatch(/[\r\n]/);
      const head = mail.raw.toString('utf8').split('\r\n\r\n')[0]!;
      expect(head).not.toMatch(/^(bcc|cc|x-injected):/im);
    }
    expect(mails[0]!.parsed.subject).toContain('Bcc: victim@evil.test');
    expect(mails[0]!.parsed.from!.value[0]!.name).toBe('Eve Bcc: victim2@evil.test (Shop Support 商城客服)');
  });

  it('sanitises HTML: no script, no handlers, no remote images by default', async () => {
    world = await startWorld();
    await deliver(world.port, {
      from: 'frank@customer.test',
      to: SUPPORT,
      subject: 'html',
      messageId: '<h1@customer.test>',
      html: '<p onclick="steal()">Hello <b>there</b><script>alert(1)</script></p><img src="https://tracker.test/p.gif" onerror="x()"><a href="javascript:alert(2)">bad</a><a href="https://shop.test/o/1">order</a><style>body{background:url(https://t.test/x)}</style><iframe src="https://evil.test"></iframe>',
    });
    const message = await firstInbound(world);
    const html = (message.meta!.email as { html: string }).html;
    expect(html).toContain('<b>there</b>');
    expect(html).not.toMatch(/script|onclick|onerror|javascript:|tracker\.test|iframe|<style|url\(/i);
    expect(html).toContain('href="https://shop.test/o/1"');
    expect(html).toContain('rel="noopener noreferrer nofollow"');
    expect(message.text).toContain('Hello there');
  });

  it('verifies the sender only with a trusted Authentication-Results, so a spoofed From never joins the real contact', async () => {
    world = await startWorld({ trust: { authservIds: ['mx.shop.test'] } });
    const trusted = 'mx.shop.test; spf=pass smtp.mailfrom=grace@customer.test; dkim=pass header.d=customer.test header.s=s1; dmarc=pass header.from=customer.test';
    await deliver(world.port, { from: 'Grace <grace@customer.test>', to: SUPPORT, subject: 'real', text: 'real grace', messageId: '<g1@customer.test>', headers: { 'Authentication-Results': trusted } });
    // The attacker writes a passing header too, but with an authserv-id nobody trusts.
    await deliver(world.port, { from: 'Grace <grace@customer.test>', to: SUPPORT, subject: 'fake', text: 'spoofed grace', messageId: '<g2@evil.test>', headers: { 'Authentication-Results': 'mx.evil.test; dmarc=pass header.from=customer.test; dkim=pass header.d=customer.test' } });
    // A trusted header that fails DKIM alignment: signed by another domain.
    await deliver(world.port, { from: 'Grace <grace@customer.test>', to: SUPPORT, subject: 'fake2', text: 'signed elsewhere', messageId: '<g3@evil.test>', headers: { 'Authentication-Results': 'mx.shop.test; spf=fail smtp.mailfrom=evil.test; dkim=pass header.d=evil.test; dmarc=fail header.from=customer.test' } });
    const all = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 3 ? list : undefined;
    }, 'three mails');
    const byText = (t: string) => all.find((m) => m.text === t)!;
    const real = byText('real grace');
    const spoofed = byText('spoofed grace');
    const elsewhere = byText('signed elsewhere');
    expect((real.meta!.email as { auth: { verified: boolean; by: string } }).auth).toMatchObject({ verified: true, by: 'dmarc' });
    expect((spoofed.meta!.email as { auth: { verified: boolean } }).auth.verified).toBe(false);
    expect((elsewhere.meta!.email as { auth: { verified: boolean } }).auth.verified).toBe(false);
    const realContact = await world.app.contacts.get(real.author.id!);
    expect(realContact.identifiers).toEqual([{ kind: 'email', value: 'grace@customer.test' }]);
    expect(spoofed.author.id).not.toBe(real.author.id);
    expect(elsewhere.author.id).not.toBe(real.author.id);
    const spoofContact = await world.app.contacts.get(spoofed.author.id!);
    expect(spoofContact.identifiers).toEqual([]);
    expect(spoofContact.identities).toEqual([{ channel: 'email', externalId: 'unverified:grace@customer.test' }]);
  });

  it('marks a mail failed on a permanent 5xx and keeps it pending for retry on a 4xx', async () => {
    world = await startWorld();
    await deliver(world.port, { from: 'henry@customer.test', to: SUPPORT, subject: 'a', text: 'a', messageId: '<p1@customer.test>' });
    await deliver(world.port, { from: 'ivy@customer.test', to: SUPPORT, subject: 'b', text: 'b', messageId: '<p2@customer.test>' });
    const [a, b] = await eventually(async () => {
      const list = await world!.inbound();
      return list.length === 2 ? list : undefined;
    }, 'two mails');
    world.relay.rejectRecipient.set('henry@customer.test', 550);
    world.relay.rejectRecipient.set('ivy@customer.test', 451);
    const toHenry = await world.app.send(a!.conversationId, 'x', { author: { role: 'agent', id: 'a1' } });
    const toIvy = await world.app.send(b!.conversationId, 'y', { author: { role: 'agent', id: 'a1' } });
    await world.app.idle();
    const failed = (await world.store.getMessage(toHenry.id))!;
    expect(failed.status).toBe('failed');
    expect(failed.error!.code).toBe('KEFU_DELIVERY_FAILED');
    expect(failed.error!.message).toContain('550');
    const retrying = (await world.store.getMessage(toIvy.id))!;
    expect(retrying.status).toBe('pending');
    expect(retrying.attempts).toBe(1);
    expect(retrying.error!.code).toBe('KEFU_DELIVERY_RETRYABLE');
    expect(retrying.nextAttemptAt).toBeGreaterThan(Date.now());
  });

  it('renders cards as HTML with signed action links and a text fallback, and marks bot mail Auto-Submitted', async () => {
    const signed: string[] = [];
    world = await startWorld({
      signActionUrl: (messageId, action) => {
        signed.push(`${messageId}:${action.id}`);
        return `https://shop.test/a/${messageId}/${action.id}?sig=abc`;
      },
    });
    await deliver(world.port, { from: 'jack@customer.test', to: SUPPORT, subject: 'order', text: 'status?', messageId: '<k1@customer.test>' });
    const first = await firstInbound(world);
    const sent = await world.app.send(
      first.conversationId,
      [
        { type: 'text', text: 'Your order:' },
        {
          type: 'card',
          card: {
            kind: 'order',
            title: 'Order #1001 <b>',
            fields: [{ label: 'Status', value: 'Shipped' }],
            actions: [
              { id: 'confirm', label: 'Confirm receipt', type: 'postback', style: 'primary' },
              { id: 'track', label: 'Track', type: 'link', url: 'https://track.test/1001' },
              { id: 'js', label: 'Evil', type: 'link', url: 'javascript:alert(1)' },
            ],
          },
        },
        { type: 'file', name: 'invoice.txt', url: 'data:text/plain;base64,' + Buffer.from('INVOICE 1001').toString('base64'), mimeType: 'text/plain' },
        { type: 'file', name: 'passwd', url: '/etc/passwd' },
      ],
      { author: { role: 'bot', id: 'shop-bot' } },
    );
    const [mail] = await world.relay.waitFor(1);
    expect(signed).toEqual([`${sent.id}:confirm`]);
    expect(mail!.parsed.html).toContain(`href="https://shop.test/a/${sent.id}/confirm?sig=abc"`);
    expect(mail!.parsed.html).toContain('href="https://track.test/1001"');
    expect(mail!.parsed.html).toContain('Order #1001 &lt;b&gt;');
    expect(mail!.parsed.html).not.toContain('javascript:');
    expect(mail!.parsed.text).toContain('Status: Shipped');
    expect(mail!.parsed.text).toContain(`1. Confirm receipt: https://shop.test/a/${sent.id}/confirm?sig=abc`);
    expect(mail!.parsed.text).toContain('3. Evil');
    expect(header(mail!, 'auto-submitted')).toBe('auto-replied');
    expect(mail!.parsed.attachments.map((a) => a.filename)).toEqual(['invoice.txt']);
    expect(mail!.parsed.attachments[0]!.content.toString()).toBe('INVOICE 1001');
  });

  it('keeps allowed attachments and refuses executables, oversized files and lying content types', async () => {
    world = await startWorld({ attachments: { maxBytes: 1000 } });
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await deliver(world.port, {
      from: 'kate@customer.test',
      to: SUPPORT,
      subject: 'files',
      text: 'see attached',
      messageId: '<f1@customer.test>',
      attachments: [
        { filename: 'photo.png', content: png, contentType: 'image/png' },
        { filename: 'setup.exe', content: Buffer.from('MZ'), contentType: 'application/octet-stream' },
        { filename: 'fake.png', content: Buffer.from('<script>'), contentType: 'image/png' },
        { filename: 'big.pdf', content: Buffer.concat([Buffer.from('%PDF-'), Buffer.alloc(2000)]), contentType: 'application/pdf' },
      ],
    });
    const message = await firstInbound(world);
    expect(message.parts.map((p) => p.type)).toEqual(['text', 'image']);
    const image = message.parts[1] as { url: string; mimeType: string };
    expect(image.url).toBe(`data:image/png;base64,${png.toString('base64')}`);
    const rejected = (message.meta!.email as { rejectedAttachments: Array<{ filename: string }> }).rejectedAttachments.map((r) => r.filename);
    expect(rejected).toEqual(['setup.exe', 'fake.png', 'big.pdf']);
  });

  it('answers 451 when the store fails, so the sending server retries, and stores the retry', async () => {
    const store = createMemoryStore();
    const append = store.appendMessage.bind(store);
    let failNext = true;
    store.appendMessage = async (m) => {
      if (failNext && m.direction === 'inbound') {
        failNext = false;
        throw new Error('disk full');
      }
      return append(m);
    };
    world = await startWorld({}, { store });
    await expect(deliver(world.port, { from: 'leo@customer.test', to: SUPPORT, subject: 's', text: 'once', messageId: '<t1@customer.test>' })).rejects.toMatchObject({ responseCode: 451 });
    await deliver(world.port, { from: 'leo@customer.test', to: SUPPORT, subject: 's', text: 'once', messageId: '<t1@customer.test>' });
    const all = await world.inbound();
    expect(all.map((m) => m.text)).toEqual(['once']);
  });

  it('offers AUTH for a relay and trusts authenticated relays only when told to', async () => {
    world = await startWorld({ receiver: { host: '127.0.0.1', port: 0, auth: { required: true, users: { relay: 's3cret' }, allowInsecure: true } }, trust: { smtpAuth: true } });
    await expect(deliver(world.port, { from: 'mia@customer.test', to: SUPPORT, subject: 'x', text: 'anon' })).rejects.toMatchObject({ responseCode: 530 });
    await expect(deliver(world.port, { from: 'mia@customer.test', to: SUPPORT, subject: 'x', text: 'wrong', auth: { user: 'relay', pass: 'nope' } } as never)).rejects.toBeDefined();
    const transport = (await import('nodemailer')).default.createTransport({ host: '127.0.0.1', port: world.port, secure: false, ignoreTLS: true, auth: { user: 'relay', pass: 's3cret' } });
    await transport.sendMail({ from: 'mia@customer.test', to: SUPPORT, subject: 'x', text: 'relayed', messageId: '<au1@customer.test>' });
    transport.close();
    const message = await firstInbound(world);
    expect(message.text).toBe('relayed');
    expect((message.meta!.email as { auth: { verified: boolean; by: string } }).auth).toMatchObject({ verified: true, by: 'smtp-auth' });
  });

  it('rejects invalid options with a coded error', () => {
    expect(() => createEmailAdapter({ mailboxes: [], smtp: {} })).toThrow(expect.objectContaining({ code: 'KEFU_EMAIL_INVALID_OPTIONS' }));
    expect(() => createEmailAdapter({ mailboxes: [{ address: 'bad\r\nBcc: x@y.z' }], smtp: {} })).toThrow(expect.objectContaining({ code: 'KEFU_EMAIL_INVALID_OPTIONS' }));
    expect(() => createEmailAdapter({ mailboxes: [{ address: 'a@b.test' }] })).toThrow(expect.objectContaining({ code: 'KEFU_EMAIL_INVALID_OPTIONS' }));
    try {
      createEmailAdapter({ mailboxes: [{ address: 'a@b.test' }, { address: 'A@b.test' }], smtp: {} });
    } catch (error) {
      expect(isKefuError(error, 'KEFU_EMAIL_INVALID_OPTIONS')).toBe(true);
    }
  });
});
