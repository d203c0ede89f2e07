// Message search box (#chat-search) with its results (#search-results).
// Snippets mark matches ([…] from the server's ts_headline, or <b>…</b>);
// they are split into text nodes and <mark> elements, never parsed as HTML.
// Choosing a result opens the conversation scrolled to that message.

import { isAbortError } from '../../api.js';
import { h, debounce } from '../../dom.js';
import { icon } from '../../components/icons.js';
import { localDateTime } from '../../components/format.js';

/** Turns a highlighted snippet into safe DOM nodes. */
export function snippetNodes(snippet) {
  const nodes = [];
  let marked = false;
  for (const part of String(snippet).split(/(<b>|<\/b>|\[|\])/)) {
    if (part === '<b>' || part === '[') marked = true;
    else if (part === '</b>' || part === ']') marked = false;
    else if (part) nodes.push(marked ? h('mark', {}, part) : document.createTextNode(part));
  }
  return nodes;
}

/** Builds the search UI; onPick(conversationId, seq) opens a result; onActive(bool) while searching. */
export function createSearch({ session, onPick, onActive }) {
  const input = h('input', {
    id: 'chat-search-input', type: 'search', name: 'q', autocomplete: 'off',
    placeholder: 'Search messages…', 'aria-controls': 'search-results', maxlength: '200',
  });
  const form = h('form', { id: 'chat-search', class: 'chat-search', role: 'search' },
    h('label', { for: 'chat-search-input', class: 'visually-hidden' }, 'Search messages'),
    h('span', { class: 'search-icon' }, icon('search')),
    input,
  );
  const status = h('p', { class: 'search-status muted', role: 'status' });
  const results = h('ul', { id: 'search-results', class: 'search-results' });
  const panel = h('div', { class: 'search-panel', hidden: true }, status, results);

  let controller = null;

  function resultItem(result) {
    const button = h('button', {
      type: 'button', class: 'search-result',
      dataset: { conversation: result.conversation, seq: String(result.seq) },
    },
    h('span', { class: 'search-result-head' },
      h('span', { class: 'search-result-title' }, result.conversation_title),
      h('time', { datetime: result.created_at, class: 'muted' }, localDateTime(result.created_at)),
    ),
    h('span', { class: 'search-result-snippet' },
      h('span', { class: 'search-result-sender' }, `${result.sender_name}: `),
      ...snippetNodes(result.snippet || result.body)),
    );
    button.addEventListener('click', () => onPick(result.conversation, result.seq));
    return h('li', {}, button);
  }

  async function run() {
    const q = input.value.trim();
    controller?.abort();
    panel.hidden = !q;
    onActive(Boolean(q));
    if (!q) {
      results.replaceChildren();
      return;
    }
    controller = new AbortController();
    status.textContent = 'Searching…';
    try {
      const data = await session.search(q, controller.signal);
      const found = data?.results || [];
      results.replaceChildren(...found.map(resultItem));
      status.textContent = found.length ? `${found.length} ${found.length === 1 ? 'message' : 'messages'} found.` : 'No messages match.';
    } catch (err) {
      if (isAbortError(err)) return;
      results.replaceChildren();
      status.textContent = err.message || 'Search failed.';
    }
  }

  const debounced = debounce(run, 300);
  input.addEventListener('input', debounced);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    debounced.cancel();
    run();
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && input.value) {
      input.value = '';
      debounced.cancel();
      run();
    }
  });

  return {
    form,
    panel,
    destroy() {
      debounced.cancel();
      controller?.abort();
    },
  };
}
