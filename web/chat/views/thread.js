// The open conversation: header (title, presence, back/leave buttons), the
// scrollable #thread of messages (older pages load when scrolled to the top,
// keeping the scroll position), #typing-indicator, the request banner
// (request-banner.js) and the composer, which is hidden until the user
// accepts a request or invitation.

import { h } from '../../dom.js';
import { avatar, updateAvatar } from '../../components/user-display.js';
import { reconcile } from './reconcile.js';
import { createMessage, messageKey, updateMessage } from './message.js';
import { createComposer } from './composer.js';
import { createRequestBanner } from './request-banner.js';
import {
  directPeer, isInvited, isPendingRequest, others, pendingPeer, presenceText, typingText,
} from '../people.js';

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

/**
 * Builds the view of conversation `id`. `focusSeq` scrolls to and highlights
 * a message (from a search result). onBack closes it (phones); onNotice(text)
 * tells the page that a request was declined or its asker blocked.
 */
export function createThreadView({ session, id, focusSeq, until, onBack, onLeave, onNotice }) {
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
  const request = createRequestBanner({ session, id, onDone: onNotice });

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
  let wasInvited = null;

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
    const { me } = store.state;
    const peer = directPeer(conv, me);
    updateAvatar(headerAvatar, peer || { display_name: conv.title, avatar_color: '#64748b' });
    title.textContent = conv.title;
    // Presence is shared between contacts only, so a pending request says what it is instead.
    const pending = isPendingRequest(conv, me);
    if (peer) {
      if (isInvited(conv)) subtitle.textContent = 'Chat request';
      else if (pendingPeer(conv, me)) subtitle.textContent = 'Request sent';
      else subtitle.textContent = presenceText(peer);
    } else {
      const joined = conv.members.filter((m) => m.status !== 'invited').length;
      const invited = conv.members.length - joined;
      const online = others(conv, me).filter((m) => m.online).length;
      subtitle.textContent = [
        `${joined} ${joined === 1 ? 'member' : 'members'}`,
        invited ? `${invited} invited` : null,
        `${online} online`,
      ].filter(Boolean).join(' · ');
      subtitle.title = conv.members
        .map((m) => (m.status === 'invited' ? `${m.display_name} (invited)` : m.display_name)).join(', ');
    }
    subtitle.classList.toggle('is-online', Boolean(peer?.online) && !pending);
    leaveButton.hidden = conv.kind !== 'group' || isInvited(conv);
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

    const invited = isInvited(conv);
    const loaded = Boolean(thread?.loaded);
    older.hidden = !loaded || !thread.hasMore;
    older.disabled = Boolean(thread?.loadingOlder);
    older.textContent = thread?.loadingOlder ? 'Loading older messages…' : 'Load older messages';
    if (invited && conv.kind === 'group') status.textContent = 'Accept to read the group’s messages.';
    else if (!loaded) status.textContent = 'Loading messages…';
    else if (!items.length) status.textContent = invited ? 'No messages yet.' : 'No messages yet. Say hello!';
    else if (!thread.hasMore) status.textContent = 'This is the start of the conversation.';
    else status.textContent = '';

    typing.textContent = typingText(conv, store.typingUsers(id));
    request.render(conv);
    composer.element.hidden = invited;
    composer.render(conv);
    // Just accepted: the composer appears; the focus was on the banner's buttons, now hidden.
    const focusLost = element.contains(document.activeElement) || document.activeElement === document.body;
    if (wasInvited && !invited && focusLost) composer.focus();
    wasInvited = invited;

    // A history (re)loading, e.g. a group's after its invitation was accepted, scrolls down once loaded.
    if (!loaded) initialScrollDone = false;
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

  function focusComposer() {
    if (isInvited(store.state.conversations.get(id))) request.focus();
    else composer.focus();
  }

  return { id, element, render, destroy, focusComposer };
}
