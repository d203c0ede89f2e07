// Mood display: a badge (icon + "Sad, Muted" + when it was measured), a small
// SVG chart of readings over time, a confusion-matrix heatmap for admins, and
// the "Suggest" form that proposes a correction of a reading.
// Moods come from the API and the `mood` WebSocket frame (docs/protocol.md).

import { api } from '../api.js';
import { h } from '../dom.js';
import { relativeTime } from './format.js';

const EMOTION_ICON = { very_sad: '😢', sad: '🙁', neutral: '😐', happy: '🙂', very_happy: '😄' };
export const EMOTIONS = ['very_sad', 'sad', 'neutral', 'happy', 'very_happy'];
export const INTENSITIES = ['very_muted', 'muted', 'neutral', 'excited', 'very_excited'];

/** "very_sad" -> "Very Sad". */
export function classLabel(code) {
  return String(code || '').split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/**
 * "Sad (uncertain), Muted (uncertain)": each scale whose calibrated probability
 * is below one half is marked, since the model is then more likely wrong than right.
 */
export function moodLabel(mood) {
  const part = (code, uncertain) => `${classLabel(code)}${uncertain ? ' (uncertain)' : ''}`;
  return `${part(mood.emotion, mood.emotion_uncertain)}, ${part(mood.intensity, mood.intensity_uncertain)}`;
}

/** A mood badge, or a muted "No mood shared" when mood is null. */
export function moodBadge(mood, { compact = false } = {}) {
  if (!mood) {
    return h('span', { class: 'mood-badge mood-none', title: 'No mood shared' }, compact ? '' : 'No mood shared');
  }
  const measured = relativeTime(mood.measured_at);
  const uncertain = mood.emotion_uncertain || mood.intensity_uncertain;
  return h('span', {
    class: `mood-badge mood-${mood.emotion}${uncertain ? ' mood-uncertain' : ''}`,
    dataset: { emotion: mood.emotion, intensity: mood.intensity, uncertain: uncertain ? 'true' : 'false' },
    title: `${moodLabel(mood)} · measured ${measured} from ${mood.message_count} message${mood.message_count === 1 ? '' : 's'}`,
  },
  h('span', { class: 'mood-icon', 'aria-hidden': 'true' }, uncertain ? '❔' : (EMOTION_ICON[mood.emotion] || '😐')),
  h('span', { class: 'mood-label' }, mood.label),
  uncertain ? h('span', { class: 'mood-uncertain-note' }, ' (uncertain)') : null,
  compact ? null : h('span', { class: 'mood-when muted' }, ` · ${measured}`));
}

/** Expected class on a -2..+2 scale from a probability list [{class, p}]. */
function expected(probabilities) {
  return (probabilities || []).reduce((sum, { p }, i) => sum + p * (i - 2), 0);
}

/**
 * A small chart of readings (newest first from the API): emotion (solid) and
 * intensity (dashed) on -2..+2 over time.
 */
export function moodChart(readings) {
  const W = 320; const H = 120; const PAD = 18;
  const points = [...readings].reverse();
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'mood-chart');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Mood over ${points.length} readings`);
  const line = (attrs) => {
    const el = document.createElementNS(svgNs, 'polyline');
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  };
  const y = (v) => H / 2 - (v / 2) * (H / 2 - PAD);
  line({ points: `${PAD},${y(0)} ${W - 4},${y(0)}`, class: 'mood-axis' });
  if (points.length) {
    const t0 = Date.parse(points[0].measured_at);
    const t1 = Date.parse(points[points.length - 1].measured_at);
    const x = (t) => PAD + (t1 === t0 ? (W - PAD) / 2 : ((t - t0) / (t1 - t0)) * (W - PAD - 6));
    const series = (key) => points.map((r) => `${x(Date.parse(r.measured_at)).toFixed(1)},${y(expected(r[key])).toFixed(1)}`).join(' ');
    line({ points: series('emotion_probabilities'), class: 'mood-line-emotion' });
    line({ points: series('intensity_probabilities'), class: 'mood-line-intensity' });
  }
  const caption = h('p', { class: 'muted mood-chart-legend' }, '— emotion (sad → happy)   ‒ ‒ intensity (muted → excited)');
  return h('figure', { class: 'mood-chart-figure' }, svg, caption);
}

/** A 5×5 confusion matrix ([actual][predicted]) as a heatmap table. */
export function confusionHeatmap(matrix, classes, caption) {
  const max = Math.max(1, ...matrix.flat());
  return h('table', { class: 'heatmap' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'actual ↓ / predicted →'),
      classes.map((c) => h('th', { scope: 'col' }, classLabel(c))))),
    h('tbody', {}, matrix.map((row, i) => h('tr', {},
      h('th', { scope: 'row' }, classLabel(classes[i])),
      row.map((n, j) => h('td', {
        class: i === j ? 'diagonal' : '',
        style: { backgroundColor: `rgba(37, 99, 235, ${(n / max) * 0.85})`, color: n / max > 0.5 ? '#fff' : '' },
      }, String(n)))))));
}

/** A select of classes with an empty "unchanged" option. */
function classSelect(name, classes, label) {
  return h('label', { class: 'field-inline' }, label,
    h('select', { name }, h('option', { value: '' }, '—'),
      classes.map((c) => h('option', { value: c }, classLabel(c)))));
}

/**
 * A small "Not right?" form that proposes a label for reading `id`, with a
 * "let an admin read the text" checkbox (off by default: the admin then sees
 * only the labels, and the suggestion cannot become a training example).
 */
export function correctionForm(readingId, onDone) {
  const status = h('span', { class: 'muted', role: 'status' });
  const share = h('input', { type: 'checkbox', name: 'share_text' });
  const form = h('form', { class: 'correction-form' },
    classSelect('emotion', EMOTIONS, 'Emotion '),
    classSelect('intensity', INTENSITIES, ' Intensity '),
    h('label', { class: 'field-inline', title: 'The messages this reading was measured from; without them an admin cannot use your suggestion to retrain the model' },
      share, ' Let an admin read the text'),
    h('button', { type: 'submit', class: 'button button-ghost', title: 'An admin reviews suggestions' }, 'Suggest'),
    status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = { reading: readingId, share_text: share.checked };
    if (form.emotion.value) body.emotion = form.emotion.value;
    if (form.intensity.value) body.intensity = form.intensity.value;
    try {
      await api.post('/mood/corrections', body);
      status.textContent = share.checked
        ? 'Thanks: an admin will review it, reading the messages of that reading to label them.'
        : 'Thanks: an admin will review it without seeing the messages (so it cannot retrain the model).';
      onDone?.();
    } catch (err) {
      status.textContent = err.message;
    }
  });
  return form;
}
