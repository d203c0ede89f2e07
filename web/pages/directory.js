// Directory page (#/directory): debounced people search with a role filter
// (GET /api/v1/users?q=&limit=50&role=), with a "Message" link per person
// that opens a direct chat (#/chat?with=<user id>).

import { api, isAbortError } from '../api.js';
import { h, pageHeading, debounce } from '../dom.js';
import { avatar, roleBadge } from '../components/user-display.js';
import { formError, showMessage, clearMessage } from '../components/form.js';

const ROLE_OPTIONS = [
  ['all', 'All roles'],
  ['student', 'Students'],
  ['lecturer', 'Lecturers'],
  ['admin', 'Admins'],
];

function userItem(person, me) {
  return h('li', { class: 'person', dataset: { userId: person.id } },
    avatar(person, 'md'),
    h('div', { class: 'person-info' },
      h('span', { class: 'person-name' }, person.display_name),
      person.time_zone ? h('span', { class: 'person-meta muted' }, person.time_zone) : null,
    ),
    roleBadge(person.role),
    person.id === me ? null : h('a', {
      class: 'button button-ghost message-person', href: `#/chat?with=${encodeURIComponent(person.id)}`,
      'aria-label': `Message ${person.display_name}`,
    }, 'Message'),
  );
}

export function renderDirectory(container, ctx) {
  const search = h('input', {
    id: 'directory-search', type: 'search', name: 'q', autocomplete: 'off',
    placeholder: 'Search by name…', 'aria-controls': 'directory-results',
  });
  const roleSelect = h('select', { id: 'directory-role', name: 'role', 'aria-controls': 'directory-results' },
    ROLE_OPTIONS.map(([value, label]) => h('option', { value }, label)));
  const status = h('p', { id: 'directory-status', class: 'muted', role: 'status' }, 'Loading…');
  const error = formError();
  const results = h('ul', { id: 'directory-results', class: 'person-list', 'aria-busy': 'true' });

  let requestId = 0;

  async function load() {
    const id = ++requestId;
    const q = search.value.trim();
    const role = roleSelect.value;
    let path = `/users?q=${encodeURIComponent(q)}&limit=50`;
    if (role !== 'all') path += `&role=${encodeURIComponent(role)}`;
    results.setAttribute('aria-busy', 'true');
    clearMessage(error);
    try {
      const data = await api.get(path, { signal: ctx.signal });
      if (id !== requestId) return;
      const users = data?.users || [];
      results.replaceChildren(...users.map((person) => userItem(person, ctx.user.id)));
      status.textContent = users.length
        ? `${users.length} ${users.length === 1 ? 'person' : 'people'} found${users.length >= 50 ? ' (showing the first 50)' : ''}.`
        : 'No people match your search.';
    } catch (err) {
      if (isAbortError(err) || id !== requestId) return;
      status.textContent = '';
      showMessage(error, err.message);
    } finally {
      if (id === requestId) results.setAttribute('aria-busy', 'false');
    }
  }

  const debouncedLoad = debounce(load, 250);
  search.addEventListener('input', debouncedLoad);
  roleSelect.addEventListener('change', () => {
    debouncedLoad.cancel();
    load();
  });

  container.append(h('section', { id: 'directory-page', class: 'page' },
    pageHeading('Directory'),
    h('p', { class: 'muted' }, 'Find students and lecturers at your university.'),
    h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); debouncedLoad.cancel(); load(); } },
      h('div', { class: 'field field-grow' }, h('label', { for: 'directory-search' }, 'Search people'), search),
      h('div', { class: 'field' }, h('label', { for: 'directory-role' }, 'Role'), roleSelect),
    ),
    error,
    status,
    results,
  ));

  load();
  return () => debouncedLoad.cancel();
}
