// The top of the room page: its heading (the consultation's topic and when,
// with whom) and #room-notice, the one line where the page says what went
// wrong or why the room ended.

import { h, pageHeading } from '../../dom.js';
import { timeText } from '../time.js';

/** The heading; shows "Consultation room" until the room is loaded. */
export function createRoomHeader({ tz }) {
  const title = pageHeading('Consultation room');
  const subtitle = h('p', { class: 'muted room-subtitle' });
  const element = h('div', { class: 'room-head' }, h('div', {}, title, subtitle));
  let shown = null;

  function render(state) {
    const { room } = state;
    if (!room || room === shown) return;
    shown = room;
    title.textContent = room.topic;
    subtitle.textContent = `${timeText(room.starts_at, tz)} with ${room.lecturer.display_name}`;
  }

  return { element, render };
}

/** #room-notice, hidden while there is nothing to say. */
export function createNotice() {
  const element = h('p', { id: 'room-notice', class: 'form-message', role: 'status', hidden: true });

  function render(state) {
    const { notice } = state;
    element.textContent = notice?.text || '';
    element.className = notice ? `form-message form-${notice.kind}` : 'form-message';
    element.hidden = !notice;
  }

  return { element, render };
}
