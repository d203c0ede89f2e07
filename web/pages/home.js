// Home page (#/home): greeting, role badge, time zone and shortcut cards.

import { h, pageHeading } from '../dom.js';
import { avatar, roleBadge } from '../components/user-display.js';
import { icon } from '../components/icons.js';

const CARDS = [
  { path: '/chat', title: 'Chat', text: 'Message your lecturers and classmates.', icon: 'chat' },
  { path: '/calendar', title: 'Calendar', text: 'Book and review consultations.', icon: 'calendar' },
  { path: '/directory', title: 'Directory', text: 'Find students and lecturers.', icon: 'search' },
  { path: '/account', title: 'Account', text: 'Profile, time zone and devices.', icon: 'user' },
];

export function renderHome(container, { user }) {
  const cards = h('ul', { class: 'card-grid', 'aria-label': 'Shortcuts' },
    CARDS.map(({ path, title, text, icon: iconName }) => h('li', {},
      h('a', { class: 'card card-link', href: `#${path}`, dataset: { path } },
        h('span', { class: 'card-icon' }, icon(iconName)),
        h('span', { class: 'card-title' }, title),
        h('span', { class: 'card-text' }, text),
      ))),
  );

  container.append(h('section', { id: 'home-page', class: 'page' },
    h('div', { class: 'home-hero' },
      avatar(user, 'lg'),
      h('div', {},
        pageHeading(`Welcome, ${user.display_name}`),
        h('p', { class: 'home-meta' },
          roleBadge(user.role),
          h('span', { class: 'time-zone' }, 'Time zone: ', h('strong', {}, user.time_zone || 'not set')),
        ),
      ),
    ),
    cards,
  ));
}
