// Room page (#/room/<consultation id>): the consultation's video room.
//   - Before it opens: when it opens; the lecturer can open it now.
//   - In the room: local preview, a grid of everyone else's video (and
//     screen shares), microphone / camera / screen-share toggles, leave; the
//     lecturer can record it and end it for everyone. Who is present, and the
//     consultation's chat, sit beside the video.
//   - Before and after: the consultation's recordings, to replay.
// This file only wires: state is in room/store.js (changed by the pure
// room/frames.js and room/events.js), the connection and media in
// room/session.js and room/commands.js (over room/client.js), and each part
// of the page is a view in room/views/ rendered from the state.

import { h } from '../dom.js';
import { createRoomStore } from '../room/store.js';
import { createMediaRegistry, createRoomSession } from '../room/session.js';
import { createRoomCommands } from '../room/commands.js';
import { loadRecordings, loadRoom, openRoom } from '../room/rest.js';
import { isOver, pollDelay } from '../room/time.js';
import { createNotice, createRoomHeader } from '../room/views/status.js';
import { createLobby } from '../room/views/lobby.js';
import { createRecordings } from '../room/views/recordings.js';
import { createRoomBody } from '../room/views/body.js';
import { createStage } from '../room/views/stage.js';

/** Renders the room page into `container`; returns its cleanup. */
export function renderRoom(container, ctx) {
  const id = window.location.hash.replace(/^#\/room\//, '').split('?')[0];
  const tz = ctx.user.time_zone;
  const store = createRoomStore();
  const media = createMediaRegistry();
  const session = createRoomSession({ id, store, media, onFinished: refreshRecordings });
  const commands = createRoomCommands({ id, store, media, session });
  const header = createRoomHeader({ tz });
  const notice = createNotice();
  const body = createRoomBody({
    lobby: createLobby({ tz, onOpen: openNow }),
    recordings: createRecordings({ tz }),
    newStage: (state) => createStage({
      user: ctx.user, canManage: Boolean(state.room?.can_manage), media, audioParent: page, on: commands,
    }),
  });
  const page = h('section', { id: 'room-page', class: 'page room-page' }, header.element, notice.element, body.element);
  container.append(page);
  let pollTimer = null;

  async function load() {
    let room;
    try {
      room = await loadRoom(id, ctx.signal);
    } catch (err) {
      if (!ctx.signal.aborted) store.act({ type: 'room_failed', status: err.status, message: err.message });
      return;
    }
    store.act({ type: 'room_loaded', room });
    if (store.state.phase === 'in_room') enter();
    else if (store.state.phase === 'waiting') waitForOpening(room);
  }

  // Looks again by itself until the room opens (or its time is over).
  function waitForOpening(room) {
    refreshRecordings();
    clearTimeout(pollTimer);
    if (!isOver(room)) pollTimer = setTimeout(load, pollDelay(room));
  }

  async function openNow() {
    try {
      store.act({ type: 'room_opened', room: await openRoom(id) });
      enter();
    } catch (err) {
      store.act({ type: 'notice', text: err.message, kind: 'error' });
    }
  }

  function enter() {
    clearTimeout(pollTimer);
    session.connect();
  }

  async function refreshRecordings() {
    try {
      store.act({ type: 'recordings_loaded', recordings: await loadRecordings(id) });
    } catch { /* keep what is shown */ }
  }

  const unsubscribe = store.subscribe((state) => {
    header.render(state);
    notice.render(state);
    body.render(state);
  });
  load();

  return () => {
    clearTimeout(pollTimer);
    unsubscribe();
    session.destroy();
    body.destroy();
  };
}
