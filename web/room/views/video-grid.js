// #video-grid: our own preview (#local-video, "You") and one .remote-tile per
// received video (a person's camera, or their screen), captioned with their
// name; received audio plays from hidden <audio> elements. Tiles are kept
// between renders (a video element that is replaced would restart), and
// only added, updated or removed as the state's `remote` list changes.

import { h } from '../../dom.js';

function createTile(entry, track) {
  const video = h('video', { autoplay: true, playsinline: true, muted: true });
  video.muted = true;
  video.srcObject = new MediaStream([track]);
  return h('figure', {
    class: 'video-tile remote-tile',
    dataset: { participant: entry.participantId, track: entry.id, ...(entry.screen ? { screen: '1' } : {}) },
  }, video, h('figcaption', {}));
}

function createAudio(entry, track) {
  const audio = h('audio', { autoplay: true, dataset: { participant: entry.participantId } });
  audio.srcObject = new MediaStream([track]);
  return audio;
}

function updateTile(tile, entry, people) {
  const p = people.get(entry.participantId);
  const caption = tile.querySelector('figcaption');
  if (p && caption) caption.textContent = `${p.display_name}${entry.screen ? ' · screen' : ''}`;
  tile.classList.toggle('camera-off', Boolean(p?.muted.includes('camera')) && !entry.screen);
}

/**
 * The grid; `media` is the session's registry (local stream, received
 * tracks by id), `audioParent` where the <audio> elements go.
 */
export function createVideoGrid({ media, audioParent }) {
  const preview = h('video', { id: 'local-video', autoplay: true, playsinline: true, muted: true });
  preview.muted = true;
  const element = h('div', { id: 'video-grid', class: 'video-grid' },
    h('figure', { class: 'video-tile local-tile' }, preview, h('figcaption', {}, 'You')));
  const shown = new Map(); // track id -> tile or audio element

  // Makes the shown elements match `remote`: new ones made, gone ones removed.
  function sync(remote, people) {
    const wanted = new Set(remote.map((t) => t.id));
    for (const [id, el] of shown) {
      if (!wanted.has(id)) { el.remove(); shown.delete(id); }
    }
    for (const entry of remote) {
      let el = shown.get(entry.id);
      if (!el) {
        const received = media.tracks.get(entry.id);
        if (!received) continue;
        el = entry.kind === 'audio' ? createAudio(entry, received.track) : createTile(entry, received.track);
        shown.set(entry.id, el);
        (entry.kind === 'audio' ? audioParent : element).append(el);
      }
      if (entry.kind !== 'audio') updateTile(el, entry, people);
    }
  }

  function render(state) {
    if (preview.srcObject !== media.local) preview.srcObject = media.local;
    sync(state.remote, new Map(state.participants.map((p) => [p.id, p])));
  }

  /** Removes the <audio> elements (they live outside the grid). */
  function destroy() {
    for (const el of shown.values()) el.remove();
    shown.clear();
  }

  return { element, render, destroy };
}
