// Applies server frames (docs/protocol.md, "Server → client frames") to the
// chat store. `session` provides the store, outbox, receipts,
// upsertConversation (store a view, loading what an acceptance reveals) and
// refreshConversation (REST reload of one conversation view).

/** Human text for an error frame, shown next to the composer. */
export function errorText(frame) {
  switch (frame.code) {
    case 'rate_limited': {
      const seconds = Math.max(1, Math.ceil((frame.retry_after_ms || 1000) / 1000));
      return `You are sending messages too fast. Retrying in ${seconds} s…`;
    }
    case 'body_too_long': return 'That message is too long (at most 100,000 characters).';
    case 'body_empty': return 'Type a message first.';
    case 'not_a_member': return 'You are no longer a member of this conversation.';
    case 'request_not_accepted': return 'Accept the request before writing in this conversation.';
    case 'request_pending': return 'Your request has not been accepted yet: you can send up to 3 messages until then.';
    case 'blocked': return 'You cannot write here any more: one of you blocked the other.';
    case 'internal': return 'The server could not store the message. Retrying…';
    default: return frame.message || 'Something went wrong.';
  }
}

function onMessage(session, m) {
  const { store, receipts } = session;
  const { me } = store.state;
  const conv = store.state.conversations.get(m.conversation);
  if (m.sender === me && m.client_id) session.outbox.acknowledge(m.client_id);
  store.addMessages(m.conversation, [m]);
  if (!conv) {
    session.refreshConversation(m.conversation);
    return;
  }
  const isNew = m.seq > conv.last_seq;
  conv.last_seq = Math.max(conv.last_seq, m.seq);
  if (!conv.last_message || m.seq > conv.last_message.seq) conv.last_message = m;
  if (m.sender === me) {
    // Writing implies having read everything before it (the server does not count own messages).
    conv.read_seq = Math.max(conv.read_seq, m.seq);
  } else {
    if (isNew && m.seq > conv.read_seq) conv.unread_count += 1;
    store.setTyping(m.conversation, m.sender, false);
    receipts.delivered(m.conversation, m.seq);
  }
  store.changed();
  receipts.readIfVisible(m.conversation);
}

function onAck(session, frame) {
  const item = session.outbox.acknowledge(frame.client_id);
  if (!item) return;
  session.store.setError(frame.conversation, null);
  onMessage(session, {
    conversation: frame.conversation, seq: frame.seq, id: frame.id, sender: session.store.state.me,
    client_id: frame.client_id, body: item.body, created_at: frame.created_at,
  });
}

function onReceipt(session, frame) {
  const { store } = session;
  store.updatePositions(frame.conversation, frame.user, frame.delivered_seq, frame.read_seq);
  if (frame.user !== store.state.me) return;
  const conv = store.state.conversations.get(frame.conversation);
  if (!conv || frame.read_seq <= conv.read_seq) return;
  conv.read_seq = frame.read_seq;
  if (conv.read_seq >= conv.last_seq) conv.unread_count = 0;
  else session.refreshConversation(conv.id); // read on another device, part-way: recount
  store.changed();
}

function onError(session, frame) {
  const { store } = session;
  const conversation = frame.conversation || null;
  if (frame.client_id) session.outbox.refuse(frame.client_id, frame);
  if (frame.code === 'not_a_member' && conversation && !frame.client_id) {
    // A group invitee is no member for any frame until they accept: that is no reason to drop
    // the invitation (the server sends `removed` when it is withdrawn).
    const conv = store.state.conversations.get(conversation);
    if (conv?.status === 'invited' && conv.kind === 'group') return;
    store.removeConversation(conversation);
    return;
  }
  if (conversation || frame.client_id) {
    store.setError(conversation || store.state.openId, { code: frame.code, message: errorText(frame) });
  } else {
    console.warn('Chat server refused a frame', frame);
  }
}

/** Dispatches one server frame. */
export function applyFrame(session, frame) {
  const { store } = session;
  switch (frame.type) {
    case 'message':
      onMessage(session, frame);
      break;
    case 'ack':
      onAck(session, frame);
      break;
    case 'truncated': {
      // Too much was missed to replay: forget the loaded page, reload it over REST if on screen.
      store.state.threads.delete(frame.conversation);
      if (store.state.openId === frame.conversation) session.open(frame.conversation);
      store.changed();
      break;
    }
    case 'refresh':
      session.refresh();
      break;
    case 'synced': {
      const conv = store.state.conversations.get(frame.conversation);
      if (!conv) session.refreshConversation(frame.conversation);
      else session.receipts.readIfVisible(frame.conversation);
      break;
    }
    case 'receipt':
      onReceipt(session, frame);
      break;
    case 'typing':
      if (frame.user !== store.state.me) {
        store.setTyping(frame.conversation, frame.user, frame.active, frame.expires_in_ms);
      }
      break;
    case 'presence':
      store.setPresence(frame.user, frame.online, frame.last_seen_at);
      break;
    case 'mood':
      store.setMood(frame.user, frame.mood);
      break;
    case 'conversation':
      session.upsertConversation(frame.conversation);
      break;
    case 'removed':
      store.removeConversation(frame.conversation);
      break;
    case 'error':
      onError(session, frame);
      break;
    default:
      console.debug('Ignoring chat frame', frame.type);
  }
}
