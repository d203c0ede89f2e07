// What happens on the room page itself, as opposed to on the room socket
// (frames.js): the room was loaded or opened, local media came up or was
// muted, a remote track arrived or stopped, recordings were listed, the user
// left. Pure like frames.js: (state, event) -> state, no DOM, no I/O; the I/O
// that causes these events lives in room/session.js and pages/room.js.

import { finished, noticeOf } from './frames.js';

const LOAD_FAILURE = {
  403: 'Only the lecturer and the booked students can enter this room.',
  404: 'There is no such consultation.',
};

function onRoom(state, room, open) {
  if (state.phase !== 'loading' && state.phase !== 'waiting') return state;
  return {
    ...state,
    phase: open ? 'in_room' : 'waiting',
    room,
    conversation: state.conversation || room.conversation_id || null,
  };
}

// A received track: audio is played, video gets a tile. Chromium names a received track by
// the server's track id; elsewhere, a second video from the same person is taken to be their screen.
function onRemoteTrack(state, { id, participantId, kind }) {
  if (state.phase !== 'in_room') return state;
  const others = state.remote.filter((t) => t.id !== id);
  let screen = false;
  if (kind !== 'audio') {
    const hasCamera = others.some((t) => t.participantId === participantId && t.kind === 'video' && !t.screen);
    screen = id in state.sources ? state.sources[id] === 'screen' : hasCamera;
  }
  return { ...state, remote: [...others, { id, participantId, kind: kind === 'audio' ? 'audio' : 'video', screen }] };
}

function withLocal(state, changes) {
  return { ...state, local: { ...state.local, ...changes } };
}

// Finished recordings that have files: the ones worth showing.
function playable(recordings) {
  return (recordings || []).filter((r) => r.stopped_at && r.files.length > 0);
}

/** The state after page event `event` (`type` plus its fields). */
export function applyEvent(state, event) {
  switch (event.type) {
    case 'room_loaded': // { room } from GET …/room
      return onRoom(state, event.room, Boolean(event.room.open));
    case 'room_opened': // { room } from POST …/room/open
      return onRoom(state, event.room, true);
    case 'room_failed': // { status, message }
      return { ...state, phase: 'failed', notice: noticeOf(LOAD_FAILURE[event.status] || event.message, 'error') };
    case 'notice': // { text, kind }
      return { ...state, notice: noticeOf(event.text, event.kind) };
    case 'local_preview': // our camera / microphone stream is ready to show
      return withLocal(state, { preview: true });
    case 'media_ready': // { audio, video }: what we publish
      return withLocal(state, { audio: Boolean(event.audio), video: Boolean(event.video) });
    case 'local_muted': // { source, muted }
      return withLocal(state, event.source === 'camera' ? { cameraOff: event.muted } : { micMuted: event.muted });
    case 'sharing': // { active }
      return withLocal(state, { sharing: Boolean(event.active) });
    case 'remote_track': // { id, participantId, kind }
      return onRemoteTrack(state, event);
    case 'remote_track_ended': // { id }
      if (!state.remote.some((t) => t.id === event.id)) return state;
      return { ...state, remote: state.remote.filter((t) => t.id !== event.id) };
    case 'recording_busy': // { busy }
      return { ...state, recordingBusy: Boolean(event.busy) };
    case 'recordings_loaded': // { recordings } from GET …/recordings
      return { ...state, recordings: playable(event.recordings) };
    case 'finished': // { text, kind }
      return state.phase === 'finished' ? state : finished(state, event.text, event.kind);
    default:
      return state;
  }
}
