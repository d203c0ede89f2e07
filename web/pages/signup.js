// Signup page (#/signup): creates an account via POST /api/v1/auth/signup.

import { api } from '../api.js';
import { h } from '../dom.js';
import { authCard } from '../components/auth-card.js';
import {
  field, formError, showMessage, clearMessage, setBusy, formValues, missingFields,
  browserTimeZone, timeZoneDatalist,
} from '../components/form.js';

const MIN_PASSWORD = 10;

export function renderSignup(container, ctx) {
  const error = formError();
  const form = h('form', { id: 'signup-form', class: 'stack-form', novalidate: true },
    field({ label: 'Display name', name: 'display_name', autocomplete: 'name', required: true }),
    field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true }),
    field({
      label: 'Password', name: 'password', type: 'password', autocomplete: 'new-password', required: true,
      hint: `At least ${MIN_PASSWORD} characters.`,
    }),
    field({
      label: 'Time zone', name: 'time_zone', value: browserTimeZone(), required: true,
      hint: 'Detected from your browser. Used to show consultation times.',
      attrs: { list: 'signup-time-zones', autocomplete: 'off', spellcheck: 'false' },
    }),
    timeZoneDatalist('signup-time-zones'),
    error,
    h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Create account'),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    const missing = missingFields(form);
    if (missing.length) {
      showMessage(error, `Please fill in: ${missing.join(', ')}.`);
      return;
    }
    const { display_name, email, password, time_zone } = formValues(form);
    setBusy(form, true, 'Creating account…');
    try {
      await api.post('/auth/signup', { email, password, display_name, time_zone });
      await ctx.refreshUser();
      ctx.navigate('/home');
    } catch (err) {
      if (ctx.signal.aborted) return;
      showMessage(error, err.message || 'Could not create the account.');
    } finally {
      setBusy(form, false);
    }
  });

  container.append(authCard({
    id: 'signup-page',
    title: 'Create your account',
    subtitle: 'Students and lecturers, all in one place.',
    form,
    footer: ['Already have an account? ', h('a', { href: '#/login', id: 'login-link' }, 'Log in')],
  }));
  form.querySelector('input[name="display_name"]').focus();
}
