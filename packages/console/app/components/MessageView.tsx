/** One message of the history: text, images, files, cards, notes and system events. */
import type { JSX } from 'preact';
import type { Card } from '@kefu/core';
import { useConsole } from '../hooks.js';
import { formatTime } from '../i18n.js';
import type { Message, Part } from '../protocol.js';
import { LockIcon } from './icons.js';

/** A card as the customer sees it (buttons are shown, not pressable: they belong to the customer). */
export function CardView({ card }: { card: Card }): JSX.Element {
  const { t } = useConsole();
  return (
    <div class="card">
      {card.imageUrl && <img class="card-image" src={card.imageUrl} alt="" loading="lazy" />}
      <div class="card-body">
        <div class="card-title">{card.url ? <a href={card.url} target="_blank" rel="noreferrer">{card.title}</a> : card.title}</div>
        {card.subtitle && <div class="card-subtitle">{card.subtitle}</div>}
        {card.text && <p class="card-text">{card.text}</p>}
        {card.fields && card.fields.length > 0 && (
          <dl class="card-fields">
            {card.fields.map((f) => (
              <div key={f.label}>
                <dt>{f.label}</dt>
                <dd>{f.value}</dd>
              </div>
            ))}
          </dl>
        )}
        {card.actions && card.actions.length > 0 && (
          <ul class="card-actions" aria-label={t('card.actions')}>
            {card.actions.map((a) => (
              <li key={a.id} class={`card-action card-action-${a.style ?? 'default'}`}>
                {a.type === 'link' && a.url ? <a href={a.url} target="_blank" rel="noreferrer">{a.label}</a> : a.label}
              </li>
            ))}
          </ul>
        )}
      </div>
      {card.items && card.items.length > 0 && (
        <div class="card-items">
          {card.items.map((item, i) => (
            <CardView key={i} card={item} />
          ))}
        </div>
      )}
    </div>
  );
}

function PartView({ part }: { part: Part }): JSX.Element | null {
  switch (part.type) {
    case 'text':
      return <p class="text">{part.text}</p>;
    case 'image':
      return (
        <a class="image" href={part.url} target="_blank" rel="noreferrer">
          <img src={part.url} alt={part.alt ?? ''} loading="lazy" />
        </a>
      );
    case 'file':
      return (
        <a class="file" href={part.url} target="_blank" rel="noreferrer" download={part.name}>
          {part.name}
        </a>
      );
    case 'audio':
      return (
        <div class="audio">
          <audio controls src={part.url} preload="none" />
          {part.transcript && <p class="text">{part.transcript}</p>}
        </div>
      );
    case 'location':
      return <p class="text">📍 {part.label ?? `${part.latitude}, ${part.longitude}`}</p>;
    case 'card':
      return <CardView card={part.card} />;
    case 'action':
      return <p class="action-chip">↳ {part.label ?? part.value ?? part.actionId}</p>;
    case 'event':
      return null;
  }
}

/** Whether a message is a system record (events only, or authored by the system). */
export function isSystemMessage(message: Message): boolean {
  return message.author.role === 'system' || (message.parts.length > 0 && message.parts.every((p) => p.type === 'event'));
}

/** One row of the history. */
export function MessageView({ message, now }: { message: Message; now: number }): JSX.Element {
  const { t, locale } = useConsole();
  const time = formatTime(message.createdAt, locale, now);
  if (isSystemMessage(message)) {
    const names = message.parts.filter((p) => p.type === 'event').map((p) => (p.type === 'event' ? p.name : ''));
    return (
      <li class="msg msg-system">
        <span>{message.text || names.join(', ')}</span>
        <time>{time}</time>
      </li>
    );
  }
  const note = message.direction === 'internal';
  const mine = message.direction !== 'inbound';
  const who = message.author.role === 'bot' ? `${t('message.bot')}${message.author.name ? ` · ${message.author.name}` : ''}` : message.author.name;
  const parts = message.parts.length > 0 ? message.parts : [{ type: 'text', text: message.text } as Part];
  return (
    <li class={`msg ${mine ? 'msg-out' : 'msg-in'} ${note ? 'msg-note' : ''} msg-${message.author.role}`} data-seq={message.seq}>
      <div class={`bubble ${parts.every((p) => p.type === 'card') ? 'bubble-card' : ''}`}>
        {note && (
          <div class="note-label">
            <LockIcon size={12} /> {t('message.note')}
          </div>
        )}
        {parts.map((p, i) => (
          <PartView key={i} part={p} />
        ))}
      </div>
      <div class="meta">
        {who && <span class="who">{who}</span>}
        <time dateTime={new Date(message.createdAt).toISOString()}>{time}</time>
        {message.status === 'pending' && <span class="status">{t('message.pending')}</span>}
        {message.status === 'failed' && <span class="status status-failed">{t('message.failed')}</span>}
      </div>
    </li>
  );
}
