// The consultation's recordings (#recordings), to replay in the page before
// and after the room: one article per recording, a player per file.
// Re-rendered only when the list changes, so a playing file keeps playing.

import { h } from '../../dom.js';
import { timeText } from '../time.js';

function fileView(f) {
  return h('figure', { class: 'recording-file' },
    f.kind === 'audio'
      ? h('audio', { controls: true, preload: 'metadata', src: f.url })
      : h('video', { controls: true, preload: 'metadata', src: f.url }),
    h('figcaption', {}, `${f.display_name} · ${f.source}`));
}

/** The recordings section, hidden while there are none. */
export function createRecordings({ tz }) {
  const list = h('div', { id: 'recordings', class: 'recordings' });
  const element = h('section', { class: 'room-recordings card', hidden: true },
    h('h2', { class: 'room-side-title' }, 'Recordings'), list);
  let shown = null;

  function render(state) {
    if (state.recordings === shown) return;
    shown = state.recordings;
    element.hidden = shown.length === 0;
    list.replaceChildren(...shown.map((r) => h('article', { class: 'recording', dataset: { recording: r.id } },
      h('p', { class: 'muted' }, `Recorded ${timeText(r.started_at, tz)}`),
      ...r.files.map(fileView))));
  }

  return { element, render };
}
