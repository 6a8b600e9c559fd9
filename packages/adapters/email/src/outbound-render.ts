import type { Card, CardAction, Part } from '@kefu/core';
import { escapeHtml } from './html.js';

/** Signs a card action as a link the customer can press in a mail; provided by the cards plugin. */
export type SignActionUrl = (messageId: string, action: CardAction) => string | Promise<string>;

/** A rendered outbound mail body. */
export interface RenderedMail {
  text: string;
  html: string;
  attachments: Array<{ filename: string; path: string; contentType?: string; cid?: string }>;
}

const SAFE_LINK = /^(https?:|mailto:)/i;
const ATTACHABLE = /^(https?:|data:)/i;

/** What `renderMail` needs to know about the message and its mailbox. */
export interface RenderContext {
  messageId: string;
  mailbox: string;
  subject: string;
  signActionUrl: SignActionUrl | undefined;
}

async function actionHref(action: CardAction, ctx: RenderContext): Promise<string | undefined> {
  if (action.type === 'link') return action.url && SAFE_LINK.test(action.url) ? action.url : undefined;
  if (action.type === 'reply') {
    // A reply action becomes a prepared mail: pressing it answers with the value as the text.
    const q = new URLSearchParams({ subject: `Re: ${ctx.subject}`, body: action.value ?? action.label });
    return `mailto:${ctx.mailbox}?${q.toString().replace(/\+/g, '%20')}`;
  }
  if (!ctx.signActionUrl) return undefined;
  const url = await ctx.signActionUrl(ctx.messageId, action);
  return SAFE_LINK.test(url) ? url : undefined;
}

async function cardHtml(card: Card, ctx: RenderContext): Promise<{ html: string; text: string }> {
  const html: string[] = ['<table role="presentation" cellpadding="12" cellspacing="0" style="border:1px solid #ddd;border-radius:6px;margin:8px 0;max-width:480px"><tr><td>'];
  const text: string[] = [card.title];
  if (card.imageUrl && /^https?:/i.test(card.imageUrl)) html.push(`<img src="${escapeHtml(card.imageUrl)}" alt="${escapeHtml(card.title)}" style="max-width:100%;display:block;margin-bottom:8px">`);
  const title = escapeHtml(card.title);
  html.push(card.url && SAFE_LINK.test(card.url) ? `<strong><a href="${escapeHtml(card.url)}">${title}</a></strong>` : `<strong>${title}</strong>`);
  if (card.subtitle) {
    html.push(`<div style="color:#666">${escapeHtml(card.subtitle)}</div>`);
    text.push(card.subtitle);
  }
  if (card.text) {
    html.push(`<p>${escapeHtml(card.text).replace(/\n/g, '<br>')}</p>`);
    text.push(card.text);
  }
  if (card.fields?.length) {
    html.push('<table cellpadding="2" cellspacing="0">');
    for (const f of card.fields) {
      html.push(`<tr><td style="color:#666">${escapeHtml(f.label)}</td><td>${escapeHtml(f.value)}</td></tr>`);
      text.push(`${f.label}: ${f.value}`);
    }
    html.push('</table>');
  }
  for (const item of card.items ?? []) {
    const sub = await cardHtml(item, ctx);
    html.push(sub.html);
    text.push(`- ${sub.text.split('\n').join(' / ')}`);
  }
  if (card.url && SAFE_LINK.test(card.url)) text.push(card.url);
  const actions = card.actions ?? [];
  if (actions.length) html.push('<p>');
  for (const [i, action] of actions.entries()) {
    const href = await actionHref(action, ctx);
    const label = escapeHtml(action.label);
    html.push(
      href
        ? `<a href="${escapeHtml(href)}" style="display:inline-block;padding:6px 14px;margin:4px 4px 0 0;border-radius:4px;text-decoration:none;${action.style === 'primary' ? 'background:#1677ff;color:#fff' : action.style === 'danger' ? 'background:#d4380d;color:#fff' : 'border:1px solid #999;color:#333'}">${label}</a>`
        : `<span style="display:inline-block;padding:6px 14px;margin:4px 4px 0 0;border:1px dashed #bbb;color:#666">${label}</span>`,
    );
    text.push(href && !href.startsWith('mailto:') ? `${i + 1}. ${action.label}: ${href}` : `${i + 1}. ${action.label}`);
  }
  if (actions.length) html.push('</p>');
  html.push('</td></tr></table>');
  return { html: html.join(''), text: text.join('\n') };
}

/**
 * Renders Kefu parts as a mail: an HTML body (cards as tables with signed action links), a
 * plain-text alternative, and attachments (images inline by `cid`, files attached). Only
 * `http(s):` and `data:` URLs are attached; a local path is never read.
 */
export async function renderMail(parts: readonly Part[], ctx: RenderContext): Promise<RenderedMail> {
  const html: string[] = [];
  const text: string[] = [];
  const attachments: RenderedMail['attachments'] = [];
  for (const part of parts) {
    switch (part.type) {
      case 'text':
        html.push(`<p>${escapeHtml(part.text).replace(/\r?\n/g, '<br>')}</p>`);
        text.push(part.text);
        break;
      case 'card': {
        const card = await cardHtml(part.card, ctx);
        html.push(card.html);
        text.push(card.text);
        break;
      }
      case 'image':
        if (ATTACHABLE.test(part.url)) {
          const cid = `img${attachments.length}.${ctx.messageId}@kefu`;
          attachments.push({ filename: part.alt ? `${part.alt.replace(/[^\w.\- ]/g, '_')}` : `image-${attachments.length + 1}`, path: part.url, cid, ...(part.mimeType ? { contentType: part.mimeType } : {}) });
          html.push(`<p><img src="cid:${escapeHtml(cid)}" alt="${escapeHtml(part.alt ?? '')}" style="max-width:100%"></p>`);
        }
        text.push(part.alt ? `[${part.alt}]` : '[image]');
        break;
      case 'file':
        if (ATTACHABLE.test(part.url)) attachments.push({ filename: part.name, path: part.url, ...(part.mimeType ? { contentType: part.mimeType } : {}) });
        else html.push(`<p>${escapeHtml(part.name)}</p>`);
        text.push(`[${part.name}]`);
        break;
      case 'audio':
        if (ATTACHABLE.test(part.url)) attachments.push({ filename: `audio-${attachments.length + 1}`, path: part.url, ...(part.mimeType ? { contentType: part.mimeType } : {}) });
        if (part.transcript) {
          html.push(`<p>${escapeHtml(part.transcript)}</p>`);
          text.push(part.transcript);
        }
        break;
      case 'location': {
        const label = `${part.label ? part.label + ' ' : ''}(${part.latitude}, ${part.longitude})`;
        html.push(`<p>${escapeHtml(label)}</p>`);
        text.push(label);
        break;
      }
      default:
        break;
    }
  }
  return {
    text: text.join('\n\n'),
    html: `<!doctype html><html><body style="font-family:-apple-system,'Segoe UI','PingFang SC','Microsoft YaHei',sans-serif;font-size:14px;line-height:1.5">${html.join('\n')}</body></html>`,
    attachments,
  };
}
