// The room itself, once entered: the video grid, the recording indicator and
// the controls on the stage; who is in the room and its chat beside them.
// Composes the smaller views and renders them all from one state.

import { h } from '../../dom.js';
import { createVideoGrid } from './video-grid.js';
import { createRecordingIndicator } from './recording.js';
import { createControls } from './controls.js';
import { createPeopleList } from './people.js';
import { createRoomChat } from './chat.js';

/** The in-room layout; `on` holds the control handlers (see controls.js). */
export function createStage({ user, canManage, media, audioParent, on }) {
  const grid = createVideoGrid({ media, audioParent });
  const indicator = createRecordingIndicator();
  const controls = createControls({ canManage, on });
  const people = createPeopleList();
  const chat = createRoomChat({ user });
  const views = [grid, indicator, controls, people, chat];

  const element = h('div', { class: 'room-layout' },
    h('div', { class: 'room-stage' }, grid.element, indicator.element, controls.element),
    h('aside', { class: 'room-side' },
      h('h2', { class: 'room-side-title' }, 'In the room'), people.element,
      h('h2', { class: 'room-side-title' }, 'Chat'), chat.element),
  );

  return {
    element,
    /** Renders every part of the room from `state`. */
    render: (state) => views.forEach((v) => v.render(state)),
    /** Releases the chat thread and the audio elements. */
    destroy: () => { chat.destroy(); grid.destroy(); },
  };
}
