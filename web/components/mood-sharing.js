// Mood sharing: what sharing means, said the same way in the first-use prompt
// and on the account page, and the account page's "Your mood" panel with its
// two switches (GET/PUT /api/v1/me/mood): lecturers, fellow students.
// Nobody sees anything until the user chooses (docs/privacy.md, "Mood").

import { api, isAbortError } from '../api.js';
import { h } from '../dom.js';
import { moodBadge, moodChart, correctionForm } from './mood.js';
import { relativeTime } from './format.js';

/** Sent on `window` when the user saved a choice (the first-use prompt then goes away). */
export const MOOD_CHOSEN_EVENT = 'chatterly:mood-chosen';

/** "Fellow students" for a student, "Students" for lecturers and admins. */
function studentsWord(role) {
  return role === 'student' ? 'Fellow students' : 'Students';
}

/** What is measured and who can see it, for a user with `role`: the words of the prompt and the panel. */
export function sharingExplanation(role) {
  return [
    h('p', {},
      'Every few minutes Chatterly estimates the mood of what you wrote in each conversation: an emotion (Very Sad to Very Happy) and an intensity (Very Muted to Very Excited). Nobody else sees it unless you choose them here.'),
    h('ul', { class: 'mood-audience' },
      h('li', {}, h('strong', {}, 'Lecturers'), ' you chat with (and admins you chat with) see your current mood next to your name, and lecturers see a chart of it over the last 14 days.'),
      h('li', {}, h('strong', {}, studentsWord(role)), ' you chat with see your current mood next to your name.'),
      h('li', {}, 'Each of them only sees what was measured in the conversations they are in with you, never your other conversations. What they see is the estimated mood; your messages are read only by the people in each conversation.'),
      h('li', {}, 'Someone who may see a reading can suggest a correction of it; an admin reviewing it reads the messages behind that reading only if the person suggesting it agreed.'),
      h('li', {}, 'If you choose nobody, nothing about your mood is measured. You can change this at any time on your Account page, where you also see everything measured about you and can delete it.')),
  ];
}

/** The two choices as checkboxes; ids get `prefix` so the prompt and the panel can coexist. */
export function sharingChoices(prefix, role) {
  const lecturersBox = h('input', { type: 'checkbox', id: `${prefix}-lecturers`, name: 'lecturers' });
  const studentsBox = h('input', { type: 'checkbox', id: `${prefix}-students`, name: 'students' });
  const element = h('div', { class: 'mood-choices', role: 'group', 'aria-label': 'Who sees my mood' },
    h('label', { class: 'switch-field', for: lecturersBox.id }, lecturersBox, ' Lecturers I chat with see my mood'),
    h('label', { class: 'switch-field', for: studentsBox.id }, studentsBox, ` ${studentsWord(role)} I chat with see my mood`));
  return {
    element,
    inputs: [lecturersBox, studentsBox],
    value: () => ({ lecturers: lecturersBox.checked, students: studentsBox.checked }),
    set: (data) => { lecturersBox.checked = !!data.lecturers; studentsBox.checked = !!data.students; },
  };
}

/** "Lecturers and fellow students see it", for the current choice of a user with `role`. */
export function audienceSentence(data, role) {
  const students = studentsWord(role);
  if (data.lecturers && data.students) return `Lecturers and ${students.toLowerCase()} you chat with see your mood.`;
  if (data.lecturers) return `Lecturers you chat with see your mood; ${students.toLowerCase()} do not.`;
  if (data.students) return `${students} you chat with see your mood; lecturers do not.`;
  return 'Sharing is off: nobody sees your mood and nothing is measured.';
}

export function createMoodSharingPanel({ signal, role }) {
  const choices = sharingChoices('mood-share', role);
  const status = h('p', { class: 'muted', role: 'status' });
  const summary = h('p', { class: 'mood-audience-summary' });
  const body = h('div', { class: 'mood-shared' });
  const element = h('section', { id: 'mood-panel', class: 'panel', 'aria-labelledby': 'mood-title' },
    h('h2', { id: 'mood-title' }, 'Your mood'),
    ...sharingExplanation(role),
    choices.element, summary, status, body);

  function show(data) {
    choices.set(data);
    summary.textContent = data.chosen ? audienceSentence(data, role) : 'You have not chosen yet, so nobody sees your mood.';
    const readings = data.readings || [];
    body.replaceChildren(
      h('p', {}, 'Your current mood: ', moodBadge(data.current)),
      readings.length ? moodChart(readings) : h('p', { class: 'muted' }, 'No readings in the last 14 days.'),
      readings.length ? h('details', {},
        h('summary', {}, `${readings.length} readings in the last 14 days`),
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

  for (const input of choices.inputs) {
    input.addEventListener('change', async () => {
      const wanted = choices.value();
      for (const i of choices.inputs) i.disabled = true;
      try {
        show(await api.put('/me/mood/sharing', wanted, { signal }));
        status.textContent = 'Saved.';
        window.dispatchEvent(new CustomEvent(MOOD_CHOSEN_EVENT));
      } catch (err) {
        if (!isAbortError(err)) {
          input.checked = !input.checked;
          status.textContent = err.message;
        }
      } finally {
        for (const i of choices.inputs) i.disabled = false;
      }
    });
  }

  return { element, load };
}
