// Centered card layout shared by the login and signup pages.

import { h } from '../dom.js';

/** Wraps a form in the branded auth card with a heading and footer line. */
export function authCard({ id, title, subtitle, form, footer }) {
  const titleId = `${id}-title`;
  form.setAttribute('aria-labelledby', titleId);
  return h('section', { class: 'auth-card', id },
    h('div', { class: 'auth-brand' },
      h('img', { src: '/favicon.svg', alt: '', width: '40', height: '40' }),
      h('span', { class: 'brand-name' }, 'Chatterly'),
    ),
    h('h1', { class: 'page-title', id: titleId, tabindex: '-1' }, title),
    subtitle ? h('p', { class: 'muted' }, subtitle) : null,
    form,
    footer ? h('p', { class: 'auth-footer' }, ...footer) : null,
  );
}
