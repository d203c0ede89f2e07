// Chat page (#/chat): placeholder until the real conversations module
// replaces this route in routes.js.

import { h, pageHeading } from '../dom.js';
import { icon } from '../components/icons.js';

export function renderChat(container) {
  container.append(h('section', { id: 'chat-page', class: 'page' },
    pageHeading('Chat'),
    h('div', { class: 'empty-state' },
      h('span', { class: 'empty-icon' }, icon('chat')),
      h('p', { class: 'empty-title' }, 'Conversations will appear here'),
      h('p', { class: 'muted' }, 'Start chatting with a lecturer or classmate from the Directory.'),
      h('a', { class: 'button button-secondary', href: '#/directory' }, 'Open the directory'),
    ),
  ));
}
