// Account page (#/account): profile form (PATCH /api/v1/me with only the
// changed fields), the password, the list of signed-in devices, whom the user
// shares their mood with, and everything measured about them (with "Delete all").

import { api } from '../api.js';
import { h, pageHeading } from '../dom.js';
import { getUser, setUser } from '../state.js';
import {
  field, formError, formSuccess, showMessage, clearMessage, setBusy, formValues, timeZoneDatalist,
} from '../components/form.js';
import { normalizeColor, roleBadge } from '../components/user-display.js';
import { createSessionsList } from '../components/sessions-list.js';
import { localDate } from '../components/format.js';
import { createMoodSharingPanel } from '../components/mood-sharing.js';
import { createMoodMeasuredPanel } from '../components/mood-measured.js';
import { createPasswordPanel } from '../components/password-form.js';

const EDITABLE = ['display_name', 'time_zone', 'avatar_color'];

function currentValues(user) {
  return {
    display_name: user.display_name || '',
    time_zone: user.time_zone || '',
    avatar_color: normalizeColor(user.avatar_color),
  };
}

function buildProfileForm(user, ctx) {
  const values = currentValues(user);
  const error = formError();
  const success = formSuccess();
  const form = h('form', { id: 'profile-form', class: 'stack-form', novalidate: true },
    field({ label: 'Display name', name: 'display_name', value: values.display_name, autocomplete: 'name', required: true }),
    field({
      label: 'Time zone', name: 'time_zone', value: values.time_zone, required: true,
      hint: 'IANA name, e.g. Europe/Berlin.',
      attrs: { list: 'profile-time-zones', autocomplete: 'off', spellcheck: 'false' },
    }),
    timeZoneDatalist('profile-time-zones'),
    field({
      label: 'Avatar colour', name: 'avatar_color', type: 'color', value: values.avatar_color,
      attrs: { class: 'color-input' },
    }),
    error,
    success,
    h('button', { type: 'submit', class: 'button button-primary' }, 'Save profile'),
  );

  form.addEventListener('input', () => clearMessage(success));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    clearMessage(success);
    const baseline = currentValues(getUser() || user);
    const entered = formValues(form);
    entered.avatar_color = entered.avatar_color.toLowerCase();

    const changes = {};
    for (const key of EDITABLE) {
      if (entered[key] !== baseline[key]) changes[key] = entered[key];
    }
    if (Object.keys(changes).length === 0) {
      showMessage(success, 'Nothing to save — your profile is up to date.');
      return;
    }
    if (changes.display_name === '') {
      showMessage(error, 'Display name cannot be empty.');
      return;
    }

    setBusy(form, true, 'Saving…');
    try {
      const updated = await api.patch('/me', changes, { signal: ctx.signal });
      if (updated && updated.id) setUser(updated);
      else await ctx.refreshUser();
      showMessage(success, 'Profile saved.');
    } catch (err) {
      if (ctx.signal.aborted) return;
      showMessage(error, err.message || 'Could not save your profile.');
    } finally {
      setBusy(form, false);
    }
  });

  return form;
}

export function renderAccount(container, ctx) {
  const { user } = ctx;
  const mood = createMoodSharingPanel({ signal: ctx.signal, role: user.role });
  const measured = createMoodMeasuredPanel({ signal: ctx.signal, onDeleted: () => mood.load() });
  const sessions = createSessionsList({
    signal: ctx.signal,
    onCurrentRevoked: () => {
      setUser(null);
      ctx.navigate('/login');
    },
  });

  container.append(h('section', { id: 'account-page', class: 'page' },
    pageHeading('Account'),
    h('p', { class: 'account-summary muted' },
      h('span', {}, user.email || ''), ' ',
      roleBadge(user.role), ' ',
      user.created_at ? h('span', {}, `Member since ${localDate(user.created_at)}`) : null,
    ),
    h('div', { class: 'two-column' },
      h('section', { class: 'panel', 'aria-labelledby': 'profile-title' },
        h('h2', { id: 'profile-title' }, 'Profile'),
        buildProfileForm(user, ctx),
      ),
      sessions.element,
    ),
    h('div', { class: 'two-column' },
      createPasswordPanel({ signal: ctx.signal, onChanged: () => sessions.load() }),
      mood.element,
    ),
    measured.element,
  ));
  sessions.load();
  mood.load();
  measured.load();
}
