// Change password (POST /api/v1/me/password): the current password, the new one twice. On
// success every other device is signed out; the sessions list is told to reload.

import { api } from '../api.js';
import { h } from '../dom.js';
import { field, formError, formSuccess, showMessage, clearMessage, setBusy } from './form.js';

/** The password panel; `onChanged` runs after a successful change. */
export function createPasswordPanel({ signal, onChanged }) {
  const error = formError();
  const success = formSuccess();
  const form = h('form', { id: 'password-form', class: 'stack-form', novalidate: true },
    field({ label: 'Current password', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field({
      label: 'New password', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true,
      hint: 'At least 10 characters. Your other devices will be signed out.',
    }),
    field({ label: 'Repeat the new password', name: 'repeat_password', type: 'password', autocomplete: 'new-password', required: true }),
    error,
    success,
    h('button', { type: 'submit', class: 'button button-primary' }, 'Change password'),
  );
  form.addEventListener('input', () => clearMessage(success));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    clearMessage(success);
    const current = form.current_password.value;
    const next = form.new_password.value;
    if (next !== form.repeat_password.value) {
      showMessage(error, 'The new passwords do not match.');
      return;
    }
    setBusy(form, true, 'Changing…');
    try {
      await api.post('/me/password', { current_password: current, new_password: next }, { signal });
      form.reset();
      showMessage(success, 'Password changed. Your other devices are signed out.');
      if (onChanged) onChanged();
    } catch (err) {
      if (signal.aborted) return;
      showMessage(error, err.message || 'Could not change your password.');
    } finally {
      setBusy(form, false);
    }
  });
  return h('section', { class: 'panel', id: 'password-panel', 'aria-labelledby': 'password-title' },
    h('h2', { id: 'password-title' }, 'Password'),
    form);
}
