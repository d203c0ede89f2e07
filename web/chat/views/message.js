// One message in the thread (.message[data-seq]): sender name in groups,
// text (never parsed as HTML), time, and for own messages the delivery ticks
// (.ticks[data-state=pending|sent|delivered|seen|failed]).

import { h } from '../../dom.js';
import { localDateTime } from '../../components/format.js';
import { memberName, tickLabel, tickState } from '../people.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** Key that stays the same from pending to stored (client_id is unique per sender). */
export function messageKey(message) {
  return `${message.sender}:${message.client_id || message.id}`;
}

/** Builds an empty message element; onDiscard(clientId) removes a failed one. */
export function createMessage({ onDiscard }) {
  const parts = {
    sender: h('span', { class: 'message-sender' }),
    body: h('p', { class: 'message-body' }),
    time: h('time', { class: 'message-time' }),
    ticks: h('span', { class: 'ticks' }),
    tickLabel: h('span', { class: 'visually-hidden' }),
    error: h('span', { class: 'message-error' }),
  };
  const discard = h('button', { type: 'button', class: 'link-button message-discard' }, 'Discard');
  const el = h('div', { class: 'message' },
    parts.sender,
    h('div', { class: 'message-bubble' },
      parts.body,
      h('span', { class: 'message-meta' }, parts.time, parts.ticks, parts.tickLabel),
    ),
    h('div', { class: 'message-failure' }, parts.error, discard),
  );
  discard.addEventListener('click', () => onDiscard(el.dataset.clientId));
  el.parts = parts;
  return el;
}

/**
 * Fills a message element. `showSender` is true for the first message of a
 * run from another group member.
 */
export function updateMessage(el, message, { conv, me, showSender, highlight }) {
  const { parts } = el;
  const own = message.sender === me;
  el.classList.toggle('own', own);
  el.classList.toggle('pending', Boolean(message.pending));
  el.classList.toggle('failed', Boolean(message.failed));
  el.classList.toggle('highlight', Boolean(highlight));
  if (message.seq != null) el.dataset.seq = String(message.seq);
  else delete el.dataset.seq;
  if (message.client_id) el.dataset.clientId = message.client_id;
  el.dataset.sender = message.sender;

  parts.sender.hidden = !showSender;
  parts.sender.textContent = showSender ? memberName(conv, message.sender) : '';
  if (parts.body.textContent !== message.body) parts.body.textContent = message.body;

  const date = new Date(message.created_at);
  parts.time.textContent = Number.isNaN(date.getTime()) ? '' : timeFormat.format(date);
  parts.time.dateTime = message.created_at;
  parts.time.title = localDateTime(message.created_at);

  parts.ticks.hidden = !own;
  parts.tickLabel.hidden = !own;
  if (own) {
    const state = tickState(conv, message, me);
    const [glyph, label] = tickLabel(state, conv, message, me);
    parts.ticks.dataset.state = state;
    parts.ticks.textContent = glyph;
    parts.ticks.title = label;
    parts.ticks.setAttribute('aria-hidden', 'true');
    parts.tickLabel.textContent = label;
  }
  parts.error.textContent = message.failed ? `Not sent: ${message.error || 'refused by the server'}` : '';
  el.querySelector('.message-failure').hidden = !message.failed;
}
