// The consent banner of the open conversation (#request-banner), shown where
// the composer would be:
// - to the person asked (status "invited"): who asks, with #request-accept,
//   #request-decline and #request-block (Block asks to confirm in the page:
//   #request-block-confirm / #request-block-cancel);
// - to the asker of a direct request the other has not answered: that it
//   waits, and how many of the 3 messages a request holds are left.
// onDone(text) reports a decline or block (the conversation is gone then).

import { h } from '../../dom.js';
import { isInvited, pendingPeer } from '../people.js';

/** Messages a direct request may hold until it is accepted (a server limit). */
export const REQUEST_MESSAGE_LIMIT = 3;

/** The name of member `userId` of `conv` ("Someone" if unknown). */
export function nameIn(conv, userId) {
  return conv.members.find((m) => m.id === userId)?.display_name || 'Someone';
}

export function createRequestBanner({ session, id, onDone }) {
  const { store } = session;
  const text = h('p', { class: 'request-text' });
  const hint = h('p', { class: 'request-hint muted' });
  const error = h('p', { class: 'form-error request-error', role: 'alert', hidden: true });
  const accept = h('button', { type: 'button', id: 'request-accept', class: 'button button-primary' }, 'Accept');
  const decline = h('button', { type: 'button', id: 'request-decline', class: 'button button-secondary' }, 'Decline');
  const block = h('button', { type: 'button', id: 'request-block', class: 'button button-danger-ghost' }, 'Block…');
  const actions = h('div', { class: 'request-actions' }, accept, decline, block);
  const confirmText = h('p', { class: 'request-confirm-text', id: 'request-block-question' });
  const confirmBlock = h('button', { type: 'button', id: 'request-block-confirm', class: 'button button-danger-ghost' }, 'Block');
  const cancelBlock = h('button', { type: 'button', id: 'request-block-cancel', class: 'button button-ghost' }, 'Cancel');
  const confirm = h('div', {
    class: 'request-confirm', role: 'group', 'aria-labelledby': 'request-block-question', hidden: true,
  }, confirmText, h('div', { class: 'request-actions' }, confirmBlock, cancelBlock));
  const element = h('div', {
    id: 'request-banner', class: 'request-banner', role: 'region', 'aria-label': 'Chat request', hidden: true,
  }, text, hint, actions, confirm, error);
  const buttons = [accept, decline, block, confirmBlock, cancelBlock];
  let asker = null;
  let askerName = '';
  let busy = false;

  async function run(action) {
    if (busy) return false;
    busy = true;
    error.hidden = true;
    buttons.forEach((button) => { button.disabled = true; });
    try {
      await action();
      return true;
    } catch (err) {
      error.textContent = err.message || 'That did not work. Please try again.';
      error.hidden = false;
      return false;
    } finally {
      busy = false;
      buttons.forEach((button) => { button.disabled = false; });
    }
  }

  function askToConfirm(open) {
    confirm.hidden = !open;
    actions.hidden = open;
    if (open) confirmBlock.focus();
    else block.focus();
  }

  accept.addEventListener('click', () => run(() => session.accept(id)));
  decline.addEventListener('click', async () => {
    const conv = store.state.conversations.get(id);
    const what = conv?.kind === 'group' ? `the invitation to “${conv.title}”` : `the request from ${askerName}`;
    if (await run(() => session.decline(id))) onDone?.(`You declined ${what}.`);
  });
  block.addEventListener('click', () => askToConfirm(true));
  cancelBlock.addEventListener('click', () => askToConfirm(false));
  confirmBlock.addEventListener('click', async () => {
    const name = askerName;
    if (await run(() => session.block(asker, id))) {
      onDone?.(`You blocked ${name}. You can unblock them under “Blocked people”.`);
    }
  });

  function render(conv) {
    const { me } = store.state;
    if (isInvited(conv)) {
      asker = conv.invited_by;
      askerName = nameIn(conv, conv.invited_by);
      if (conv.kind === 'group') {
        text.textContent = `${askerName} invited you to the group “${conv.title}”.`;
        const names = conv.members.filter((m) => m.id !== me).map((m) => m.display_name);
        hint.textContent = `Members: ${names.join(', ')}. Accept to join and read its messages.`;
      } else {
        text.textContent = `${askerName} wants to chat with you.`;
        hint.textContent = 'You can read their messages. Until you accept, they cannot see when you are online or whether you read them, and you cannot reply.';
      }
      confirmText.textContent = `Block ${askerName}? They will not be able to send you requests or invite you to groups until you unblock them, and this ${conv.kind === 'group' ? 'invitation' : 'request'} goes away.`;
      if (confirm.hidden) actions.hidden = false;
      element.hidden = false;
      element.classList.remove('is-waiting');
      return;
    }
    const waitingFor = pendingPeer(conv, me);
    element.hidden = !waitingFor;
    element.classList.toggle('is-waiting', Boolean(waitingFor));
    actions.hidden = true;
    confirm.hidden = true;
    if (!waitingFor) return;
    text.textContent = `Waiting for ${waitingFor.display_name} to accept. You can send up to ${REQUEST_MESSAGE_LIMIT} messages until then.`;
    // Only the asker can write in a pending request, so its seq counts the messages sent.
    const queued = store.state.outbox.filter((item) => item.conversation === id && !item.failed).length;
    const left = Math.max(0, REQUEST_MESSAGE_LIMIT - conv.last_seq - queued);
    hint.textContent = left > 0
      ? `${left} of ${REQUEST_MESSAGE_LIMIT} left.`
      : `You have sent all ${REQUEST_MESSAGE_LIMIT}; you can write more once ${waitingFor.display_name} accepts.`;
  }

  return {
    element,
    render,
    /** Focuses the first answer button (the composer is hidden while invited). */
    focus: () => (confirm.hidden ? accept : confirmBlock).focus(),
  };
}
