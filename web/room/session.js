// One visit to the room: the room client (room/client.js) connected to the
// store, plus the media objects that cannot live in plain state (the local
// stream, the screen being shared, the received tracks). It turns socket
// events into store frames and events, publishes the camera and microphone,
// and hangs up when the visit is over; it never touches the DOM. What the
// user does in the room (mute, share, record, end) is in room/commands.js.

import { createRoomClient } from './client.js';
import { localMedia, stopStream } from './media.js';

const LOST_TEXT = 'The connection to the room was lost. Reload the page to rejoin.';

/** The media of a room visit: shared by the session (which fills it) and the video grid (which shows it). */
export function createMediaRegistry() {
  return { local: null, screen: null, tracks: new Map() }; // tracks: track id -> { track, stream }
}

/** Stops our camera, microphone and screen share. */
export function releaseLocal(media) {
  stopStream(media.local);
  media.local = null;
  media.screen?.track.stop();
  media.screen = null;
}

// Drops received tracks the state no longer shows (their person left, or the track was removed).
function prune(media, state) {
  const shown = new Set(state.remote.map((t) => t.id));
  for (const trackId of media.tracks.keys()) if (!shown.has(trackId)) media.tracks.delete(trackId);
}

// Keeps a received track in the registry and tells the store when it stops.
function receiveTrack(store, media, { participantId, track, stream }) {
  media.tracks.set(track.id, { track, stream });
  store.act({ type: 'remote_track', id: track.id, participantId, kind: track.kind });
  const gone = () => {
    store.act({ type: 'remote_track_ended', id: track.id });
    prune(media, store.state);
  };
  track.addEventListener('ended', gone);
  stream?.addEventListener('removetrack', (e) => { if (e.track === track) gone(); });
}

/** Creates the session of room `id`; `onFinished` runs once the visit is over. */
export function createRoomSession({ id, store, media, onFinished }) {
  let client = null;

  function hangUp() {
    if (!client) return;
    client = null;
    releaseLocal(media);
    media.tracks.clear();
    onFinished?.();
  }

  function finish(text, kind = 'info') {
    store.act({ type: 'finished', text, kind });
    hangUp();
  }

  async function publishLocal() {
    const { stream, problem } = await localMedia();
    if (!client) { stopStream(stream); return; }
    media.local = stream;
    if (problem) store.act({ type: 'notice', text: problem, kind: 'error' });
    if (!stream) return;
    store.act({ type: 'local_preview' });
    for (const track of stream.getTracks()) {
      if (!client) return;
      await client.publish(track, stream, track.kind === 'audio' ? 'microphone' : 'camera');
    }
    store.act({ type: 'media_ready', audio: stream.getAudioTracks().length > 0, video: stream.getVideoTracks().length > 0 });
  }

  /** Joins the room (once, and only while the page is in it). */
  function connect() {
    if (client || store.state.phase !== 'in_room') return;
    client = createRoomClient(id, {
      onReady: (frame) => {
        store.dispatch(frame);
        publishLocal().catch((err) => console.error('publishing local media failed', err));
      },
      onFrame: (frame) => {
        store.dispatch(frame);
        prune(media, store.state);
        if (store.state.phase === 'finished') hangUp();
      },
      onRemoteTrack: (event) => receiveTrack(store, media, event),
      onError: (frame) => store.dispatch(frame),
      onClose: () => { if (client) finish(LOST_TEXT, 'error'); },
    });
  }

  return {
    connect,
    /** The room client while connected (null before and after). */
    get client() { return client; },
    /** Leaves the room (the Leave button). */
    leave() {
      client?.leave();
      finish('You left the room.');
    },
    /** The page is going away: leave quietly and release the camera. */
    destroy() {
      client?.leave();
      client = null;
      releaseLocal(media);
    },
  };
}
