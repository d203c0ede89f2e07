// Chat page (#/chat): conversation list, search and new-conversation buttons
// beside the open conversation, and "Blocked people" (#blocked-people-button).
// `#/chat?c=<id>` opens a conversation and `#/chat?with=<user id>` starts (or
// reopens) a direct chat, which with someone who is not a contact yet is a
// request they must accept. State and the WebSocket live in chat/session.js
// and outlive this page.

import { h, pageHeading } from '../dom.js';
import { icon } from '../components/icons.js';
import { chatSession } from '../chat/session.js';
import { createConversationList } from '../chat/views/conversation-list.js';
import { createSearch } from '../chat/views/search.js';
import { createThreadView } from '../chat/views/thread.js';
import {
  openNewDirectDialog, openNewGroupDialog, openBlockedDialog, closeChatDialogs,
} from '../chat/views/dialogs.js';

const STATUS_TEXT = { connecting: 'Connecting…', reconnecting: 'Reconnecting…', online: 'Connected' };
const wideScreen = window.matchMedia('(min-width: 721px)');

function hashParams() {
  return new URLSearchParams(window.location.hash.split('?')[1] || '');
}

function replaceHash(path) {
  window.history.replaceState(window.history.state, '', `#${path}`);
}

export function renderChat(container, ctx) {
  const session = chatSession(ctx.user);
  const { store } = session;
  let threadView = null;

  const status = h('p', { id: 'connection-status', class: 'connection-status', role: 'status' });
  const pageError = h('p', { class: 'form-error chat-page-error', role: 'alert', hidden: true });
  const notice = h('p', { id: 'chat-notice', class: 'form-success chat-page-error', role: 'status', hidden: true });
  const list = createConversationList({ store, onSelect: (id) => openConversation(id) });
  const search = createSearch({
    session,
    onPick: (id, seq) => openConversation(id, seq),
    onActive: (active) => page.classList.toggle('searching', active),
  });
  const newDirect = h('button', { type: 'button', id: 'new-direct-button', class: 'button button-secondary' }, 'New chat');
  const newGroup = h('button', { type: 'button', id: 'new-group-button', class: 'button button-ghost' }, 'New group');
  const blockedButton = h('button', {
    type: 'button', id: 'blocked-people-button', class: 'link-button chat-blocked-button',
  }, 'Blocked people');
  const placeholder = h('div', { class: 'thread-placeholder' },
    h('span', { class: 'empty-icon' }, icon('chat')),
    h('p', { class: 'empty-title' }, 'Pick a conversation'),
    h('p', { class: 'muted' }, 'Or start a new chat with a lecturer or classmate.'),
  );
  const main = h('section', { class: 'chat-main', 'aria-label': 'Conversation' }, placeholder);

  const page = h('section', { id: 'chat-page', class: 'page chat-page' },
    h('div', { class: 'chat-layout' },
      h('aside', { class: 'chat-sidebar', 'aria-label': 'Conversations' },
        h('div', { class: 'chat-sidebar-head' }, pageHeading('Chat'), status),
        h('div', { class: 'chat-actions' }, newDirect, newGroup),
        search.form,
        pageError,
        notice,
        search.panel,
        list.element,
        h('div', { class: 'chat-sidebar-foot' }, blockedButton),
      ),
      main,
    ),
  );

  function showError(message) {
    pageError.textContent = message || '';
    pageError.hidden = !message;
  }

  /** A confirmation such as "You declined the request from …" (cleared on the next open). */
  function showNotice(message) {
    notice.textContent = message || '';
    notice.hidden = !message;
  }

  function closeConversation() {
    threadView?.destroy();
    threadView = null;
    session.open(null);
    main.replaceChildren(placeholder);
    page.classList.remove('thread-open');
    replaceHash('/chat');
  }

  function openConversation(id, focusSeq) {
    if (!id) {
      closeConversation();
      return;
    }
    showError(null);
    showNotice(null);
    page.classList.add('thread-open');
    if (threadView?.id === id && focusSeq == null) {
      if (wideScreen.matches) threadView.focusComposer();
      return;
    }
    threadView?.destroy();
    const loading = session.open(id);
    const until = focusSeq == null ? null : session.loadUntil(id, focusSeq);
    loading.catch((err) => {
      if (ctx.signal.aborted || threadView?.id !== id) return;
      closeConversation();
      showError(err.status === 404 ? 'That conversation is not available.' : err.message);
    });
    threadView = createThreadView({
      session, id, focusSeq, until,
      onBack: () => closeConversation(),
      onLeave: (leaveId) => leave(leaveId),
      onNotice: (message) => showNotice(message),
    });
    main.replaceChildren(threadView.element);
    replaceHash(`/chat?c=${encodeURIComponent(id)}`);
    if (wideScreen.matches) threadView.focusComposer();
  }

  async function leave(id) {
    const conv = store.state.conversations.get(id);
    if (!window.confirm(`Leave “${conv?.title || 'this group'}”? You will stop receiving its messages.`)) return;
    try {
      await session.leave(id);
      closeConversation();
    } catch (err) {
      showError(err.message);
    }
  }

  async function startWith(dialog) {
    const view = await dialog(session);
    if (view && !ctx.signal.aborted) openConversation(view.id);
  }
  newDirect.addEventListener('click', () => startWith(openNewDirectDialog));
  newGroup.addEventListener('click', () => startWith(openNewGroupDialog));
  blockedButton.addEventListener('click', async () => {
    await openBlockedDialog(session);
    if (!ctx.signal.aborted) blockedButton.focus();
  });

  function render() {
    const state = store.state.status;
    status.textContent = STATUS_TEXT[state] || '';
    status.dataset.state = state;
    status.hidden = state === 'online';
    list.render();
    // The open conversation was left or removed elsewhere.
    if (threadView && store.state.openId === null) closeConversation();
  }

  const unsubscribe = store.subscribe(render);
  container.append(page);
  render();

  const params = hashParams();
  if (params.get('with')) {
    session.startDirect(params.get('with'))
      .then((view) => { if (!ctx.signal.aborted) openConversation(view.id); })
      .catch((err) => showError(err.message));
  } else if (params.get('c')) {
    openConversation(params.get('c'));
  }

  return () => {
    unsubscribe();
    search.destroy();
    closeChatDialogs();
    threadView?.destroy();
    session.open(null);
  };
}
