// Login page (#/login): email + password form posting to /api/v1/auth/login.

import { api } from '../api.js';
import { h } from '../dom.js';
import { authCard } from '../components/auth-card.js';
import {
  field, formError, showMessage, clearMessage, setBusy, formValues, missingFields,
} from '../components/form.js';

export function renderLogin(container, ctx) {
  const error = formError();
  const form = h('form', { id: 'login-form', class: 'stack-form', novalidate: true },
    field({ label: 'Email', name: 'email', type: 'email', autocomplete: 'email', required: true }),
    field({ label: 'Password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    error,
    h('button', { type: 'submit', class: 'button button-primary button-block' }, 'Log in'),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    const missing = missingFields(form);
    if (missing.length) {
      showMessage(error, `Please fill in: ${missing.join(', ')}.`);
      return;
    }
    const { email, password } = formValues(form);
    setBusy(form, true, 'Logging in…');
    try {
      await api.post('/auth/login', { email, password });
      await ctx.refreshUser();
      ctx.navigate('/home');
    } catch (err) {
      if (ctx.signal.aborted) return;
      showMessage(error, err.message || 'Could not log in.');
      form.querySelector('input[name="password"]').focus();
    } finally {
      setBusy(form, false);
    }
  });

  container.append(authCard({
    id: 'login-page',
    title: 'Log in',
    subtitle: 'Chat with lecturers, book consultations and keep in touch.',
    form,
    footer: [
      'New to Chatterly? ', h('a', { href: '#/signup', id: 'signup-link' }, 'Create an account'),
      ' · ', h('a', { href: '#/forgot-password', id: 'forgot-link' }, 'Forgot your password?'),
    ],
  }));
  form.querySelector('input[name="email"]').focus();
}
