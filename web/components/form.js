// Form building helpers: labelled fields with hints, the shared
// `.form-error` alert area, success messages and busy-state handling.

import { h } from '../dom.js';

let fieldCounter = 0;

/**
 * Labelled input wrapped in a .field div.
 * Options: label, name, type, value, hint, autocomplete, required, id, attrs.
 */
export function field({ label, name, type = 'text', value = '', hint, autocomplete, required, id, attrs = {} }) {
  const inputId = id || `field-${name}-${++fieldCounter}`;
  const hintId = hint ? `${inputId}-hint` : null;
  const input = h('input', {
    id: inputId, name, type, value, autocomplete, required,
    'aria-describedby': hintId, ...attrs,
  });
  return h('div', { class: 'field' },
    h('label', { for: inputId }, label),
    input,
    hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null,
  );
}

/** The alert area for API / validation errors (hidden until used). */
export function formError() {
  return h('p', { class: 'form-error', role: 'alert', hidden: true });
}

/** Polite status area for success messages (hidden until used). */
export function formSuccess() {
  return h('p', { class: 'form-success', role: 'status', hidden: true });
}

/** Shows a message in a .form-error/.form-success element. */
export function showMessage(el, message) {
  el.textContent = message;
  el.hidden = false;
}

/** Hides and empties a message element. */
export function clearMessage(el) {
  el.textContent = '';
  el.hidden = true;
}

/** Disables the form's submit button while a request is in flight. */
export function setBusy(form, busy, busyLabel) {
  const button = form.querySelector('button[type="submit"]');
  form.setAttribute('aria-busy', busy ? 'true' : 'false');
  if (!button) return;
  if (busy) {
    button.dataset.label = button.textContent;
    if (busyLabel) button.textContent = busyLabel;
  } else if (button.dataset.label) {
    button.textContent = button.dataset.label;
  }
  button.disabled = busy;
}

/** Reads the form's named fields into a plain object of trimmed strings. */
export function formValues(form, { trim = true } = {}) {
  const values = {};
  for (const [key, value] of new FormData(form).entries()) {
    values[key] = trim && key !== 'password' ? String(value).trim() : String(value);
  }
  return values;
}

/** Lists the labels of required fields that are empty, or [] when complete. */
export function missingFields(form) {
  return [...form.querySelectorAll('[required]')]
    .filter((input) => !String(input.value).trim())
    .map((input) => form.querySelector(`label[for="${input.id}"]`)?.textContent || input.name);
}

/** Time zone list for a <datalist>, when the browser can provide one. */
export function timeZoneDatalist(id) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id }, zones.map((zone) => h('option', { value: zone })));
}

/** The browser's current IANA time zone, e.g. "Europe/Berlin". */
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}
