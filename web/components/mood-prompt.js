// The first-use mood prompt: shown after sign-in, above every page, until the
// user answers it (GET /api/v1/me/mood says `chosen: false`). It says who will
// see what and offers the two choices; saving records the answer
// (PUT /api/v1/me/mood/sharing). It is a panel, not a modal: the rest of the
// app stays usable, and nothing is shared or measured until it is answered.

import { api, isAbortError } from '../api.js';
import { h } from '../dom.js';
import {
  sharingChoices, sharingExplanation, audienceSentence, MOOD_CHOSEN_EVENT,
} from './mood-sharing.js';

/**
 * Creates the prompt controller; `mount(element)` is where the panel goes.
 * Returns { check(user), hide() }: check shows the prompt for a signed-in user
 * who has not chosen yet (once per user per page load), hide removes it.
 */
export function createMoodPrompt(mount) {
  let checkedFor = null;
  let element = null;
  let controller = null;

  function hide() {
    controller?.abort();
    controller = null;
    element?.remove();
    element = null;
  }

  function show(role) {
    controller = new AbortController();
    const { signal } = controller;
    const choices = sharingChoices('mood-prompt', role);
    const status = h('p', { class: 'form-error', role: 'alert', hidden: true });
    const save = h('button', { type: 'submit', class: 'button button-primary', id: 'mood-prompt-save' }, 'Save my choice');
    const form = h('form', { class: 'stack-form' }, choices.element, status,
      h('div', { class: 'dialog-actions' }, save));
    element = h('section', {
      id: 'mood-prompt', class: 'panel mood-prompt', role: 'dialog', 'aria-modal': 'false',
      'aria-labelledby': 'mood-prompt-title',
    },
    h('h2', { id: 'mood-prompt-title' }, 'Who may see your mood?'),
    ...sharingExplanation(role),
    form);
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      save.disabled = true;
      status.hidden = true;
      try {
        const answer = await api.put('/me/mood/sharing', choices.value(), { signal });
        const done = h('p', { role: 'status' }, `Saved. ${audienceSentence(answer, role)}`);
        form.replaceWith(done);
        setTimeout(hide, 2500);
      } catch (err) {
        if (isAbortError(err)) return;
        status.textContent = err.message;
        status.hidden = false;
        save.disabled = false;
      }
    });
    mount(element);
  }

  async function check(user) {
    if (!user) {
      checkedFor = null;
      hide();
      return;
    }
    if (checkedFor === user.id) return;
    checkedFor = user.id;
    hide();
    try {
      const mine = await api.get('/me/mood', { redirectOn401: false });
      if (mine && !mine.chosen && checkedFor === user.id && !element) show(user.role);
    } catch (err) {
      if (!isAbortError(err)) console.warn('Could not load the mood sharing choice', err);
    }
  }

  window.addEventListener(MOOD_CHOSEN_EVENT, hide);
  return { check, hide };
}
