// Sidebar list of conversations (#conversation-list): avatar with presence
// dot, title, last message or "typing…", time and unread badge. Requests and
// invitations waiting for the user's answer come first under a "Requests"
// heading, tagged (.conversation-tag) "Request" or "Invitation"; the asker's
// own pending request is tagged "Pending". Items are reused between renders
// so live updates do not steal focus.

import { h } from '../../dom.js';
import { avatar, updateAvatar } from '../../components/user-display.js';
import { localDateTime } from '../../components/format.js';
import { reconcile } from './reconcile.js';
import { moodBadge } from '../../components/mood.js';
import {
  anyoneOnline, directPeer, isInvited, isPendingRequest, memberName, pendingPeer, presenceText, others,
} from '../people.js';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "14:05" today, "12 Mar" before. */
function shortTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toDateString() === new Date().toDateString() ? timeFormat.format(date) : dayFormat.format(date);
}

function previewText(conv, store) {
  const typing = isInvited(conv) ? [] : store.typingUsers(conv.id);
  if (typing.length) return { text: typing.length === 1 && conv.kind === 'group' ? `${memberName(conv, typing[0])} is typing…` : 'typing…', typing: true };
  if (isInvited(conv)) {
    // The title is the asker (direct) or the group; a group invitation shows none of its messages.
    if (conv.kind === 'group') return { text: `${memberName(conv, conv.invited_by)} invited you to ${conv.title}`, typing: false };
    return { text: 'wants to chat with you', typing: false };
  }
  const pending = store.state.outbox.filter((i) => i.conversation === conv.id).at(-1);
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
      tag: h('span', { class: 'tag conversation-tag', hidden: true }),
      time: h('time', { class: 'conversation-time' }),
      preview: h('span', { class: 'conversation-preview' }),
      mood: h('span', { class: 'conversation-mood' }),
      badge: h('span', { class: 'unread-badge' }),
    };
    const button = h('button', { type: 'button', class: 'conversation-button' },
      h('span', { class: 'avatar-wrap' }, parts.avatar, parts.dot),
      h('span', { class: 'conversation-text' },
        h('span', { class: 'conversation-row' }, parts.title, parts.tag, parts.time),
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
    const invited = isInvited(conv);
    // A request's messages are counted by the server but the tag says enough; no badge.
    const unread = invited ? 0 : conv.unread_count;
    li.dataset.id = conv.id;
    li.classList.toggle('active', conv.id === openId);
    li.classList.toggle('has-unread', unread > 0);
    li.classList.toggle('is-request', invited);
    if (conv.id === openId) li.button.setAttribute('aria-current', 'true');
    else li.button.removeAttribute('aria-current');

    updateAvatar(parts.avatar, peer || { display_name: conv.title, avatar_color: '#64748b' });
    // Presence is shared between contacts only: none while a direct request is pending.
    const hiddenPresence = isPendingRequest(conv, me);
    parts.dot.className = `presence-dot ${online ? 'online' : 'offline'}`;
    parts.dot.hidden = hiddenPresence;
    let presence;
    if (hiddenPresence) presence = 'Presence is shown once the request is accepted';
    else if (peer) presence = presenceText(peer);
    else presence = `${others(conv, me).filter((m) => m.online).length} of ${others(conv, me).length} others online`;
    const tag = invited ? (conv.kind === 'group' ? 'Invitation' : 'Request') : (pendingPeer(conv, me) ? 'Pending' : '');
    parts.tag.textContent = tag;
    parts.tag.hidden = !tag;
    parts.tag.className = `tag conversation-tag${invited ? ' is-asked' : ' is-pending'}`;
    parts.dot.title = presence;
    parts.title.textContent = conv.title;
    const mood = peer ? store.state.moods.get(peer.id) : null;
    parts.mood.replaceChildren(mood ? moodBadge(mood, { compact: true }) : '');
    parts.mood.hidden = !mood;
    parts.title.title = peer && !hiddenPresence ? `${conv.title} · ${presence}` : conv.title;

    const activity = invited && conv.kind === 'group' ? null : conv.last_message?.created_at;
    parts.time.textContent = activity ? shortTime(activity) : '';
    if (activity) {
      parts.time.dateTime = activity;
      parts.time.title = localDateTime(activity);
    }
    const preview = previewText(conv, store);
    parts.preview.textContent = preview.text;
    parts.preview.classList.toggle('is-typing', preview.typing);
    parts.badge.textContent = unread > 0 ? String(unread) : '';
    parts.badge.hidden = !(unread > 0);
    parts.badge.setAttribute('aria-label', `${unread} unread`);
    li.button.setAttribute('aria-label', [
      conv.title, tag || null, peer && !hiddenPresence ? presence : null,
      unread > 0 ? `${unread} unread` : null, preview.text,
    ].filter(Boolean).join(', '));
  }

  /** A heading row between the requests and the other conversations. */
  function createHeading() {
    return h('li', { class: 'conversation-heading', role: 'presentation' });
  }

  function render() {
    const conversations = store.sortedConversations();
    const asked = conversations.filter(isInvited).length;
    // Requests first under their heading; the rest under "Conversations" when both are there.
    const rows = asked ? [
      { heading: `Requests (${asked})`, key: 'heading:requests' },
      ...conversations.slice(0, asked),
      ...(asked < conversations.length ? [{ heading: 'Conversations', key: 'heading:rest' }] : []),
      ...conversations.slice(asked),
    ] : conversations;
    reconcile(list, rows, {
      key: (row) => row.key || row.id,
      create: (row) => (row.heading ? createHeading() : create()),
      update: (el, row) => {
        if (row.heading) el.textContent = row.heading;
        else update(el, row);
      },
    });
    empty.hidden = conversations.length > 0;
    empty.textContent = store.state.listLoaded
      ? 'No conversations yet. Start one with “New chat”.'
      : 'Loading conversations…';
  }

  return { element: h('div', { class: 'conversation-list-wrap' }, empty, list), render };
}
