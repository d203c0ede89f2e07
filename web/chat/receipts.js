// Tells the server what this device received (`delivered`) and what the user
// has seen (`read`): delivered positions are batched per conversation; read
// is sent up to the latest seq while a conversation is open and the tab is
// visible. Read positions are shared by the user's devices, so reading here
// clears the unread badge everywhere (see the receipt frame in session.js).

const DELIVERED_DELAY_MS = 250;

function pageVisible() {
  return document.visibilityState === 'visible';
}

/**
 * Whether the viewer reports positions in `conv`. Not while invited: a group invitee is no member
 * yet (the server would answer not_a_member) and a request's reading is not told to the asker;
 * accepting opens the conversation again, which reports what was read.
 */
function reports(conv) {
  return Boolean(conv) && conv.status !== 'invited';
}

export function createReceipts(store, socket) {
  const pendingDelivered = new Map(); // conversation -> seq
  const sentDelivered = new Map(); // conversation -> highest seq sent
  let timer = null;

  function flushDelivered() {
    timer = null;
    for (const [conversation, seq] of pendingDelivered) {
      if (socket.send({ type: 'delivered', conversation, seq })) {
        sentDelivered.set(conversation, seq);
        pendingDelivered.delete(conversation);
      }
    }
  }

  /** This device has received up to `seq` in the conversation. */
  function delivered(conversation, seq) {
    if (!reports(store.state.conversations.get(conversation))) return;
    if (seq <= (sentDelivered.get(conversation) || 0)) return;
    if (seq <= (pendingDelivered.get(conversation) || 0)) return;
    pendingDelivered.set(conversation, seq);
    timer ??= setTimeout(flushDelivered, DELIVERED_DELAY_MS);
  }

  /** Marks the open conversation read up to its latest message, if the user can see it. */
  function readIfVisible(conversation = store.state.openId) {
    if (!conversation || conversation !== store.state.openId || !pageVisible()) return;
    const conv = store.state.conversations.get(conversation);
    if (!reports(conv) || conv.last_seq <= conv.read_seq) return;
    const seq = conv.last_seq;
    if (!socket.send({ type: 'read', conversation, seq })) return;
    conv.read_seq = seq;
    conv.unread_count = 0;
    const me = conv.members.find((m) => m.id === store.state.me);
    if (me) {
      me.read_seq = Math.max(me.read_seq, seq);
      me.delivered_seq = Math.max(me.delivered_seq, seq);
    }
    sentDelivered.set(conversation, Math.max(sentDelivered.get(conversation) || 0, seq));
    store.changed();
  }

  /** After a (re)connect: resend what was not sent and confirm what the list shows. */
  function resync() {
    sentDelivered.clear();
    for (const conv of store.state.conversations.values()) {
      if (!reports(conv)) continue;
      const me = conv.members.find((m) => m.id === store.state.me);
      if (me && conv.last_seq > me.delivered_seq && conv.last_message?.sender !== store.state.me) {
        delivered(conv.id, conv.last_seq);
      }
    }
    readIfVisible();
  }

  const onVisible = () => readIfVisible();
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('focus', onVisible);

  function stop() {
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
    window.removeEventListener('focus', onVisible);
  }

  return { delivered, readIfVisible, resync, stop };
}
