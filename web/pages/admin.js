// Admin page (#/admin): user table with a role <select> per user
// (GET /api/v1/admin/users, PUT /api/v1/admin/users/{id}/role).

import { api, isAbortError } from '../api.js';
import { h, pageHeading, debounce } from '../dom.js';
import { getUser } from '../state.js';
import { avatar, roleLabel } from '../components/user-display.js';
import { localDate } from '../components/format.js';

const ROLES = ['student', 'lecturer', 'admin'];

export function renderAdmin(container, ctx) {
  const search = h('input', {
    id: 'admin-search', type: 'search', name: 'q', autocomplete: 'off',
    placeholder: 'Search by name or email…', 'aria-controls': 'admin-users',
  });
  const status = h('p', { id: 'admin-status', class: 'status-message', role: 'status', hidden: true });
  const tbody = h('tbody', {});
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading users…');
  let requestId = 0;

  function setStatus(kind, message) {
    status.hidden = false;
    status.className = `status-message ${kind === 'error' ? 'form-error' : 'form-success'}`;
    status.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    status.textContent = message;
  }

  async function changeRole(person, select) {
    const previous = select.dataset.current;
    const role = select.value;
    if (role === previous) return;
    select.disabled = true;
    try {
      await api.put(`/admin/users/${encodeURIComponent(person.id)}/role`, { role }, { signal: ctx.signal });
      select.dataset.current = role;
      setStatus('success', `${person.display_name} is now ${roleLabel(role).toLowerCase()}.`);
      if (person.id === getUser()?.id) {
        const me = await ctx.refreshUser();
        if (me.role !== 'admin') ctx.navigate('/home');
      }
    } catch (err) {
      if (isAbortError(err)) return;
      select.value = previous;
      setStatus('error', `Could not change ${person.display_name}'s role: ${err.message}`);
    } finally {
      select.disabled = false;
    }
  }

  function userRow(person) {
    const selectId = `role-${person.id}`;
    const select = h('select', { id: selectId, class: 'role-select', dataset: { current: person.role, userId: person.id } },
      ROLES.map((role) => h('option', { value: role }, roleLabel(role))));
    select.value = person.role;
    select.addEventListener('change', () => changeRole(person, select));

    return h('tr', { dataset: { userId: person.id } },
      h('td', {},
        h('div', { class: 'person-cell' },
          avatar(person, 'sm'),
          h('span', { class: 'person-name' }, person.display_name),
        ),
      ),
      h('td', { class: 'email-cell' }, person.email || ''),
      h('td', {},
        h('label', { class: 'visually-hidden', for: selectId }, `Role for ${person.display_name}`),
        select,
      ),
      h('td', {}, person.time_zone || ''),
      h('td', {}, person.created_at ? h('time', { datetime: person.created_at }, localDate(person.created_at)) : ''),
    );
  }

  async function load() {
    const id = ++requestId;
    const q = search.value.trim();
    try {
      const data = await api.get(`/admin/users?q=${encodeURIComponent(q)}`, { signal: ctx.signal });
      if (id !== requestId) return;
      const users = data?.users || [];
      tbody.replaceChildren(...users.map(userRow));
      summary.textContent = users.length
        ? `${users.length} ${users.length === 1 ? 'user' : 'users'}.`
        : 'No users match your search.';
    } catch (err) {
      if (isAbortError(err) || id !== requestId) return;
      summary.textContent = '';
      setStatus('error', err.message);
    }
  }

  const debouncedLoad = debounce(load, 250);
  search.addEventListener('input', debouncedLoad);

  container.append(h('section', { id: 'admin-page', class: 'page' },
    pageHeading('Admin'),
    h('p', { class: 'muted' }, 'Manage users and their roles.'),
    h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); debouncedLoad.cancel(); load(); } },
      h('div', { class: 'field field-grow' }, h('label', { for: 'admin-search' }, 'Search users'), search),
    ),
    status,
    summary,
    h('div', { class: 'table-wrap' },
      h('table', { id: 'admin-users', class: 'data-table' },
        h('caption', { class: 'visually-hidden' }, 'Users and roles'),
        h('thead', {}, h('tr', {},
          ['Name', 'Email', 'Role', 'Time zone', 'Joined'].map((label) => h('th', { scope: 'col' }, label)))),
        tbody,
      ),
    ),
  ));

  load();
  return () => debouncedLoad.cancel();
}
