// The room socket's server frames (docs/protocol.md, "Rooms", "Server →
// client frames") applied to the room page's state: a pure function of
// (state, frame), no DOM and no I/O, so what a frame does can be read (and
// tried in Node) without a browser. Signalling frames (publish_answer,
// subscribe_offer, candidate, pong) belong to room/client.js and leave the
// page's state as it is.

/** Why the room ended, by the `reason` of an `ended` frame. */
export const END_TEXT = {
  ended_by_lecturer: 'The lecturer ended the consultation.',
  time_up: 'The consultation time is over.',
  cancelled: 'The consultation was cancelled.',
  removed: 'You no longer have a place in this consultation.',
  too_slow: 'The connection was too slow to keep up. Rejoin to continue.',
  signed_out: 'You were signed out on this device.',
  joined_elsewhere: 'You joined this room from another tab or device.',
  shutdown: 'The server is restarting. Rejoin in a moment.',
};

/** The text shown for an `ended` frame's reason. */
export function endText(reason) {
  return END_TEXT[reason] || 'The consultation ended.';
}

/** The notice for `text` (none when empty). */
export function noticeOf(text, kind = 'info') {
  return text ? { text, kind } : null;
}

/** The room is over for us (ended, left or lost): `text` says why. */
export function finished(state, text, kind = 'info') {
  return { ...state, phase: 'finished', endText: text, notice: noticeOf(text, kind), remote: [], recordingBusy: false };
}

function upsertParticipant(list, participant) {
  const copy = { ...participant, muted: [...(participant.muted || [])] };
  const at = list.findIndex((p) => p.id === participant.id);
  if (at < 0) return [...list, copy];
  return list.map((p, i) => (i === at ? copy : p));
}

function onReady(state, frame) {
  let { participants } = state;
  for (const p of frame.participants || []) participants = upsertParticipant(participants, p);
  const sources = { ...state.sources };
  for (const t of frame.tracks || []) sources[t.track_id] = t.source;
  return {
    ...state,
    you: frame.you,
    conversation: state.conversation || frame.conversation || null,
    recording: Boolean(frame.recording),
    participants,
    sources,
  };
}

function onMute(state, frame) {
  const { participant_id: id, source, muted } = frame;
  if (!state.participants.some((p) => p.id === id)) return state;
  return {
    ...state,
    participants: state.participants.map((p) => {
      if (p.id !== id) return p;
      const rest = p.muted.filter((s) => s !== source);
      return { ...p, muted: muted ? [...rest, source] : rest };
    }),
  };
}

function onParticipantLeft(state, frame) {
  const id = frame.participant_id;
  return {
    ...state,
    participants: state.participants.filter((p) => p.id !== id),
    remote: state.remote.filter((t) => t.participantId !== id),
  };
}

/** The state after server frame `frame`. */
export function applyFrame(state, frame) {
  switch (frame.type) {
    case 'ready':
      return onReady(state, frame);
    case 'participant_joined':
      return { ...state, participants: upsertParticipant(state.participants, frame.participant) };
    case 'participant_left':
      return onParticipantLeft(state, frame);
    case 'mute':
      return onMute(state, frame);
    case 'track_added':
      return { ...state, sources: { ...state.sources, [frame.track.track_id]: frame.track.source } };
    case 'track_removed':
      // Chromium names a received track by the server's track id (the SDP msid).
      return { ...state, remote: state.remote.filter((t) => t.id !== frame.track_id) };
    case 'recording':
      return { ...state, recording: Boolean(frame.active) };
    case 'ended':
      return state.phase === 'finished' ? state : finished(state, endText(frame.reason));
    case 'error':
      return { ...state, notice: noticeOf(frame.message, 'error') };
    case 'publish_answer':
    case 'subscribe_offer':
    case 'candidate':
    case 'pong':
    default:
      return state;
  }
}
