// Derived facts about conversation members for the views: delivery ticks of
// own messages, presence text, who is typing, and sender names.

import { relativeTime } from '../components/format.js';

/** The members other than the viewer. */
export function others(conv, me) {
  return (conv?.members || []).filter((m) => m.id !== me);
}

/**
 * Tick state of an own message: 'pending' until acked, 'sent', 'delivered'
 * once any other member's device has it, 'seen' once every other member read it.
 */
export function tickState(conv, message, me) {
  if (message.failed) return 'failed';
  if (message.pending) return 'pending';
  const rest = others(conv, me);
  if (rest.length && rest.every((m) => m.read_seq >= message.seq)) return 'seen';
  if (rest.some((m) => m.delivered_seq >= message.seq || m.read_seq >= message.seq)) return 'delivered';
  return 'sent';
}

const TICK_LABELS = {
  failed: ['!', 'Not sent'],
  pending: ['…', 'Sending'],
  sent: ['✓', 'Sent'],
  delivered: ['✓✓', 'Delivered'],
  seen: ['✓✓', 'Seen'],
};

/** [glyph, label] for a tick state; groups name who has seen a partly-read message. */
export function tickLabel(state, conv, message, me) {
  const [glyph, label] = TICK_LABELS[state];
  if (conv?.kind === 'group' && (state === 'delivered' || state === 'sent')) {
    const readers = others(conv, me).filter((m) => m.read_seq >= message.seq);
    if (readers.length) return [glyph, `${label}; seen by ${readers.map((m) => m.display_name).join(', ')}`];
  }
  if (conv?.kind === 'group' && state === 'seen') return [glyph, 'Seen by everyone'];
  return [glyph, label];
}

/** "Online" / "Last seen 5 minutes ago" / "Offline". */
export function presenceText(member) {
  if (!member) return '';
  if (member.online) return 'Online';
  return member.last_seen_at ? `Last seen ${relativeTime(member.last_seen_at)}` : 'Offline';
}

/** The person a direct conversation is with (null for groups). */
export function directPeer(conv, me) {
  return conv?.kind === 'direct' ? (others(conv, me)[0] || null) : null;
}

/** Whether the conversation should show as online: the peer, or anyone else in a group. */
export function anyoneOnline(conv, me) {
  return others(conv, me).some((m) => m.online);
}

export function memberName(conv, userId) {
  return conv?.members.find((m) => m.id === userId)?.display_name || 'Former member';
}

/** "Bob is typing…", "Bob and Carol are typing…", "Several people are typing…" or ''. */
export function typingText(conv, userIds) {
  const names = userIds.map((id) => memberName(conv, id));
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
