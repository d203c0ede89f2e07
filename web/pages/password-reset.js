// Forgotten passwords: #/forgot-password asks for a reset link by email;
// #/reset-password?token=… (the emailed link) chooses a new password.

import { api } from '../api.js';
import { h } from '../dom.js';
import { authCard } from '../components/auth-card.js';
import {
  field, formError, showMessage, clearMessage, setBusy, formValues, missingFields,
} from '../components/form.js';

const backToLogin = () => ['Remembered it? ', h('a', { href: '#/login' }, 'Log in')];

/** #/forgot-password: the email form; the answer never says whether the account exists. */
export function renderForgotPassword(container, ctx) {
  const error = formError();
  const done = h('p', { id: 'reset-requested', class: 'form-success', role: 'status', hidden: true });
  const form = h('form', { id: 'forgot-form', class: 'stack-form', novalidate: true },
    field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true }),
    error,
    done,
    h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Email me a link'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    done.hidden = true;
    if (missingFields(form).length) {
      showMessage(error, 'Please fill in your email.');
      return;
    }
    setBusy(form, true, 'Sending…');
    try {
      const answer = await api.post('/auth/password-reset', { email: formValues(form).email });
      done.textContent = answer.message;
      done.hidden = false;
    } catch (err) {
      if (!ctx.signal.aborted) showMessage(error, err.message || 'Could not ask for a link.');
    } finally {
      setBusy(form, false);
    }
  });
  container.append(authCard({
    id: 'forgot-page', title: 'Forgot your password?',
    subtitle: 'We email you a link to choose a new one.', form, footer: backToLogin(),
  }));
  form.querySelector('input[name="email"]').focus();
}

/** #/reset-password?token=…: the new password form. */
export function renderResetPassword(container, ctx) {
  const token = new URLSearchParams(window.location.hash.split('?')[1] || '').get('token') || '';
  const error = formError();
  const form = h('form', { id: 'reset-form', class: 'stack-form', novalidate: true },
    field({ label: 'New password (at least 8 characters)', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true }),
    error,
    h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Set the new password'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    if (missingFields(form).length) {
      showMessage(error, 'Please choose a new password.');
      return;
    }
    setBusy(form, true, 'Saving…');
    try {
      await api.post('/auth/password-reset/confirm', { token, new_password: formValues(form).new_password });
      ctx.navigate('/login');
    } catch (err) {
      if (!ctx.signal.aborted) showMessage(error, err.message || 'Could not set the password.');
    } finally {
      setBusy(form, false);
    }
  });
  container.append(authCard({
    id: 'reset-page', title: 'Choose a new password',
    subtitle: 'Every device signed in to your account is signed out.', form, footer: backToLogin(),
  }));
  form.querySelector('input[name="new_password"]').focus();
}
