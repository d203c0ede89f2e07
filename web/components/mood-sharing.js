// Account settings panel "Your mood": the sharing switch and exactly what is
// shared (GET/PUT /api/v1/me/mood): the current mood contacts see and the
// readings of the last 14 days, each correctable.

import { api, isAbortError } from '../api.js';
import { h } from '../dom.js';
import { moodBadge, moodChart, correctionForm } from './mood.js';
import { relativeTime } from './format.js';

export function createMoodSharingPanel({ signal }) {
  const toggle = h('input', { type: 'checkbox', id: 'mood-sharing', name: 'mood_sharing' });
  const status = h('p', { class: 'muted', role: 'status' });
  const body = h('div', { class: 'mood-shared' });
  const element = h('section', { id: 'mood-panel', class: 'panel', 'aria-labelledby': 'mood-title' },
    h('h2', { id: 'mood-title' }, 'Your mood'),
    h('p', { class: 'muted' },
      'Every few minutes Chatterly estimates the mood of what you wrote (emotion and intensity) and shows it to the people you chat with, so lecturers can notice when someone is struggling.'),
    h('label', { class: 'switch-field', for: 'mood-sharing' }, toggle, ' Share my mood with my contacts'),
    status, body);

  function show(data) {
    toggle.checked = !!data.sharing;
    if (!data.sharing) {
      body.replaceChildren(h('p', {}, 'Sharing is off: nothing about your mood is measured, stored from now on, pushed or shown.'));
      return;
    }
    const readings = data.readings || [];
    body.replaceChildren(
      h('p', {}, 'Your contacts see: ', moodBadge(data.current)),
      readings.length ? moodChart(readings) : h('p', { class: 'muted' }, 'No readings in the last 14 days.'),
      readings.length ? h('details', {},
        h('summary', {}, `${readings.length} readings (lecturers among your contacts can see these)`),
        h('ul', { class: 'reading-list' }, readings.slice(0, 20).map((r) => h('li', {},
          `${r.label} · ${relativeTime(r.measured_at)} · ${r.message_count} message${r.message_count === 1 ? '' : 's'} `,
          correctionForm(r.id))))) : null,
    );
  }

  async function load() {
    try {
      show(await api.get('/me/mood', { signal }));
    } catch (err) {
      if (!isAbortError(err)) status.textContent = err.message;
    }
  }

  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      show(await api.put('/me/mood/sharing', { enabled: toggle.checked }, { signal }));
      status.textContent = toggle.checked ? 'Mood sharing is on.' : 'Mood sharing is off.';
    } catch (err) {
      if (!isAbortError(err)) {
        toggle.checked = !toggle.checked;
        status.textContent = err.message;
      }
    } finally {
      toggle.disabled = false;
    }
  });

  return { element, load };
}
