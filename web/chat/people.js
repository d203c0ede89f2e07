// Derived facts about conversation members for the views: delivery ticks of
// own messages, presence text, who is typing, and sender names.

import { relativeTime } from '../components/format.js';

/** The members other than the viewer. */
export function others(conv, me) {
  return (conv?.members || []).filter((m) => m.id !== me);
}

/** The other members who have accepted (invitees read nothing and report no receipts). */
export function activeOthers(conv, me) {
  return others(conv, me).filter((m) => m.status !== 'invited');
}

/** Whether the viewer was asked (a request or invitation) and has not answered yet. */
export function isInvited(conv) {
  return conv?.status === 'invited';
}

/**
 * The person the viewer asked in a direct request that waits for their answer, or null.
 * (Until they accept, neither sees the other's presence.)
 */
export function pendingPeer(conv, me) {
  if (conv?.kind !== 'direct') return null;
  return others(conv, me).find((m) => m.status === 'invited') || null;
}

/** Whether a direct conversation is still a request, from either side: presence stays hidden. */
export function isPendingRequest(conv, me) {
  return conv?.kind === 'direct' && (isInvited(conv) || Boolean(pendingPeer(conv, me)));
}

/**
 * Tick state of an own message: 'pending' until acked, 'sent', 'delivered'
 * once any other member's device has it, 'seen' once every other member read it.
 */
export function tickState(conv, message, me) {
  if (message.failed) return 'failed';
  if (message.pending) return 'pending';
  const rest = activeOthers(conv, me);
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
    const readers = activeOthers(conv, me).filter((m) => m.read_seq >= message.seq);
    if (readers.length) return [glyph, `${label}; seen by ${readers.map((m) => m.display_name).join(', ')}`];
  }
  if (conv?.kind === 'group' && state === 'seen') return [glyph, 'Seen by everyone'];
  return [glyph, label];
}

/**
 * "Online" / "Last seen 5 minutes ago" / "Offline". The server shares presence only between
 * contacts: anyone else comes as offline with no last_seen_at, so nothing here claims a time.
 */
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
  if (isPendingRequest(conv, me)) return false;
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
