// App shell header: product name, main navigation (scrollable on phones),
// the signed-in user's avatar + name (#current-user) and the log-out button.

import { h } from '../dom.js';
import { avatar, updateAvatar } from './user-display.js';

/**
 * Builds the header inside `root` (the #app-header element).
 * onLogout is called when #logout-button is pressed.
 * Returns { update(user, navItems), setActive(path), show(visible) }.
 */
export function createHeader(root, { onLogout }) {
  const navList = h('ul', { class: 'nav-list' });
  const userAvatar = avatar(null, 'sm');
  const userName = h('span', { class: 'current-user-name' });
  const logoutButton = h('button', {
    type: 'button', id: 'logout-button', class: 'button button-ghost',
  }, 'Log out');

  logoutButton.addEventListener('click', async () => {
    logoutButton.disabled = true;
    try {
      await onLogout();
    } finally {
      logoutButton.disabled = false;
    }
  });

  root.replaceChildren(
    h('div', { class: 'header-inner' },
      h('a', { class: 'brand', href: '#/home' },
        h('img', { src: '/favicon.svg', alt: '', width: '28', height: '28' }),
        h('span', { class: 'brand-name' }, 'Chatterly'),
      ),
      h('nav', { class: 'main-nav', 'aria-label': 'Main' }, navList),
      h('div', { class: 'user-area' },
        h('div', { id: 'current-user', class: 'current-user', title: 'Signed in' }, userAvatar, userName),
        logoutButton,
      ),
    ),
  );

  let activePath = '';

  function setActive(path) {
    activePath = path;
    for (const link of navList.querySelectorAll('a')) {
      if (link.dataset.path === path) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    const current = navList.querySelector('[aria-current="page"]');
    current?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }

  function update(user, navItems) {
    if (!user) return;
    userName.textContent = user.display_name || user.email || '';
    root.querySelector('#current-user').title = `Signed in as ${user.display_name || user.email}`;
    updateAvatar(userAvatar, user);
    navList.replaceChildren(...navItems.map(({ path, label }) =>
      h('li', {}, h('a', { href: `#${path}`, class: 'nav-link', dataset: { path } }, label))));
    setActive(activePath);
  }

  function show(visible) {
    root.hidden = !visible;
  }

  return { update, setActive, show };
}
