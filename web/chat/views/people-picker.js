// Directory search for the new-conversation dialogs: a search field that
// lists matching people (GET /api/v1/users?q=), without the current user.
// `single` mode shows a button per person; otherwise checkboxes that keep
// their selection across searches.

import { api, isAbortError } from '../../api.js';
import { h, debounce } from '../../dom.js';
import { avatar, roleBadge } from '../../components/user-display.js';

let pickerCounter = 0;

/**
 * Options: me (user id), single (bool), onPick(person) for single mode, label.
 * Returns { element, selected() (array of people), focus(), destroy() }.
 */
export function createPeoplePicker({ me, single, onPick, label }) {
  const n = ++pickerCounter;
  const input = h('input', {
    id: `people-search-${n}`, type: 'search', name: 'q', autocomplete: 'off',
    placeholder: 'Search by name…', 'aria-controls': `people-results-${n}`,
  });
  const status = h('p', { class: 'muted picker-status', role: 'status' });
  const list = h('ul', { id: `people-results-${n}`, class: 'picker-results' });
  const chips = h('ul', { class: 'picker-chips', 'aria-label': 'Selected people' });
  const selected = new Map();
  let shown = [];
  let controller = null;

  function renderChips() {
    chips.replaceChildren(...[...selected.values()].map((person) => h('li', { class: 'chip' },
      person.display_name,
      h('button', {
        type: 'button', class: 'chip-remove', 'aria-label': `Remove ${person.display_name}`,
        onclick: () => toggle(person, false),
      }, '×'))));
    chips.hidden = single || selected.size === 0;
  }

  function toggle(person, on) {
    if (on) selected.set(person.id, person);
    else selected.delete(person.id);
    const box = list.querySelector(`input[value="${person.id}"]`);
    if (box) box.checked = on;
    renderChips();
  }

  function personRow(person) {
    const info = h('span', { class: 'person-info' },
      h('span', { class: 'person-name' }, person.display_name),
      person.time_zone ? h('span', { class: 'person-meta muted' }, person.time_zone) : null);
    if (single) {
      return h('li', {}, h('button', {
        type: 'button', class: 'pick-person', dataset: { userId: person.id }, onclick: () => onPick(person),
      }, avatar(person, 'sm'), info, roleBadge(person.role)));
    }
    const box = h('input', {
      type: 'checkbox', name: 'member', value: person.id, checked: selected.has(person.id),
      onchange: (event) => toggle(person, event.target.checked),
    });
    return h('li', {}, h('label', { class: 'pick-person', dataset: { userId: person.id } },
      box, avatar(person, 'sm'), info, roleBadge(person.role)));
  }

  async function load() {
    controller?.abort();
    controller = new AbortController();
    const q = input.value.trim();
    status.textContent = 'Searching…';
    try {
      const data = await api.get(`/users?q=${encodeURIComponent(q)}&limit=20`, { signal: controller.signal });
      shown = (data?.users || []).filter((person) => person.id !== me);
      list.replaceChildren(...shown.map(personRow));
      status.textContent = shown.length ? '' : 'No people match your search.';
    } catch (err) {
      if (!isAbortError(err)) status.textContent = err.message || 'Search failed.';
    }
  }

  const debounced = debounce(load, 250);
  input.addEventListener('input', debounced);
  // Enter searches now (and in single mode picks the only match) instead of submitting the dialog.
  input.addEventListener('keydown', async (event) => {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    debounced.cancel();
    await load();
    if (single && shown.length === 1) onPick(shown[0]);
  });
  renderChips();
  load();

  const element = h('div', { class: 'people-picker' },
    h('div', { class: 'field' }, h('label', { for: input.id }, label || 'Find people'), input),
    chips,
    status,
    list,
  );

  return {
    element,
    selected: () => [...selected.values()],
    focus: () => input.focus(),
    destroy() {
      debounced.cancel();
      controller?.abort();
    },
  };
}
