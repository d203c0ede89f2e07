// Room page (#/room/<consultation id>): the consultation's video room.
//   - Before it opens: when it opens; the lecturer can open it now.
//   - In the room: local preview, a grid of everyone else's video (and
//     screen shares), microphone / camera / screen-share toggles, leave; the
//     lecturer can record it and end it for everyone. Who is present, and the
//     consultation's chat, sit beside the video.
//   - Before and after: the consultation's recordings, to replay.
// Media goes through the server's forwarding unit (web/room/client.js).

import { h, pageHeading } from '../dom.js';
import { api } from '../api.js';
import { chatSession } from '../chat/session.js';
import { createThreadView } from '../chat/views/thread.js';
import { createRoomClient } from '../room/client.js';

const END_TEXT = {
  ended_by_lecturer: 'The lecturer ended the consultation.',
  time_up: 'The consultation time is over.',
  cancelled: 'The consultation was cancelled.',
  removed: 'You no longer have a place in this consultation.',
  too_slow: 'The connection was too slow to keep up. Rejoin to continue.',
  shutdown: 'The server is restarting. Rejoin in a moment.',
};

function timeText(iso, tz) {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  }).format(new Date(iso));
}

/** Why no camera or microphone could be used, in words a person can act on. */
export function mediaProblem(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'Camera and microphone are blocked for this site. You can still see, hear and chat; allow them in your browser’s site settings and rejoin to be seen and heard.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera or microphone was found. You can still see, hear and chat.';
    case 'NotReadableError':
      return 'Your camera or microphone is in use by another program. Close it and rejoin.';
    default:
      return 'Camera and microphone are not available here. You can still see, hear and chat.';
  }
}

/** The local camera and microphone: both, else the microphone alone, else nothing. */
async function localMedia() {
  if (!navigator.mediaDevices?.getUserMedia) {
    return { stream: null, problem: mediaProblem({ name: 'NotSupportedError' }) };
  }
  try {
    return { stream: await navigator.mediaDevices.getUserMedia({ audio: true, video: true }), problem: null };
  } catch (err) {
    if (err?.name === 'NotFoundError' || err?.name === 'OverconstrainedError') {
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        return { stream, problem: 'No camera was found: others will hear you but not see you.' };
      } catch { /* fall through */ }
    }
    return { stream: null, problem: mediaProblem(err) };
  }
}

/** The consultation's recordings, to replay in the page (filled in when loaded). */
function createRecordings(id, tz) {
  const list = h('div', { id: 'recordings', class: 'recordings' });
  const section = h('section', { class: 'room-recordings card', hidden: true },
    h('h2', { class: 'room-side-title' }, 'Recordings'), list);
  async function refresh() {
    let data;
    try {
      data = await api.get(`/consultations/${encodeURIComponent(id)}/recordings`);
    } catch {
      return;
    }
    const done = (data.recordings || []).filter((r) => r.stopped_at && r.files.length > 0);
    section.hidden = done.length === 0;
    list.replaceChildren(...done.map((r) => h('article', { class: 'recording', dataset: { recording: r.id } },
      h('p', { class: 'muted' }, `Recorded ${timeText(r.started_at, tz)}`),
      ...r.files.map((f) => h('figure', { class: 'recording-file' },
        f.kind === 'audio'
          ? h('audio', { controls: true, preload: 'metadata', src: f.url })
          : h('video', { controls: true, preload: 'metadata', src: f.url }),
        h('figcaption', {}, `${f.display_name} · ${f.source}`))),
    )));
  }
  return { section, refresh };
}

export function renderRoom(container, ctx) {
  const id = window.location.hash.replace(/^#\/room\//, '').split('?')[0];
  const tz = ctx.user.time_zone;
  const title = pageHeading('Consultation room');
  const subtitle = h('p', { class: 'muted room-subtitle' });
  const notice = h('p', { id: 'room-notice', class: 'form-message', role: 'status', hidden: true });
  const body = h('div', { class: 'room-body' });
  const page = h('section', { id: 'room-page', class: 'page room-page' },
    h('div', { class: 'room-head' }, h('div', {}, title, subtitle)),
    notice,
    body,
  );
  container.append(page);

  let client = null;
  let local = null;
  let threadView = null;
  let pollTimer = null;
  let room = null;
  const recordings = createRecordings(id, tz);
  const recordingsSection = () => {
    recordings.refresh();
    return recordings.section;
  };

  function say(text, kind = 'info') {
    notice.textContent = text || '';
    notice.className = text ? `form-message form-${kind}` : 'form-message';
    notice.hidden = !text;
  }

  async function load() {
    try {
      room = await api.get(`/consultations/${encodeURIComponent(id)}/room`, { signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) return;
      body.replaceChildren();
      say(err.status === 403 ? 'Only the lecturer and the booked students can enter this room.'
        : err.status === 404 ? 'There is no such consultation.' : err.message, 'error');
      return;
    }
    title.textContent = room.topic;
    subtitle.textContent = `${timeText(room.starts_at, tz)} with ${room.lecturer.display_name}`;
    if (room.open) enter();
    else waiting();
  }

  function waiting() {
    const opens = new Date(room.opens_at);
    const over = new Date(room.closes_at) <= new Date();
    const open = room.can_manage && !over
      ? h('button', { type: 'button', id: 'open-room-button', class: 'button button-primary', onclick: openNow }, 'Open the room now')
      : null;
    body.replaceChildren(h('div', { class: 'room-waiting card' },
      h('p', { id: 'room-state' }, over
        ? 'This room is closed.'
        : `The room opens ${timeText(opens.toISOString(), tz)}.`),
      open,
    ), recordingsSection());
    clearTimeout(pollTimer);
    if (!over) pollTimer = setTimeout(load, Math.min(Math.max(opens - Date.now(), 5000), 60000));
  }

  async function openNow() {
    try {
      room = await api.post(`/consultations/${encodeURIComponent(id)}/room/open`);
      enter();
    } catch (err) {
      say(err.message, 'error');
    }
  }

  function enter() {
    const grid = h('div', { id: 'video-grid', class: 'video-grid' });
    const people = h('ul', { id: 'room-people', class: 'room-people' });
    const chat = h('div', { class: 'room-chat' });
    const micButton = h('button', { type: 'button', id: 'mic-button', class: 'button button-ghost', 'aria-pressed': 'false', disabled: true }, 'Mute');
    const camButton = h('button', { type: 'button', id: 'camera-button', class: 'button button-ghost', 'aria-pressed': 'false', disabled: true }, 'Camera off');
    const shareButton = h('button', { type: 'button', id: 'share-button', class: 'button button-ghost', 'aria-pressed': 'false' }, 'Share screen');
    const leaveButton = h('button', { type: 'button', id: 'leave-button', class: 'button button-danger-ghost' }, 'Leave');
    const endButton = room.can_manage
      ? h('button', { type: 'button', id: 'end-button', class: 'button button-danger-ghost' }, 'End for everyone')
      : null;
    const recordButton = room.can_manage
      ? h('button', { type: 'button', id: 'record-button', class: 'button button-ghost', 'aria-pressed': 'false' }, 'Record')
      : null;
    const recordingBadge = h('p', { id: 'recording-indicator', class: 'recording-indicator', role: 'status', hidden: true },
      '● Recording: this consultation is being recorded for its participants.');
    const preview = h('video', { id: 'local-video', autoplay: true, playsinline: true, muted: true });
    preview.muted = true;
    const localTile = h('figure', { class: 'video-tile local-tile' }, preview, h('figcaption', {}, 'You'));
    grid.append(localTile);
    body.replaceChildren(
      h('div', { class: 'room-layout' },
        h('div', { class: 'room-stage' },
          grid,
          recordingBadge,
          h('div', { class: 'room-controls', role: 'toolbar', 'aria-label': 'Call controls' },
            micButton, camButton, shareButton, recordButton, leaveButton, endButton),
        ),
        h('aside', { class: 'room-side' },
          h('h2', { class: 'room-side-title' }, 'In the room'), people,
          h('h2', { class: 'room-side-title' }, 'Chat'), chat),
      ),
    );

    const participants = new Map(); // participant id -> view
    const tiles = new Map(); // track id -> tile
    const audios = new Map(); // track id -> audio element
    const sources = new Map(); // server track id -> camera / microphone / screen
    let you = null;
    let screen = null; // { sender, track }

    function renderPeople() {
      people.replaceChildren(...[...participants.values()].map((p) => {
        const muted = p.muted.includes('microphone') ? ' (muted)' : '';
        const role = p.lecturer ? ' · lecturer' : '';
        return h('li', { class: 'room-person', dataset: { participant: p.id } },
          `${p.display_name}${p.id === you ? ' (you)' : ''}${role}${muted}`);
      }));
      for (const tile of grid.querySelectorAll('.remote-tile')) {
        const p = participants.get(tile.dataset.participant);
        const caption = tile.querySelector('figcaption');
        if (p && caption) caption.textContent = `${p.display_name}${tile.dataset.screen ? ' · screen' : ''}`;
        tile.classList.toggle('camera-off', Boolean(p?.muted.includes('camera')) && !tile.dataset.screen);
      }
    }

    function addRemote({ participantId, track, stream }) {
      if (track.kind === 'audio') {
        const audio = h('audio', { autoplay: true, dataset: { participant: participantId } });
        audio.srcObject = new MediaStream([track]);
        audios.set(track.id, audio);
        page.append(audio);
        track.addEventListener('ended', () => { audio.remove(); audios.delete(track.id); });
        return;
      }
      // Chromium names a received track by the server's track id; elsewhere, a second video
      // from the same person is taken to be their screen.
      const hasCamera = [...tiles.values()].some((t) => t.dataset.participant === participantId && !t.dataset.screen);
      const isScreen = sources.has(track.id) ? sources.get(track.id) === 'screen' : hasCamera;
      const video = h('video', { autoplay: true, playsinline: true, muted: true });
      video.muted = true;
      video.srcObject = new MediaStream([track]);
      const tile = h('figure', {
        class: 'video-tile remote-tile',
        dataset: { participant: participantId, track: track.id, ...(isScreen ? { screen: '1' } : {}) },
      }, video, h('figcaption', {}));
      tiles.set(track.id, tile);
      grid.append(tile);
      const remove = () => { tile.remove(); tiles.delete(track.id); };
      track.addEventListener('ended', remove);
      stream?.addEventListener('removetrack', (e) => { if (e.track === track) remove(); });
      renderPeople();
    }

    function removeParticipantTiles(participantId) {
      for (const [trackId, tile] of tiles) {
        if (tile.dataset.participant === participantId) { tile.remove(); tiles.delete(trackId); }
      }
      for (const [trackId, audio] of audios) {
        if (audio.dataset.participant === participantId) { audio.remove(); audios.delete(trackId); }
      }
    }

    function finish(text, kind = 'info') {
      client = null;
      stopLocal();
      say(text, kind);
      body.replaceChildren(h('div', { class: 'room-waiting card' },
        h('p', { id: 'room-state' }, text),
        h('a', { class: 'button button-secondary', href: '#/calendar' }, 'Back to the calendar')),
      recordingsSection());
    }

    function showRecording(active) {
      recordingBadge.hidden = !active;
      if (recordButton) {
        recordButton.textContent = active ? 'Stop recording' : 'Record';
        recordButton.setAttribute('aria-pressed', String(active));
      }
    }

    client = createRoomClient(id, {
      onReady: async (ready) => {
        you = ready.you;
        showChat(ready.conversation);
        showRecording(ready.recording);
        for (const p of ready.participants) participants.set(p.id, p);
        for (const t of ready.tracks) sources.set(t.track_id, t.source);
        renderPeople();
        const media = await localMedia();
        if (!client) { media.stream?.getTracks().forEach((t) => t.stop()); return; }
        local = media.stream;
        if (media.problem) say(media.problem, 'error');
        if (!local) return;
        preview.srcObject = local;
        for (const track of local.getTracks()) {
          await client.publish(track, local, track.kind === 'audio' ? 'microphone' : 'camera');
        }
        micButton.disabled = local.getAudioTracks().length === 0;
        camButton.disabled = local.getVideoTracks().length === 0;
      },
      onFrame: (frame) => {
        if (frame.type === 'track_added') {
          sources.set(frame.track.track_id, frame.track.source);
        } else if (frame.type === 'participant_joined') {
          participants.set(frame.participant.id, frame.participant);
        } else if (frame.type === 'participant_left') {
          participants.delete(frame.participant_id);
          removeParticipantTiles(frame.participant_id);
        } else if (frame.type === 'mute') {
          const p = participants.get(frame.participant_id);
          if (p) {
            p.muted = p.muted.filter((s) => s !== frame.source);
            if (frame.muted) p.muted.push(frame.source);
          }
        } else if (frame.type === 'track_removed') {
          // Chromium names a received track by the server's track id (the SDP msid).
          const tile = tiles.get(frame.track_id);
          if (tile) { tile.remove(); tiles.delete(frame.track_id); }
          const audio = audios.get(frame.track_id);
          if (audio) { audio.remove(); audios.delete(frame.track_id); }
        } else if (frame.type === 'recording') {
          showRecording(frame.active);
        } else if (frame.type === 'ended') {
          finish(END_TEXT[frame.reason] || 'The consultation ended.');
          return;
        }
        renderPeople();
      },
      onRemoteTrack: addRemote,
      onError: (frame) => say(frame.message, 'error'),
      onClose: () => { if (client) finish('The connection to the room was lost. Reload the page to rejoin.', 'error'); },
    });

    function toggle(button, source, kind, onText, offText) {
      const track = local?.getTracks().find((t) => t.kind === kind);
      if (!track) return;
      track.enabled = !track.enabled;
      const muted = !track.enabled;
      button.textContent = muted ? offText : onText;
      button.setAttribute('aria-pressed', String(muted));
      client?.mute(source, muted);
    }
    micButton.addEventListener('click', () => toggle(micButton, 'microphone', 'audio', 'Mute', 'Unmute'));
    camButton.addEventListener('click', () => toggle(camButton, 'camera', 'video', 'Camera off', 'Camera on'));

    async function stopSharing() {
      if (!screen) return;
      const { sender, track } = screen;
      screen = null;
      track.stop();
      shareButton.textContent = 'Share screen';
      shareButton.setAttribute('aria-pressed', 'false');
      await client?.unpublish(sender);
    }
    shareButton.addEventListener('click', async () => {
      if (screen) { await stopSharing(); return; }
      if (!navigator.mediaDevices?.getDisplayMedia) { say('This browser cannot share its screen.', 'error'); return; }
      try {
        const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
        const [track] = stream.getVideoTracks();
        track.addEventListener('ended', stopSharing);
        const sender = await client.publish(track, stream, 'screen');
        screen = { sender, track };
        shareButton.textContent = 'Stop sharing';
        shareButton.setAttribute('aria-pressed', 'true');
      } catch (err) {
        if (err?.name !== 'NotAllowedError') say('The screen could not be shared.', 'error');
      }
    });
    leaveButton.addEventListener('click', () => {
      client?.leave();
      finish('You left the room.');
    });
    recordButton?.addEventListener('click', async () => {
      const active = recordButton.getAttribute('aria-pressed') !== 'true';
      recordButton.disabled = true;
      try {
        const list = await api.post(`/consultations/${encodeURIComponent(id)}/room/recording`, { active });
        showRecording(list.recording);
      } catch (err) {
        say(err.message, 'error');
      } finally {
        recordButton.disabled = false;
      }
    });
    endButton?.addEventListener('click', async () => {
      if (!window.confirm('End the consultation for everyone?')) return;
      try {
        await api.post(`/consultations/${encodeURIComponent(id)}/room/close`);
      } catch (err) {
        say(err.message, 'error');
      }
    });

    // The chat beside the video; the room's conversation is made when someone enters, so a
    // student's first look may not have it yet: the room socket's `ready` frame brings it.
    function showChat(conversationId) {
      if (threadView || !conversationId) return;
      const session = chatSession(ctx.user);
      session.open(conversationId).catch(() => {});
      threadView = createThreadView({ session, id: conversationId, onBack: () => {}, onLeave: () => {} });
      chat.replaceChildren(threadView.element);
    }
    showChat(room.conversation_id);
  }

  function stopLocal() {
    local?.getTracks().forEach((t) => t.stop());
    local = null;
  }

  load();

  return () => {
    clearTimeout(pollTimer);
    client?.leave();
    client = null;
    stopLocal();
    threadView?.destroy();
  };
}
