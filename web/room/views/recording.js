// #recording-indicator: everyone in the room is told while it is recorded.

import { h } from '../../dom.js';

/** The indicator, hidden while nothing is recorded. */
export function createRecordingIndicator() {
  const element = h('p', { id: 'recording-indicator', class: 'recording-indicator', role: 'status', hidden: true },
    '● Recording: this consultation is being recorded for its participants.');
  return { element, render: (state) => { element.hidden = !state.recording; } };
}
