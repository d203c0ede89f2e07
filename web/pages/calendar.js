// Calendar page (#/calendar): placeholder until the consultations module
// replaces this route in routes.js.

import { h, pageHeading } from '../dom.js';
import { icon } from '../components/icons.js';

export function renderCalendar(container, { user }) {
  container.append(h('section', { id: 'calendar-page', class: 'page' },
    pageHeading('Calendar'),
    h('div', { class: 'empty-state' },
      h('span', { class: 'empty-icon' }, icon('calendar')),
      h('p', { class: 'empty-title' }, 'Your consultations will appear here'),
      h('p', { class: 'muted' }, `Times are shown in your time zone (${user.time_zone || 'UTC'}).`),
    ),
  ));
}
