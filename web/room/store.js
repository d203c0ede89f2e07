// The room page's state, in one place: the room as the API describes it, who
// is in it, which tracks arrive, the local microphone / camera / screen state,
// recording, the room's chat conversation and what the page tells the user.
// State is replaced, never mutated: server frames go through frames.js and
// page events through events.js, both pure. Subscribers are told once per
// microtask, so a burst of frames causes a single re-render (as chat/store.js).

import { applyFrame } from './frames.js';
import { applyEvent } from './events.js';

/** The state of a room page that has not loaded its room yet. */
export function initialState() {
  return {
    phase: 'loading', // 'loading' | 'failed' | 'waiting' | 'in_room' | 'finished'
    room: null, // GET /consultations/{id}/room
    conversation: null, // the room's chat conversation id, once it exists
    you: null, // our participant id (per connection)
    participants: [], // { id, user_id, display_name, lecturer, muted: [source] }, in arrival order
    sources: {}, // server track id -> 'camera' | 'microphone' | 'screen'
    remote: [], // received tracks: { id, participantId, kind: 'audio' | 'video', screen }
    local: { preview: false, audio: false, video: false, micMuted: false, cameraOff: false, sharing: false },
    recording: false,
    recordingBusy: false,
    recordings: [], // finished recordings with files, to replay
    notice: null, // { text, kind: 'info' | 'error' }
    endText: null, // why the room ended for us
  };
}

/** Creates the store of one room page. */
export function createRoomStore() {
  const listeners = new Set();
  let state = initialState();
  let scheduled = false;

  function commit(next) {
    if (next === state) return;
    state = next;
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const listener of [...listeners]) listener(state);
    });
  }

  return {
    /** The current state (read-only: change it through dispatch or act). */
    get state() { return state; },
    /** Subscribes to changes; returns an unsubscribe function. */
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** Applies a server frame of the room socket. */
    dispatch(frame) { commit(applyFrame(state, frame)); },
    /** Applies a page event (see events.js). */
    act(event) { commit(applyEvent(state, event)); },
  };
}
