// Mood models admin page (#/admin/mood): model versions with held-out metrics
// against the baselines, two versions compared side by side with confusion
// heatmaps, activate / roll back, a "try a sentence" box, labelled-data
// upload, training with live progress, and review of corrections.

import { api, isAbortError } from '../api.js';
import { h, pageHeading } from '../dom.js';
import { localDateTime } from '../components/format.js';
import { confusionHeatmap, EMOTIONS, INTENSITIES, classLabel } from '../components/mood.js';

const pct = (x) => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '–');

function metricsRow(name, m) {
  return h('tr', {}, h('th', { scope: 'row' }, name),
    h('td', {}, pct(m?.accuracy)), h('td', {}, pct(m?.macro_f1)), h('td', {}, pct(m?.within_one)));
}

/** Metrics of one scale: the model against the two baselines (and the chat set). */
function scaleTable(scale, report) {
  const r = report?.[scale];
  if (!r) return h('p', { class: 'muted' }, 'No report.');
  return h('table', { class: 'metrics-table' },
    h('caption', {}, `${classLabel(scale)} (held-out ${r.test ?? r.model?.n ?? '?'} of ${(r.train ?? 0) + (r.test ?? 0)})`),
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Accuracy'), h('th', {}, 'Macro-F1'), h('th', {}, 'Within one'))),
    h('tbody', {},
      metricsRow('Model', r.model),
      metricsRow('Majority class', r.majority),
      metricsRow('Lexicon rules', r.lexicon),
      r.chat_eval ? metricsRow('Model on chat set', r.chat_eval) : null));
}

/** Arousal correlation and calibration of one scale (reports of models trained since format 2). */
function scaleExtras(scale, report) {
  const r = report?.[scale];
  if (!r) return null;
  const c = r.calibration;
  return h('div', { class: 'scale-extras', dataset: { scale } },
    r.arousal ? h('p', { class: 'arousal-r' },
      `Pearson r with human arousal (${r.arousal.n} held-out): model ${r.arousal.model_r.toFixed(3)}, lexicon rule ${r.arousal.lexicon_r.toFixed(3)}`) : null,
    c ? h('p', { class: 'calibration' },
      `Calibration: temperature ${c.temperature.toFixed(2)} (fitted on ${c.validation} validation examples); held-out ECE ${c.ece.toFixed(3)} (uncalibrated ${c.ece_uncalibrated.toFixed(3)})`) : null,
    c ? h('table', { class: 'metrics-table reliability' },
      h('caption', {}, `${classLabel(scale)} reliability (held-out)`),
      h('thead', {}, h('tr', {}, h('th', {}, 'Confidence'), h('th', {}, 'n'), h('th', {}, 'Mean confidence'), h('th', {}, 'Accuracy'))),
      h('tbody', {}, ...c.reliability.filter((b) => b.count > 0).map((b) => h('tr', {},
        h('th', { scope: 'row' }, `${pct(b.low)}–${pct(b.high)}`), h('td', {}, String(b.count)),
        h('td', {}, pct(b.confidence)), h('td', {}, pct(b.accuracy)))))) : null);
}

/** The data a version was trained on (recorded in its model file). */
function sourcesList(report) {
  const sources = report?.sources ?? [];
  if (!sources.length) return null;
  return h('ul', { class: 'model-sources' }, ...sources.map((s) => h('li', {},
    `${s.name}: ${s.examples} examples (${s.emotion_labels} emotion, ${s.intensity_labels} intensity labels), fingerprint ${s.fingerprint} — ${s.detail}`)));
}

function versionDetail(v) {
  if (!v) return h('p', { class: 'muted' }, 'Choose a version.');
  const report = v.report;
  return h('div', { class: 'version-detail' },
    h('h3', {}, v.name, v.active ? h('span', { class: 'badge badge-active' }, ' active') : null),
    sourcesList(report),
    scaleTable('emotion', report),
    scaleExtras('emotion', report),
    report?.emotion?.model?.confusion ? confusionHeatmap(report.emotion.model.confusion, EMOTIONS, 'Emotion confusion (held-out)') : null,
    scaleTable('intensity', report),
    scaleExtras('intensity', report),
    report?.intensity?.model?.confusion ? confusionHeatmap(report.intensity.model.confusion, INTENSITIES, 'Intensity confusion (held-out)') : null);
}

export function renderMoodAdmin(container, ctx) {
  const status = h('p', { id: 'mood-admin-status', class: 'status-message', role: 'status', hidden: true });
  const versionsBody = h('tbody', {});
  const compareA = h('select', { id: 'compare-a', 'aria-label': 'First version' });
  const compareB = h('select', { id: 'compare-b', 'aria-label': 'Second version' });
  const compare = h('div', { class: 'two-column compare' });
  const datasetsList = h('ul', { id: 'dataset-list', class: 'dataset-list' });
  const corrections = h('ul', { id: 'correction-list', class: 'correction-list' });
  const tryResult = h('p', { id: 'try-result', class: 'muted', 'aria-live': 'polite' });
  let versions = [];
  let poll = null;

  function say(kind, message) {
    status.hidden = false;
    status.className = `status-message ${kind === 'error' ? 'form-error' : 'form-success'}`;
    status.textContent = message;
  }
  const fail = (err) => { if (!isAbortError(err)) say('error', err.message); };

  async function activate(v) {
    try {
      await api.post(`/admin/mood/models/${v.id}/activate`, {}, { signal: ctx.signal });
      say('success', `${v.name} is active: every server uses it from the next window.`);
      await loadVersions();
    } catch (err) { fail(err); }
  }

  function versionRow(v) {
    const progress = v.status === 'training' ? `training: ${v.stage}…` : v.status === 'failed' ? `failed: ${v.error || ''}` : 'ready';
    return h('tr', { dataset: { versionId: v.id } },
      h('td', {}, v.name, v.active ? h('span', { class: 'badge badge-active' }, ' active') : null),
      h('td', { class: 'version-status' }, progress),
      h('td', {}, pct(v.report?.emotion?.model?.accuracy)),
      h('td', {}, pct(v.report?.emotion?.model?.macro_f1)),
      h('td', {}, pct(v.report?.intensity?.model?.accuracy)),
      h('td', {}, v.finished_at ? localDateTime(v.finished_at) : ''),
      h('td', {}, v.status === 'ready' && !v.active
        ? h('button', { type: 'button', class: 'button button-secondary', onClick: () => activate(v) }, 'Activate')
        : ''));
  }

  function renderCompare() {
    const a = versions.find((v) => String(v.id) === compareA.value);
    const b = versions.find((v) => String(v.id) === compareB.value);
    compare.replaceChildren(versionDetail(a), versionDetail(b));
  }

  async function loadVersions() {
    versions = await api.get('/admin/mood/models', { signal: ctx.signal }) || [];
    versionsBody.replaceChildren(...versions.map(versionRow));
    const ready = versions.filter((v) => v.status === 'ready');
    for (const [select, fallback] of [[compareA, ready.find((v) => v.active)], [compareB, ready.find((v) => !v.active)]]) {
      const keep = select.value;
      select.replaceChildren(...ready.map((v) => h('option', { value: String(v.id) }, v.name)));
      select.value = ready.some((v) => String(v.id) === keep) ? keep : String(fallback?.id ?? ready[0]?.id ?? '');
    }
    renderCompare();
    clearTimeout(poll);
    if (versions.some((v) => v.status === 'training')) poll = setTimeout(() => loadVersions().catch(fail), 1000);
  }

  async function loadDatasets() {
    const datasets = await api.get('/admin/mood/datasets', { signal: ctx.signal }) || [];
    datasetsList.replaceChildren(...datasets.map((d) => h('li', {},
      h('label', {}, h('input', { type: 'checkbox', name: 'dataset', value: String(d.id) }),
        ` ${d.name} — ${d.rows} rows (${d.emotion_labels} emotion, ${d.intensity_labels} intensity labels), ${d.source}`))));
    if (!datasets.length) datasetsList.append(h('li', { class: 'muted' }, 'No uploads yet.'));
  }

  async function review(c, approve) {
    try {
      await api.post(`/admin/mood/corrections/${c.id}/review`, { approve }, { signal: ctx.signal });
      await loadCorrections();
    } catch (err) { fail(err); }
  }

  async function loadCorrections() {
    const pending = await api.get('/admin/mood/corrections', { signal: ctx.signal }) || [];
    // The text is shown only when the correction's author agreed to share it;
    // without it a correction cannot become a training example, only be rejected.
    corrections.replaceChildren(...pending.map((c) => h('li', { class: 'panel', dataset: { correctionId: String(c.id) } },
      c.text_shared
        ? h('blockquote', {}, c.text)
        : h('p', { class: 'muted correction-private' }, 'The author did not agree to share the text, so it is not shown and this suggestion cannot be approved.'),
      h('p', {}, `Model said ${c.shown}; suggested: ${[c.emotion, c.intensity].filter(Boolean).map(classLabel).join(', ')}`),
      h('button', {
        type: 'button', class: 'button button-secondary', disabled: !c.text_shared, onClick: () => review(c, true),
      }, 'Approve'), ' ',
      h('button', { type: 'button', class: 'button button-ghost', onClick: () => review(c, false) }, 'Reject'))));
    if (!pending.length) corrections.append(h('li', { class: 'muted' }, 'No corrections waiting.'));
  }

  const uploadForm = h('form', { id: 'upload-form', class: 'stack' },
    h('label', {}, 'Dataset name ', h('input', { name: 'name', required: true, maxlength: 200 })),
    h('label', {}, 'CSV or TSV file (columns text, emotion, intensity) ', h('input', { type: 'file', name: 'file', accept: '.csv,.tsv,text/csv,text/tab-separated-values', required: true })),
    h('button', { type: 'submit', class: 'button' }, 'Upload'));
  uploadForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = uploadForm.file.files[0];
    if (!file) return;
    try {
      const type = /\.tsv$/i.test(file.name) || file.type === 'text/tab-separated-values'
        ? 'text/tab-separated-values' : 'text/csv';
      const d = await api.upload(`/admin/mood/datasets?name=${encodeURIComponent(uploadForm.name.value.trim())}`, file, type, { signal: ctx.signal });
      say('success', `Uploaded ${d.name}: ${d.rows} rows.`);
      uploadForm.reset();
      await loadDatasets();
    } catch (err) { fail(err); }
  });

  const trainForm = h('form', { id: 'train-form', class: 'stack' },
    h('label', {}, 'Version name ', h('input', { name: 'name', required: true, maxlength: 100 })),
    h('label', {}, h('input', { type: 'checkbox', name: 'builtin', checked: true }), ' Include the shipped VADER data'),
    h('label', {}, h('input', { type: 'checkbox', name: 'corrections' }), ' Include approved corrections'),
    h('p', { class: 'muted' }, 'Uploads to include:'), datasetsList,
    h('button', { type: 'submit', class: 'button' }, 'Train'));
  trainForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const datasets = [...trainForm.querySelectorAll('input[name=dataset]:checked')].map((i) => Number(i.value));
    try {
      const v = await api.post('/admin/mood/models', {
        name: trainForm.name.value.trim(), datasets,
        include_builtin: trainForm.builtin.checked, include_corrections: trainForm.corrections.checked,
      }, { signal: ctx.signal });
      say('success', `Training ${v.name} in the background…`);
      await loadVersions();
    } catch (err) { fail(err); }
  });

  const tryForm = h('form', { id: 'try-form', class: 'inline-form' },
    h('label', { class: 'visually-hidden', for: 'try-text' }, 'Text to classify'),
    h('input', { id: 'try-text', name: 'text', placeholder: 'Try a sentence…', maxlength: 10000 }),
    h('button', { type: 'submit', class: 'button button-secondary' }, 'Classify'));
  tryForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const r = await api.post('/admin/mood/classify', { text: tryForm.text.value, model: compareB.value ? Number(compareB.value) : undefined }, { signal: ctx.signal });
      const active = await api.post('/admin/mood/classify', { text: tryForm.text.value }, { signal: ctx.signal });
      tryResult.textContent = `Active (${active.model_name}): ${active.label}. ${r.model_name}: ${r.label}.`;
    } catch (err) { fail(err); }
  });

  const rollback = h('button', { type: 'button', id: 'rollback-button', class: 'button button-ghost' }, 'Roll back to the previous version');
  rollback.addEventListener('click', async () => {
    try {
      const v = await api.post('/admin/mood/rollback', {}, { signal: ctx.signal });
      say('success', `Rolled back: ${v.name} is active.`);
      await loadVersions();
    } catch (err) { fail(err); }
  });
  compareA.addEventListener('change', renderCompare);
  compareB.addEventListener('change', renderCompare);

  container.append(h('section', { id: 'mood-admin-page', class: 'page' },
    pageHeading('Mood models'), status,
    h('section', { class: 'panel' }, h('h2', {}, 'Versions'),
      h('table', { class: 'data-table', id: 'version-table' },
        h('thead', {}, h('tr', {}, ['Name', 'Status', 'Emotion acc.', 'Emotion F1', 'Intensity acc.', 'Trained', ''].map((t) => h('th', { scope: 'col' }, t)))),
        versionsBody),
      rollback),
    h('section', { class: 'panel' }, h('h2', {}, 'Compare'), h('p', {}, compareA, ' vs ', compareB), compare, tryForm, tryResult),
    h('div', { class: 'two-column' },
      h('section', { class: 'panel' }, h('h2', {}, 'Upload labelled data'), uploadForm),
      h('section', { class: 'panel' }, h('h2', {}, 'Train a new version'), trainForm)),
    h('section', { class: 'panel' }, h('h2', {}, 'Corrections to review'), corrections)));

  Promise.all([loadVersions(), loadDatasets(), loadCorrections()]).catch(fail);
  return () => clearTimeout(poll);
}
