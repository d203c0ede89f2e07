// Sidebar list of conversations (#conversation-list): avatar with presence
// dot, title, last message or "typing…", time and unread badge. Items are
// reused between renders so live updates do not steal focus.

import { h } from '../../dom.js';
import { avatar, updateAvatar } from '../../components/user-display.js';
import { localDateTime } from '../../components/format.js';
import { reconcile } from './reconcile.js';
import { moodBadge } from '../../components/mood.js';
import { anyoneOnline, directPeer, memberName, presenceText, others } from '../people.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "14:05" today, "12 Mar" before. */
function shortTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

function previewText(conv, store) {
  const typing = store.typingUsers(conv.id);
  if (typing.length) return { text: typing.length === 1 && conv.kind === 'group' ? `${memberName(conv, typing[0])} is typing…` : 'typing…', typing: true };
  const pending = store.state.outbox.filter((i) => i.conversation === conv.id).at(-1);
  if (conv.status === 'invited') {
    const who = memberName(conv, conv.invited_by);
    return { text: conv.kind === 'group' ? `${who} invited you` : `Request from ${who}`, typing: false };
  }
  const last = pending || conv.last_message;
  if (!last) return { text: conv.kind === 'group' ? 'Group created' : 'No messages yet', typing: false };
  const mine = (pending || last.sender === store.state.me);
  const who = mine ? 'You: ' : conv.kind === 'group' ? `${memberName(conv, last.sender).split(/\s+/)[0]}: ` : '';
  return { text: who + last.body.replace(/\s+/g, ' ').slice(0, 140), typing: false };
}

/** Builds the list; onSelect(id) runs when a conversation is chosen. */
export function createConversationList({ store, onSelect }) {
  const list = h('ul', { id: 'conversation-list', class: 'conversation-list', 'aria-label': 'Conversations' });
  const empty = h('p', { class: 'conversation-empty muted', hidden: true });

  function create() {
    const parts = {
      avatar: avatar(null, 'md'),
      dot: h('span', { class: 'presence-dot' }),
      title: h('span', { class: 'conversation-title' }),
      time: h('time', { class: 'conversation-time' }),
      preview: h('span', { class: 'conversation-preview' }),
      mood: h('span', { class: 'conversation-mood' }),
      badge: h('span', { class: 'unread-badge' }),
    };
    const button = h('button', { type: 'button', class: 'conversation-button' },
      h('span', { class: 'avatar-wrap' }, parts.avatar, parts.dot),
      h('span', { class: 'conversation-text' },
        h('span', { class: 'conversation-row' }, parts.title, parts.time),
        h('span', { class: 'conversation-row' }, parts.preview, parts.badge),
        parts.mood,
      ),
    );
    const li = h('li', { class: 'conversation-item' }, button);
    button.addEventListener('click', () => onSelect(li.dataset.id));
    li.parts = parts;
    li.button = button;
    return li;
  }

  function update(li, conv) {
    const { me, openId } = store.state;
    const { parts } = li;
    const peer = directPeer(conv, me);
    const online = anyoneOnline(conv, me);
    li.dataset.id = conv.id;
    li.classList.toggle('active', conv.id === openId);
    li.classList.toggle('has-unread', conv.unread_count > 0);
    li.classList.toggle('is-request', conv.status === 'invited');
    if (conv.id === openId) li.button.setAttribute('aria-current', 'true');
    else li.button.removeAttribute('aria-current');

    updateAvatar(parts.avatar, peer || { display_name: conv.title, avatar_color: '#64748b' });
    parts.dot.className = `presence-dot ${online ? 'online' : 'offline'}`;
    const presence = peer ? presenceText(peer)
      : `${others(conv, me).filter((m) => m.online).length} of ${others(conv, me).length} others online`;
    parts.dot.title = presence;
    parts.title.textContent = conv.title;
    const mood = peer ? store.state.moods.get(peer.id) : null;
    parts.mood.replaceChildren(mood ? moodBadge(mood, { compact: true }) : '');
    parts.mood.hidden = !mood;
    parts.title.title = peer ? `${conv.title} · ${presence}` : conv.title;

    const activity = conv.last_message?.created_at;
    parts.time.textContent = activity ? shortTime(activity) : '';
    if (activity) {
      parts.time.dateTime = activity;
      parts.time.title = localDateTime(activity);
    }
    const preview = previewText(conv, store);
    parts.preview.textContent = preview.text;
    parts.preview.classList.toggle('is-typing', preview.typing);
    parts.badge.textContent = conv.unread_count > 0 ? String(conv.unread_count) : '';
    parts.badge.hidden = !(conv.unread_count > 0);
    parts.badge.setAttribute('aria-label', `${conv.unread_count} unread`);
    li.button.setAttribute('aria-label', [
      conv.title, peer ? presence : null,
      conv.unread_count > 0 ? `${conv.unread_count} unread` : null, preview.text,
    ].filter(Boolean).join(', '));
  }

  function render() {
    const conversations = store.sortedConversations();
    reconcile(list, conversations, { key: (c) => c.id, create, update });
    empty.hidden = conversations.length > 0;
    empty.textContent = store.state.listLoaded
      ? 'No conversations yet. Start one with “New chat”.'
      : 'Loading conversations…';
  }

  return { element: h('div', { class: 'conversation-list-wrap' }, empty, list), render };
}
