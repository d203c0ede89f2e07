// The open conversation: header (title, presence, back/leave buttons), the
// scrollable #thread of messages (older pages load when scrolled to the top,
// keeping the scroll position), #typing-indicator and the composer.

import { h } from '../../dom.js';
import { avatar, updateAvatar } from '../../components/user-display.js';
import { reconcile } from './reconcile.js';
import { createMessage, messageKey, updateMessage } from './message.js';
import { createComposer } from './composer.js';
import { directPeer, others, presenceText, typingText } from '../people.js';

const LOAD_OLDER_WITHIN_PX = 120;
const STICK_TO_BOTTOM_PX = 80;

/** Loaded messages plus this conversation's outbox, in order (pending ones last). */
function threadItems(store, id) {
  const thread = store.state.threads.get(id);
  const stored = thread ? [...thread.messages.values()].sort((a, b) => a.seq - b.seq) : [];
  const storedKeys = new Set(stored.map(messageKey));
  const pending = store.state.outbox
    .filter((item) => item.conversation === id)
    .map((item) => ({ ...item, sender: store.state.me, pending: true }))
    .filter((item) => !storedKeys.has(messageKey(item)));
  return [...stored, ...pending];
}

/** The name of member `userId` of `conv` ("Someone" if unknown). */
function nameIn(conv, userId) {
  return conv.members.find((m) => m.id === userId)?.display_name || 'Someone';
}

/**
 * The banner above the composer while consent is pending: for the person asked, who asks and
 * Accept / Decline / Block (#request-banner); for the asker of a direct request, that it waits.
 */
function createRequestBanner({ session, id }) {
  const text = h('p', { class: 'request-text' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const accept = h('button', { type: 'button', id: 'request-accept', class: 'button button-primary' }, 'Accept');
  const decline = h('button', { type: 'button', id: 'request-decline', class: 'button' }, 'Decline');
  const block = h('button', { type: 'button', id: 'request-block', class: 'button button-ghost' }, 'Block');
  const actions = h('div', { class: 'request-actions' }, accept, decline, block);
  const element = h('div', { id: 'request-banner', class: 'request-banner', role: 'region', 'aria-label': 'Request', hidden: true },
    text, actions, error);
  let asker = null;

  async function run(action) {
    error.hidden = true;
    for (const button of [accept, decline, block]) button.disabled = true;
    try {
      await action();
    } catch (err) {
      error.textContent = err.message || 'That did not work; try again.';
      error.hidden = false;
    } finally {
      for (const button of [accept, decline, block]) button.disabled = false;
    }
  }

  accept.addEventListener('click', () => run(() => session.accept(id)));
  decline.addEventListener('click', () => run(() => session.decline(id)));
  block.addEventListener('click', () => {
    if (!window.confirm('Block this person? They cannot send you requests until you unblock them.')) return;
    run(() => session.block(asker, id));
  });

  function render(conv) {
    const me = session.store.state.me;
    if (conv.status === 'invited') {
      asker = conv.invited_by;
      const who = nameIn(conv, conv.invited_by);
      text.textContent = conv.kind === 'group'
        ? `${who} invited you to the group “${conv.title}”. Accept to join and read its messages.`
        : `${who} wants to chat with you. Until you accept, they cannot see when you are online or read your receipts.`;
      actions.hidden = false;
      element.hidden = false;
      return;
    }
    const waitingFor = conv.kind === 'direct' && conv.members.find((m) => m.id !== me && m.status === 'invited');
    element.hidden = !waitingFor;
    actions.hidden = true;
    if (waitingFor) {
      text.textContent = `Waiting for ${waitingFor.display_name} to accept. You can send up to 3 messages until then.`;
    }
  }

  return { element, render };
}

/**
 * Builds the view of conversation `id`. `focusSeq` scrolls to and highlights
 * a message (from a search result). onBack closes it (phones).
 */
export function createThreadView({ session, id, focusSeq, until, onBack, onLeave }) {
  const { store } = session;
  const headerAvatar = avatar(null, 'md');
  const title = h('h2', { class: 'thread-title', id: 'thread-title' });
  const subtitle = h('p', { class: 'thread-subtitle muted' });
  const leaveButton = h('button', { type: 'button', class: 'button button-ghost thread-leave', hidden: true }, 'Leave');
  const older = h('button', { type: 'button', class: 'link-button thread-older', hidden: true }, 'Load older messages');
  const status = h('p', { class: 'thread-status muted', role: 'status' });
  const messages = h('div', { class: 'message-list' });
  const scroller = h('div', {
    id: 'thread', class: 'thread', role: 'log', tabindex: '0',
    'aria-labelledby': 'thread-title', 'aria-live': 'polite', 'aria-relevant': 'additions',
  }, older, status, messages);
  const typing = h('p', { id: 'typing-indicator', class: 'typing-indicator', 'aria-live': 'polite' });
  const composer = createComposer({ session, id });
  const request = createRequestBanner({ session, id });

  const element = h('section', { class: 'thread-view', dataset: { conversation: id } },
    h('header', { class: 'thread-header' },
      h('button', { type: 'button', class: 'button button-ghost thread-back', 'aria-label': 'Back to conversations', onclick: onBack }, '←'),
      headerAvatar,
      h('div', { class: 'thread-heading' }, title, subtitle),
      leaveButton,
    ),
    scroller,
    typing,
    request.element,
    composer.element,
  );

  let initialScrollDone = false;
  // While `until` (loading back to a search result) runs, hold the initial scroll.
  let waiting = Boolean(until);
  until?.catch(() => {}).then(() => {
    waiting = false;
    render();
  });
  let highlightSeq = focusSeq ?? null;
  let stickNext = false;

  async function loadOlder() {
    try {
      await session.loadOlder(id);
    } catch (err) {
      status.textContent = err.message || 'Could not load older messages.';
    }
  }

  older.addEventListener('click', loadOlder);
  scroller.addEventListener('scroll', () => {
    const thread = store.state.threads.get(id);
    if (scroller.scrollTop < LOAD_OLDER_WITHIN_PX && thread?.loaded && thread.hasMore && !thread.loadingOlder) {
      loadOlder();
    }
  }, { passive: true });
  leaveButton.addEventListener('click', () => onLeave(id));
  composer.onSent(() => {
    stickNext = true;
  });

  function renderHeader(conv) {
    const peer = directPeer(conv, store.state.me);
    updateAvatar(headerAvatar, peer || { display_name: conv.title, avatar_color: '#64748b' });
    title.textContent = conv.title;
    if (peer) {
      subtitle.textContent = presenceText(peer);
    } else {
      const rest = others(conv, store.state.me);
      const online = rest.filter((m) => m.online).length;
      subtitle.textContent = `${rest.length + 1} members · ${online} online`;
      subtitle.title = conv.members.map((m) => m.display_name).join(', ');
    }
    subtitle.classList.toggle('is-online', Boolean(peer?.online));
    leaveButton.hidden = conv.kind !== 'group';
  }

  function render() {
    const conv = store.state.conversations.get(id);
    if (!conv) return;
    renderHeader(conv);
    const thread = store.state.threads.get(id);
    const items = threadItems(store, id);
    const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_TO_BOTTOM_PX;
    // Remember where the first message is, so prepending older pages keeps the view still.
    const anchor = messages.firstElementChild;
    const anchorTop = anchor?.getBoundingClientRect().top;

    let previousSender = null;
    reconcile(messages, items, {
      key: messageKey,
      create: () => createMessage({ onDiscard: (clientId) => session.outbox.discard(clientId) }),
      update: (el, message) => {
        const showSender = conv.kind === 'group' && message.sender !== store.state.me
          && message.sender !== previousSender;
        previousSender = message.sender;
        updateMessage(el, message, {
          conv, me: store.state.me, showSender, highlight: message.seq != null && message.seq === highlightSeq,
        });
      },
    });

    const loaded = Boolean(thread?.loaded);
    older.hidden = !loaded || !thread.hasMore;
    older.disabled = Boolean(thread?.loadingOlder);
    older.textContent = thread?.loadingOlder ? 'Loading older messages…' : 'Load older messages';
    if (!loaded) status.textContent = 'Loading messages…';
    else if (conv.status === 'invited' && conv.kind === 'group') status.textContent = 'Accept the invitation to read the group’s messages.';
    else if (!items.length) status.textContent = 'No messages yet. Say hello!';
    else if (!thread.hasMore) status.textContent = 'This is the start of the conversation.';
    else status.textContent = '';

    typing.textContent = typingText(conv, store.typingUsers(id));
    request.render(conv);
    composer.element.hidden = conv.status === 'invited';
    composer.render(conv);

    if (!loaded || waiting) return;
    if (!initialScrollDone) {
      initialScrollDone = true;
      const target = highlightSeq != null ? messages.querySelector(`[data-seq="${highlightSeq}"]`) : null;
      if (target) {
        target.scrollIntoView({ block: 'center' });
        setTimeout(() => {
          highlightSeq = null;
          target.classList.remove('highlight');
        }, 2500);
      } else scroller.scrollTop = scroller.scrollHeight;
    } else if (atBottom || stickNext) {
      scroller.scrollTop = scroller.scrollHeight;
    } else if (anchor?.isConnected) {
      scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    }
    stickNext = false;
    // Too few messages to scroll: fetch older ones so the scroll-back can start.
    if (thread.hasMore && !thread.loadingOlder && scroller.scrollHeight <= scroller.clientHeight) loadOlder();
  }

  const unsubscribe = store.subscribe(render);
  render();

  function destroy() {
    unsubscribe();
    composer.destroy();
  }

  return { id, element, render, destroy, focusComposer: () => composer.focus() };
}
