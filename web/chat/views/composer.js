// Message composer (#composer): auto-growing textarea (Enter sends,
// Shift+Enter adds a line), #send-button, typing notifications, and the
// error area (#composer-error) for refused messages such as rate_limited.

import { h } from '../../dom.js';

const MAX_HEIGHT_PX = 200;

export function createComposer({ session, id }) {
  const { store } = session;
  const textarea = h('textarea', {
    id: 'composer-input', name: 'body', rows: '1', placeholder: 'Write a message…',
    autocomplete: 'off', 'aria-describedby': 'composer-error', enterkeyhint: 'send',
  });
  const sendButton = h('button', { type: 'submit', id: 'send-button', class: 'button button-primary' }, 'Send');
  const error = h('p', { id: 'composer-error', class: 'composer-error form-error', role: 'alert', hidden: true });
  const form = h('form', { id: 'composer', class: 'composer', novalidate: true },
    h('label', { for: 'composer-input', class: 'visually-hidden' }, 'Message'),
    textarea,
    sendButton,
  );
  const element = h('div', { class: 'composer-wrap' }, error, form);
  const sentListeners = [];
  let localError = null;

  textarea.value = store.state.drafts.get(id) || '';

  function resize() {
    textarea.style.height = 'auto';
    textarea.style.height = `${Math.min(textarea.scrollHeight, MAX_HEIGHT_PX)}px`;
  }

  function submit() {
    const problem = session.send(id, textarea.value);
    if (problem) {
      localError = problem;
      render();
      return;
    }
    localError = null;
    textarea.value = '';
    store.state.drafts.delete(id);
    resize();
    sentListeners.forEach((fn) => fn());
    textarea.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  textarea.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submit();
    }
  });
  textarea.addEventListener('input', () => {
    localError = null;
    store.state.drafts.set(id, textarea.value);
    session.typing(id, textarea.value);
    resize();
    render();
  });
  textarea.addEventListener('blur', () => session.stopTyping());

  function render() {
    const message = localError || store.state.errors.get(id)?.message || '';
    if (error.textContent !== message) error.textContent = message;
    error.hidden = !message;
    sendButton.disabled = !textarea.value.trim();
  }

  requestAnimationFrame(resize);
  render();

  return {
    element,
    render,
    focus: () => textarea.focus(),
    onSent: (fn) => sentListeners.push(fn),
    destroy: () => session.stopTyping(),
  };
}
