// Chat state shared by the session (which applies server frames) and the
// views (which read it): conversations, loaded message pages, the outbox of
// messages not yet acknowledged, who is typing, composer errors and the
// connection status. Every mutation ends with changed(); subscribers are told
// once per microtask, so a burst of frames causes a single re-render.

/** Creates the store for the signed-in user `me` (a user id). */
export function createStore(me) {
  const listeners = new Set();
  let scheduled = false;

  const state = {
    me,
    status: 'connecting', // 'connecting' | 'online' | 'reconnecting'
    listLoaded: false,
    conversations: new Map(), // id -> conversation view (see api/src/views/chat.rs)
    threads: new Map(), // id -> { messages: Map<seq, message>, hasMore, loaded, loadingOlder }
    outbox: [], // { client_id, conversation, body, created_at, failed, error }
    typing: new Map(), // conversation id -> Map<user id, expiry timer>
    errors: new Map(), // conversation id -> { code, message }
    drafts: new Map(), // conversation id -> unsent composer text
    moods: new Map(), // user id -> current mood (null: not shared)
    openId: null,
  };

  function changed() {
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const listener of [...listeners]) listener(state);
    });
  }

  /** Subscribes to changes; returns an unsubscribe function. */
  function subscribe(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  function mergeMembers(existing, incoming) {
    const before = new Map((existing || []).map((m) => [m.id, m]));
    return incoming.map((m) => {
      const old = before.get(m.id);
      if (!old) return { ...m };
      return {
        ...m,
        delivered_seq: Math.max(old.delivered_seq, m.delivered_seq),
        read_seq: Math.max(old.read_seq, m.read_seq),
      };
    });
  }

  /**
   * Adds or refreshes a conversation view from the API. Positions only move
   * forward, so an older snapshot never undoes a newer live update. Returns
   * true when the viewer's standing went from invited to active (accepted,
   * perhaps on another device), so the caller can load what was hidden.
   */
  function upsertConversation(view) {
    const existing = state.conversations.get(view.id);
    if (!existing) {
      state.conversations.set(view.id, { ...view, members: mergeMembers([], view.members || []) });
      changed();
      return false;
    }
    const activated = existing.status === 'invited' && view.status === 'active';
    Object.assign(existing, {
      kind: view.kind, name: view.name, title: view.title, owner_id: view.owner_id,
      created_at: view.created_at, members: mergeMembers(existing.members, view.members || []),
      status: view.status, invited_by: view.invited_by,
    });
    if (view.last_seq >= existing.last_seq) {
      existing.last_seq = view.last_seq;
      existing.unread_count = view.unread_count;
    }
    if (view.last_message && (!existing.last_message || view.last_message.seq > existing.last_message.seq)) {
      existing.last_message = view.last_message;
    }
    existing.read_seq = Math.max(existing.read_seq, view.read_seq);
    if (existing.read_seq >= existing.last_seq) existing.unread_count = 0;
    changed();
    return activated;
  }

  function removeConversation(id) {
    state.conversations.delete(id);
    state.threads.delete(id);
    state.typing.get(id)?.forEach((timer) => clearTimeout(timer));
    state.typing.delete(id);
    state.errors.delete(id);
    state.outbox = state.outbox.filter((item) => item.conversation !== id);
    if (state.openId === id) state.openId = null;
    changed();
  }

  /** The loaded messages of a conversation, creating the record on first use. */
  function thread(id) {
    let t = state.threads.get(id);
    if (!t) {
      t = { messages: new Map(), hasMore: true, loaded: false, loadingOlder: false };
      state.threads.set(id, t);
    }
    return t;
  }

  /** Stores messages in their conversation's thread if that thread is being shown. */
  function addMessages(id, messages) {
    const t = state.threads.get(id);
    if (!t) return;
    for (const m of messages) t.messages.set(m.seq, m);
    changed();
  }

  /** A member's delivered/read positions moved (receipt frame). */
  function updatePositions(id, user, deliveredSeq, readSeq) {
    const conv = state.conversations.get(id);
    if (!conv) return;
    const member = conv.members.find((m) => m.id === user);
    if (member) {
      member.delivered_seq = Math.max(member.delivered_seq, deliveredSeq);
      member.read_seq = Math.max(member.read_seq, readSeq);
    }
    changed();
  }

  /** A user came online or went offline; updates them in every conversation. */
  function setPresence(user, online, lastSeenAt) {
    for (const conv of state.conversations.values()) {
      for (const member of conv.members) {
        if (member.id !== user) continue;
        member.online = online;
        if (lastSeenAt) member.last_seen_at = lastSeenAt;
      }
    }
    changed();
  }

  /** A contact's mood changed (null: they stopped sharing). */
  function setMood(user, mood) {
    state.moods.set(user, mood || null);
    changed();
  }

  /** Shows or hides "X is typing…"; an active indicator expires by itself. */
  function setTyping(id, user, active, expiresInMs = 6000) {
    let users = state.typing.get(id);
    if (!users) {
      users = new Map();
      state.typing.set(id, users);
    }
    clearTimeout(users.get(user));
    if (active) {
      users.set(user, setTimeout(() => setTyping(id, user, false), expiresInMs));
    } else {
      users.delete(user);
    }
    changed();
  }

  function typingUsers(id) {
    return [...(state.typing.get(id)?.keys() || [])];
  }

  function setError(id, error) {
    if (error) state.errors.set(id, error);
    else state.errors.delete(id);
    changed();
  }

  function setStatus(status) {
    if (state.status === status) return;
    state.status = status;
    changed();
  }

  function setOpen(id) {
    state.openId = id;
    changed();
  }

  /** Requests and invitations waiting for an answer first, then the latest activity first. */
  function sortedConversations() {
    const activity = (c) => Date.parse(c.last_message?.created_at || c.created_at) || 0;
    const asked = (c) => (c.status === 'invited' ? 1 : 0);
    return [...state.conversations.values()]
      .sort((a, b) => asked(b) - asked(a) || activity(b) - activity(a));
  }

  function clearTimers() {
    for (const users of state.typing.values()) users.forEach((timer) => clearTimeout(timer));
    state.typing.clear();
  }

  return {
    state, subscribe, changed, upsertConversation, removeConversation, thread, addMessages,
    updatePositions, setPresence, setMood, setTyping, typingUsers, setError, setStatus, setOpen,
    sortedConversations, clearTimers,
  };
}
