// What the user does in the room, behind the call controls: mute the
// microphone, turn the camera off, share the screen, and (the lecturer)
// record or end the room. Each command changes the media, tells the server
// (room socket or REST) and records the outcome in the store.

import { canShareScreen, pickScreen } from './media.js';
import { closeRoom, setRecording } from './rest.js';

/** The commands of room `id`, acting through `session`'s client. */
export function createRoomCommands({ id, store, media, session }) {
  const notice = (text) => store.act({ type: 'notice', text, kind: 'error' });

  // Turns the local track of `kind` on or off and tells the others.
  function toggle(kind, source) {
    const track = media.local?.getTracks().find((t) => t.kind === kind);
    if (!track) return;
    track.enabled = !track.enabled;
    store.act({ type: 'local_muted', source, muted: !track.enabled });
    session.client?.mute(source, !track.enabled);
  }

  async function stopSharing() {
    const { screen } = media;
    if (!screen) return;
    media.screen = null;
    screen.track.stop();
    store.act({ type: 'sharing', active: false });
    await session.client?.unpublish(screen.sender);
  }

  async function startSharing() {
    if (!canShareScreen()) { notice('This browser cannot share its screen.'); return; }
    try {
      const { stream, track } = await pickScreen();
      track.addEventListener('ended', stopSharing);
      const sender = await session.client.publish(track, stream, 'screen');
      media.screen = { sender, track };
      store.act({ type: 'sharing', active: true });
    } catch (err) {
      if (err?.name !== 'NotAllowedError') notice('The screen could not be shared.');
    }
  }

  return {
    /** Mutes or unmutes the microphone. */
    mic: () => toggle('audio', 'microphone'),
    /** Turns the camera off or on. */
    camera: () => toggle('video', 'camera'),
    /** Shares the screen, or stops sharing it. */
    share: () => (media.screen ? stopSharing() : startSharing()),
    /** Starts or stops recording (the lecturer). */
    async record() {
      store.act({ type: 'recording_busy', busy: true });
      try {
        const list = await setRecording(id, !store.state.recording);
        store.dispatch({ type: 'recording', active: list.recording });
      } catch (err) {
        notice(err.message);
      } finally {
        store.act({ type: 'recording_busy', busy: false });
      }
    },
    /** Ends the room for everyone, once the lecturer confirms. */
    async end() {
      if (!window.confirm('End the consultation for everyone?')) return;
      try {
        await closeRoom(id);
      } catch (err) {
        notice(err.message);
      }
    },
    /** Leaves the room. */
    leave: () => session.leave(),
  };
}
