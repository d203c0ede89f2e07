// The body of the room page, which changes with the phase: nothing while
// loading or refused, the lobby card and the recordings before the room
// opens and after it ended, the stage while in the room (made anew on
// entering, released on leaving).

import { h } from '../../dom.js';

/** The body; `newStage(state)` builds the stage on entering the room. */
export function createRoomBody({ lobby, recordings, newStage }) {
  const element = h('div', { class: 'room-body' });
  let phase = null;
  let stage = null;

  function showPhase(state) {
    phase = state.phase;
    stage?.destroy();
    stage = phase === 'in_room' ? newStage(state) : null;
    if (stage) element.replaceChildren(stage.element);
    else if (phase === 'waiting' || phase === 'finished') element.replaceChildren(lobby.element, recordings.element);
    else element.replaceChildren();
  }

  function render(state) {
    if (state.phase !== phase) showPhase(state);
    if (stage) stage.render(state);
    else if (phase === 'waiting' || phase === 'finished') {
      lobby.render(state);
      recordings.render(state);
    }
  }

  /** Releases the stage (chat thread, audio elements) if shown. */
  function destroy() {
    stage?.destroy();
    stage = null;
  }

  return { element, render, destroy };
}
