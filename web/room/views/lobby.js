// The card shown outside the room: before it opens (#room-state says when;
// the lecturer gets #open-room-button) and after it ended for us (why, and a
// way back to the calendar).

import { h } from '../../dom.js';
import { isOver, timeText } from '../time.js';
import { showChildren } from './show.js';

/** The waiting / ended card; `onOpen` opens the room now. */
export function createLobby({ tz, onOpen }) {
  const state = h('p', { id: 'room-state' });
  const open = h('button', {
    type: 'button', id: 'open-room-button', class: 'button button-primary', onclick: onOpen,
  }, 'Open the room now');
  const back = h('a', { class: 'button button-secondary', href: '#/calendar' }, 'Back to the calendar');
  const element = h('div', { class: 'room-waiting card' }, state);

  function render(s, now = Date.now()) {
    if (s.phase === 'finished') {
      state.textContent = s.endText;
      showChildren(element, [state, back]);
      return;
    }
    if (!s.room) return;
    const over = isOver(s.room, now);
    state.textContent = over ? 'This room is closed.' : `The room opens ${timeText(s.room.opens_at, tz)}.`;
    showChildren(element, [state, s.room.can_manage && !over ? open : null]);
  }

  return { element, render };
}
