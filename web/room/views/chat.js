// The consultation's chat beside the video: the chat page's own thread view
// (#thread, #composer) over the shared chat session. The room's conversation
// is made when someone enters, so a student's first look may not have it
// yet: it appears once the state knows it (the room socket's `ready` frame).

import { h } from '../../dom.js';
import { chatSession } from '../../chat/session.js';
import { createThreadView } from '../../chat/views/thread.js';

/** The room chat panel for the signed-in `user`. */
export function createRoomChat({ user }) {
  const element = h('div', { class: 'room-chat' });
  let threadView = null;

  function render(state) {
    if (threadView || !state.conversation) return;
    const session = chatSession(user);
    session.open(state.conversation).catch(() => {});
    threadView = createThreadView({ session, id: state.conversation, onBack: () => {}, onLeave: () => {} });
    element.replaceChildren(threadView.element);
  }

  /** Stops the thread view listening to the chat store. */
  function destroy() {
    threadView?.destroy();
    threadView = null;
  }

  return { element, render, destroy };
}
