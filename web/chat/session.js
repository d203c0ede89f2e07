// The chat session of the signed-in user: one store, one WebSocket and the
// REST calls around them (conversation list, history pages, creating
// conversations). It lives as long as the user stays signed in, so messages
// keep arriving and the outbox keeps its pending messages while other pages
// are shown; the chat page only attaches views to it.

import { api, UNAUTHORIZED_EVENT } from '../api.js';
import { onUserChange } from '../state.js';
import { createStore } from './store.js';
import { ChatSocket } from './socket.js';
import { createOutbox, bodyProblem } from './outbox.js';
import { createReceipts } from './receipts.js';
import { applyFrame } from './frames.js';

const PAGE_SIZE = 50;
const TYPING_REFRESH_MS = 3000;

let current = null;

/** The running chat session for `user`, started on first use. */
export function chatSession(user) {
  if (current?.userId !== user.id) {
    current?.stop();
    current = createSession(user);
  }
  return current;
}

onUserChange((user) => {
  if (current && current.userId !== user?.id) {
    current.stop();
    current = null;
  }
});

function createSession(user) {
  const store = createStore(user.id);
  const session = { userId: user.id, store };
  const refreshing = new Map();
  let typingIn = null;
  let typingSentAt = 0;

  const socket = new ChatSocket({
    onReady: () => resync(),
    onFrame: (frame) => applyFrame(session, frame),
    onStatus: (status) => store.setStatus(status),
    onRevoked: () => {
      window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
      window.location.hash = '#/login';
    },
    // A refused upgrade looks like any failed connection; ask the API whether
    // the session is still valid (a 401 there sends the user to the login page).
    onFailure: (failures) => {
      if (failures === 2 || failures % 10 === 0) api.get('/me').catch(() => {});
    },
  });
  session.outbox = createOutbox(store, socket);
  session.receipts = createReceipts(store, socket);

  /**
   * Stores a conversation view (REST or a `conversation` frame). When it says the user accepted
   * (here or on another device), what the invitation hid is loaded now.
   */
  function upsertConversation(view) {
    if (store.upsertConversation(view)) activated(view.id);
  }
  session.upsertConversation = upsertConversation;

  /** The user accepted `id`: a group's history becomes readable; receipts may be reported. */
  function activated(id) {
    const conv = store.state.conversations.get(id);
    const thread = store.state.threads.get(id);
    // The placeholder a group invitation got instead of its history.
    if (conv?.kind === 'group' && thread && !thread.messages.size) store.state.threads.delete(id);
    store.setError(id, null);
    if (store.state.openId !== id) return;
    loadLatest(id)
      .then(() => session.receipts.readIfVisible(id))
      .catch((err) => console.warn('Could not load the accepted conversation', id, err));
    session.receipts.readIfVisible(id);
  }

  async function loadList() {
    const [data, contacts] = await Promise.all([api.get('/conversations'), api.get('/contacts')]);
    for (const view of data?.conversations || []) upsertConversation(view);
    // Further pages (more than 100 conversations), a bounded number of them.
    let cursor = data?.next_cursor;
    for (let page = 0; cursor && page < 20; page += 1) {
      const more = await api.get(`/conversations?cursor=${encodeURIComponent(cursor)}`);
      for (const view of more?.conversations || []) upsertConversation(view);
      cursor = more?.next_cursor;
    }
    for (const contact of contacts?.contacts || []) store.state.moods.set(contact.id, contact.mood || null);
    store.state.listLoaded = true;
    store.changed();
  }

  /** Reloads one conversation view (unknown conversation, or a recount of unread). */
  function refreshConversation(id) {
    if (refreshing.has(id)) return refreshing.get(id);
    const promise = api.get(`/conversations/${encodeURIComponent(id)}`, { redirectOn401: false })
      .then((view) => {
        upsertConversation(view);
        session.receipts.readIfVisible(id);
        return view;
      })
      .catch((err) => {
        if (err.status === 404) store.removeConversation(id);
        else console.warn('Could not load conversation', id, err);
      })
      .finally(() => refreshing.delete(id));
    refreshing.set(id, promise);
    return promise;
  }
  session.refreshConversation = refreshConversation;

  let listPromise = loadList().catch((err) => console.warn('Could not load conversations', err));

  /** Asks the server to follow every conversation from what this page holds. */
  function sendSync() {
    const cursors = {};
    for (const conv of store.state.conversations.values()) {
      // A group invitee is no member yet (naming it would be refused with not_a_member); the
      // server starts following it when the invitation is accepted.
      if (conv.status === 'invited' && conv.kind === 'group') continue;
      cursors[conv.id] = conv.last_seq;
    }
    socket.send({ type: 'sync', cursors });
  }

  /**
   * The server's `refresh`: it may have missed live changes (its bus to the other nodes was
   * down), so reload the list (receipts, presence, new conversations) and sync again.
   */
  session.refresh = async () => {
    try {
      await loadList();
    } catch (err) {
      console.warn('Could not reload conversations', err);
    }
    sendSync();
  };

  /** After every (re)connect: catch up from our cursors, resend the outbox, refresh presence. */
  async function resync() {
    const first = listPromise;
    listPromise = null;
    if (first) await first;
    else loadList().catch((err) => console.warn('Could not refresh conversations', err));
    sendSync();
    session.outbox.flush();
    session.receipts.resync();
    if (typingIn) typingSentAt = 0;
  }

  /** Loads the latest page of a conversation (once) and fills any gap up to the cursor. */
  async function loadLatest(id) {
    const thread = store.thread(id);
    if (thread.loaded || thread.loading) return thread.loading;
    thread.loading = (async () => {
      const invitation = store.state.conversations.get(id);
      if (invitation?.status === 'invited' && invitation.kind === 'group') {
        // A group invitation shows nothing of the group until it is accepted.
        thread.hasMore = false;
        thread.loaded = true;
        store.changed();
        return;
      }
      const page = await api.get(`/conversations/${encodeURIComponent(id)}/messages?limit=${PAGE_SIZE}`);
      store.addMessages(id, page.messages);
      thread.hasMore = page.has_more;
      for (let i = 0; i < 10; i += 1) {
        const newest = Math.max(0, ...thread.messages.keys());
        const conv = store.state.conversations.get(id);
        if (!conv || newest >= conv.last_seq) break;
        const more = await api.get(`/conversations/${encodeURIComponent(id)}/messages?after=${newest}&limit=100`);
        if (!more.messages.length) break;
        store.addMessages(id, more.messages);
      }
      thread.loaded = true;
      store.changed();
    })().finally(() => {
      thread.loading = null;
    });
    return thread.loading;
  }

  /** Loads the page before the oldest loaded message; resolves false when there is none. */
  async function loadOlder(id) {
    const thread = store.thread(id);
    if (!thread.loaded || !thread.hasMore || thread.loadingOlder) return false;
    const oldest = Math.min(...thread.messages.keys());
    if (!Number.isFinite(oldest) || oldest <= 1) {
      thread.hasMore = false;
      store.changed();
      return false;
    }
    thread.loadingOlder = true;
    store.changed();
    try {
      const page = await api.get(`/conversations/${encodeURIComponent(id)}/messages?before=${oldest}&limit=${PAGE_SIZE}`);
      thread.hasMore = page.has_more;
      store.addMessages(id, page.messages);
      return page.messages.length > 0;
    } finally {
      thread.loadingOlder = false;
      store.changed();
    }
  }

  /** Loads history back to `seq` (a search result), a bounded number of pages. */
  async function loadUntil(id, seq) {
    await loadLatest(id);
    const thread = store.thread(id);
    for (let i = 0; i < 40 && !thread.messages.has(seq); i += 1) {
      if (!(await loadOlder(id))) break;
    }
  }

  function open(id) {
    if (store.state.openId !== id) stopTyping();
    store.setOpen(id);
    if (!id) return Promise.resolve();
    const loading = loadLatest(id);
    session.receipts.readIfVisible(id);
    return loading;
  }

  /** Sends a message from the composer; returns an error text or null. */
  function send(id, text) {
    const body = text.replace(/\s+$/, '').replace(/^\s*\n/, '');
    const problem = bodyProblem(body);
    if (problem) return problem;
    stopTyping();
    store.setError(id, null);
    session.outbox.add(id, body);
    return null;
  }

  /** Called on every composer input: typing true at most every 3 s, false when emptied. */
  function typing(id, text) {
    if (!text.trim()) {
      stopTyping();
      return;
    }
    const now = Date.now();
    if (typingIn === id && now - typingSentAt < TYPING_REFRESH_MS) return;
    if (typingIn && typingIn !== id) stopTyping();
    if (socket.send({ type: 'typing', conversation: id, active: true })) typingSentAt = now;
    typingIn = id;
  }

  function stopTyping() {
    if (!typingIn) return;
    socket.send({ type: 'typing', conversation: typingIn, active: false });
    typingIn = null;
    typingSentAt = 0;
  }

  /**
   * Opens (or makes) the direct conversation with `userId`; with someone who is not a contact
   * it is a request they must accept. Refusals because of a block get a clearer message.
   */
  async function startDirect(userId) {
    let view;
    try {
      view = await api.post('/conversations', { kind: 'direct', user_id: userId });
    } catch (err) {
      if (err.code === 'blocked_by_you') {
        err.message = 'You blocked this person. Unblock them under “Blocked people” to chat.';
      } else if (err.status === 403) {
        err.message = 'This person is not taking chat requests from you.';
      }
      throw err;
    }
    upsertConversation(view);
    return view;
  }

  /** Creates a group; the chosen people are invited and join when they accept. */
  async function createGroup(name, memberIds) {
    const view = await api.post('/conversations', { kind: 'group', name, member_ids: memberIds });
    upsertConversation(view);
    return view;
  }

  /**
   * Accepts a request or invitation; the conversation then loads as any other (the server's
   * `conversation` frame may have done so already).
   */
  async function accept(id) {
    const view = await api.post(`/conversations/${encodeURIComponent(id)}/accept`, {});
    upsertConversation(view);
    if (store.state.openId === id) await loadLatest(id);
  }

  /** Declines a request or invitation: it leaves the list (a direct request is deleted). */
  async function decline(id) {
    await api.post(`/conversations/${encodeURIComponent(id)}/decline`, {});
    store.removeConversation(id);
  }

  /**
   * Blocks `userId`. The server withdraws the requests and invitations between the two, so the
   * one answered here (`id`, if any) leaves the list.
   */
  async function block(userId, id) {
    await api.put(`/users/${encodeURIComponent(userId)}/block`, {});
    if (id) store.removeConversation(id);
  }

  /** The people the user blocked, latest first. */
  async function blocked() {
    const data = await api.get('/me/blocks');
    return data?.blocked || [];
  }

  /** Unblocks `userId`: they may send requests again. */
  async function unblock(userId) {
    await api.delete(`/users/${encodeURIComponent(userId)}/block`);
  }

  async function leave(id) {
    await api.delete(`/conversations/${encodeURIComponent(id)}/members/${encodeURIComponent(user.id)}`);
    store.removeConversation(id);
  }

  function stop() {
    stopTyping();
    socket.stop();
    session.outbox.stop();
    session.receipts.stop();
    store.clearTimers();
  }

  Object.assign(session, {
    open, send, typing, stopTyping, loadOlder, loadUntil, startDirect, createGroup, leave, stop,
    accept, decline, block, blocked, unblock,
    search: (q, signal) => api.get(`/search?q=${encodeURIComponent(q)}&limit=20`, { signal }),
  });
  socket.start();
  return session;
}
