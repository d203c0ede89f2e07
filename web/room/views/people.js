// #room-people: who is in the room, with "(you)", "· lecturer" and
// "(muted)" when their microphone is off.

import { h } from '../../dom.js';

/** The line shown for participant `p`. */
export function personText(p, you) {
  const muted = p.muted.includes('microphone') ? ' (muted)' : '';
  const role = p.lecturer ? ' · lecturer' : '';
  return `${p.display_name}${p.id === you ? ' (you)' : ''}${role}${muted}`;
}

/** The list of people in the room. */
export function createPeopleList() {
  const element = h('ul', { id: 'room-people', class: 'room-people' });
  let shown = null;

  function render(state) {
    if (shown && shown.participants === state.participants && shown.you === state.you) return;
    shown = state;
    element.replaceChildren(...state.participants.map((p) => h('li', {
      class: 'room-person', dataset: { participant: p.id },
    }, personText(p, state.you))));
  }

  return { element, render };
}
