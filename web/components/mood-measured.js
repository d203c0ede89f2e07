// "What was measured about me": every mood reading about the signed-in user
// (GET /api/v1/me/mood/readings, page by page) with its conversation, window,
// labels and probabilities, and one "Delete all" button that, once confirmed,
// deletes every reading, the current mood and their corrections
// (DELETE /api/v1/me/mood/readings); contacts' screens clear at once.

import { api, isAbortError } from '../api.js';
import { h } from '../dom.js';
import { classLabel, correctionForm, moodLabel } from './mood.js';
import { localDateTime } from './format.js';

const PAGE = 50;

/** "Sad 62% · Very Sad 20% · …" for a probability list [{class, p}]. */
function probabilities(list) {
  return (list || []).map(({ class: c, p }) => `${classLabel(c)} ${Math.round(p * 100)}%`).join(' · ');
}

/** One scale's explanation: the words that pushed towards the class and those that pushed away. */
function scaleWhy(title, x) {
  const item = (c) => h('li', { class: c.value > 0 ? 'pushed-towards' : 'pushed-away', dataset: { kind: c.kind } },
    `${c.value > 0 ? '▲' : '▼'} ${c.kind === 'words' ? `“${c.feature}”` : c.feature} (${c.value > 0 ? '+' : ''}${c.value.toFixed(2)})`);
  return h('div', { class: 'why-scale' },
    h('p', {}, h('strong', {}, `${title}: ${classLabel(x.class)}`), ` ${Math.round(x.probability * 100)}%${x.uncertain ? ' (uncertain)' : ''}`),
    h('ul', { class: 'why-list' }, ...x.top.map(item)));
}

/** "Why?": which of your words pushed each scale which way, and a form to suggest a correction. */
function whyButton(r, signal) {
  const panel = h('div', { class: 'reading-why', hidden: true });
  const button = h('button', { type: 'button', class: 'button button-ghost reading-why-button', 'aria-expanded': 'false' }, 'Why?');
  button.addEventListener('click', async () => {
    if (!panel.hidden) { panel.hidden = true; button.setAttribute('aria-expanded', 'false'); return; }
    try {
      const x = await api.get(`/me/mood/readings/${r.id}/explanation`, { signal });
      panel.replaceChildren(
        h('p', { class: 'muted' }, `From your ${x.message_count} message${x.message_count === 1 ? '' : 's'}: ▲ pushed towards the reading, ▼ away from it (the model's own weights, exactly).`),
        scaleWhy('Emotion', x.emotion), scaleWhy('Intensity', x.intensity),
        h('p', {}, 'Not right? Suggest what it should have been:'), correctionForm(r.id));
    } catch (err) {
      if (isAbortError(err)) return;
      panel.replaceChildren(h('p', { class: 'form-error' }, err.message));
    }
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
  });
  return [button, panel];
}

function readingItem(r, signal) {
  const where = r.conversation_name ? `in “${r.conversation_name}”` : 'in a conversation';
  const [why, panel] = whyButton(r, signal);
  return h('li', { class: 'measured-reading', dataset: { readingId: String(r.id), conversation: r.conversation || '' } },
    h('p', {}, h('strong', { class: 'reading-label' }, moodLabel(r)), ` ${where}, ${localDateTime(r.window_start)} – ${localDateTime(r.measured_at)}`,
      ` · ${r.message_count} message${r.message_count === 1 ? '' : 's'} `, why),
    h('p', { class: 'muted' }, `Emotion: ${probabilities(r.emotion_probabilities)}`),
    h('p', { class: 'muted' }, `Intensity: ${probabilities(r.intensity_probabilities)}`),
    panel);
}

export function createMoodMeasuredPanel({ signal, onDeleted }) {
  const list = h('ul', { id: 'measured-list', class: 'reading-list measured-list' });
  const status = h('p', { class: 'muted', role: 'status' });
  const more = h('button', { type: 'button', class: 'button button-ghost', hidden: true }, 'Show older readings');
  const deleteAll = h('button', { type: 'button', id: 'mood-delete-all', class: 'button button-danger-ghost', hidden: true }, 'Delete all');
  const confirmBox = h('div', { id: 'mood-delete-confirm', class: 'mood-delete-confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'mood-delete-question' });
  const element = h('section', { id: 'mood-measured', class: 'panel', 'aria-labelledby': 'measured-title' },
    h('div', { class: 'panel-head' }, h('h2', { id: 'measured-title' }, 'What was measured about me'), deleteAll),
    h('p', { class: 'muted' }, 'Every mood reading Chatterly stored about you, newest first: one per conversation and window in which you wrote.'),
    confirmBox, status, list, more);
  let next = null;
  let count = 0;

  function showConfirm() {
    const yes = h('button', { type: 'button', id: 'mood-delete-confirm-yes', class: 'button button-primary' }, 'Delete everything');
    const no = h('button', { type: 'button', class: 'button button-ghost' }, 'Cancel');
    confirmBox.replaceChildren(
      h('p', { id: 'mood-delete-question' }, 'Delete every reading about you, your current mood and every correction of them? This cannot be undone; your contacts stop seeing your mood at once.'),
      h('div', { class: 'dialog-actions' }, no, yes));
    confirmBox.hidden = false;
    deleteAll.disabled = true;
    no.addEventListener('click', () => { confirmBox.hidden = true; deleteAll.disabled = false; deleteAll.focus(); });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      try {
        const done = await api.delete('/me/mood/readings', { signal });
        confirmBox.hidden = true;
        deleteAll.disabled = false;
        await load();
        status.textContent = `Deleted ${done.deleted} reading${done.deleted === 1 ? '' : 's'}. Nothing measured about you is stored now.`;
        onDeleted?.();
      } catch (err) {
        if (!isAbortError(err)) { status.textContent = err.message; yes.disabled = false; }
      }
    });
    yes.focus();
  }

  async function page(before) {
    const query = before ? `?limit=${PAGE}&before=${before}` : `?limit=${PAGE}`;
    const data = await api.get(`/me/mood/readings${query}`, { signal });
    const readings = data?.readings || [];
    list.append(...readings.map((r) => readingItem(r, signal)));
    count += readings.length;
    next = data?.next_before ?? null;
    more.hidden = next == null;
    deleteAll.hidden = count === 0;
    status.textContent = count ? `${count}${next == null ? '' : '+'} reading${count === 1 ? '' : 's'}.` : 'Nothing has been measured about you.';
  }

  async function load() {
    list.replaceChildren();
    count = 0;
    try {
      await page(null);
    } catch (err) {
      if (!isAbortError(err)) status.textContent = err.message;
    }
  }

  more.addEventListener('click', () => page(next).catch((err) => {
    if (!isAbortError(err)) status.textContent = err.message;
  }));
  deleteAll.addEventListener('click', showConfirm);
  return { element, load };
}
