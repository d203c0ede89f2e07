// "New chat" (#new-direct-form: pick one person) and "New group"
// (#new-group-form: name + members) dialogs, as modal <dialog> elements.
// Both resolve with the conversation view, or null when cancelled.
// "Blocked people" (#blocked-dialog) lists whom the user blocked, each with
// an Unblock button.

import { h } from '../../dom.js';
import { field, formError, showMessage, clearMessage, setBusy } from '../../components/form.js';
import { localDate } from '../../components/format.js';
import { createPeoplePicker } from './people-picker.js';

const MAX_GROUP_NAME = 80;

/** Shows a modal dialog around `form`; returns { dialog, close(result), result (promise) }. */
function modal(id, title, form) {
  const titleId = `${id}-title`;
  const dialog = h('dialog', { id, class: 'chat-dialog', 'aria-labelledby': titleId },
    h('h2', { id: titleId }, title),
    form,
  );
  let resolve;
  const result = new Promise((r) => {
    resolve = r;
  });
  let value = null;
  dialog.addEventListener('close', () => {
    dialog.remove();
    resolve(value);
  });
  // A click on the backdrop (outside the dialog box) closes it.
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right
      && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
  document.body.append(dialog);
  dialog.showModal();
  return {
    dialog,
    result,
    close(v) {
      value = v;
      if (dialog.open) dialog.close();
    },
  };
}

function actions(cancel, submitLabel) {
  return h('div', { class: 'dialog-actions' },
    h('button', { type: 'button', class: 'button button-ghost', onclick: cancel }, 'Cancel'),
    submitLabel ? h('button', { type: 'submit', class: 'button button-primary' }, submitLabel) : null,
  );
}

/** Pick a person to chat with one-to-one. */
export function openNewDirectDialog(session) {
  const error = formError();
  const form = h('form', { id: 'new-direct-form', class: 'stack-form', novalidate: true });
  let box;
  const picker = createPeoplePicker({
    me: session.userId,
    single: true,
    label: 'Find a person',
    onPick: async (person) => {
      clearMessage(error);
      setBusy(form, true);
      form.querySelectorAll('.pick-person').forEach((b) => { b.disabled = true; });
      try {
        box.close(await session.startDirect(person.id));
      } catch (err) {
        showMessage(error, err.message || 'Could not start the chat.');
        form.querySelectorAll('.pick-person').forEach((b) => { b.disabled = false; });
      } finally {
        setBusy(form, false);
      }
    },
  });
  form.addEventListener('submit', (event) => event.preventDefault());
  form.append(picker.element, error, actions(() => box.close(null)));
  box = modal('new-direct-dialog', 'New chat', form);
  picker.focus();
  box.result.finally(() => picker.destroy());
  return box.result;
}

/** Name a group and choose its members. */
export function openNewGroupDialog(session) {
  const error = formError();
  const picker = createPeoplePicker({ me: session.userId, single: false, label: 'Add people' });
  const form = h('form', { id: 'new-group-form', class: 'stack-form', novalidate: true },
    field({ label: 'Group name', name: 'name', required: true, attrs: { maxlength: String(MAX_GROUP_NAME), autocomplete: 'off' } }),
    picker.element,
    error,
  );
  let box;
  form.append(actions(() => box.close(null), 'Create group'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessage(error);
    const name = form.elements.name.value.trim();
    const members = picker.selected();
    if (!name) {
      showMessage(error, 'Give the group a name.');
      form.elements.name.focus();
      return;
    }
    if (!members.length) {
      showMessage(error, 'Choose at least one person to add.');
      return;
    }
    setBusy(form, true, 'Creating…');
    try {
      box.close(await session.createGroup(name, members.map((m) => m.id)));
    } catch (err) {
      showMessage(error, err.message || 'Could not create the group.');
    } finally {
      setBusy(form, false);
    }
  });
  box = modal('new-group-dialog', 'New group', form);
  form.elements.name.focus();
  box.result.finally(() => picker.destroy());
  return box.result;
}

/** The people the user blocked (GET /me/blocks), each with an Unblock button. */
export function openBlockedDialog(session) {
  const error = formError();
  const status = h('p', { class: 'muted blocked-status', role: 'status' }, 'Loading…');
  const list = h('ul', { id: 'blocked-list', class: 'blocked-list' });
  let box;
  const close = h('button', { type: 'button', class: 'button button-ghost', onclick: () => box.close(null) }, 'Close');
  const body = h('div', { class: 'stack-form' },
    h('p', { class: 'muted' }, 'Blocked people cannot send you chat requests or invite you to groups, and you do not see each other online.'),
    status, list, error,
    h('div', { class: 'dialog-actions' }, close),
  );

  function showEmpty() {
    status.textContent = list.children.length ? '' : 'You have not blocked anyone.';
  }

  function row(person) {
    const unblock = h('button', {
      type: 'button', class: 'button button-secondary unblock-button', dataset: { userId: person.id },
      'aria-label': `Unblock ${person.display_name}`,
    }, 'Unblock');
    const li = h('li', { class: 'blocked-person', dataset: { userId: person.id } },
      h('span', { class: 'person-info' },
        h('span', { class: 'person-name' }, person.display_name),
        person.blocked_at ? h('span', { class: 'person-meta muted' }, `Blocked ${localDate(person.blocked_at)}`) : null),
      unblock);
    unblock.addEventListener('click', async () => {
      clearMessage(error);
      unblock.disabled = true;
      try {
        await session.unblock(person.id);
        li.remove();
        showEmpty();
        (list.querySelector('.unblock-button') || close).focus();
      } catch (err) {
        // Already unblocked elsewhere: the list is just out of date.
        if (err.status === 404) {
          li.remove();
          showEmpty();
        } else {
          showMessage(error, err.message || 'Could not unblock.');
          unblock.disabled = false;
        }
      }
    });
    return li;
  }

  box = modal('blocked-dialog', 'Blocked people', body);
  close.focus();
  session.blocked()
    .then((people) => {
      list.replaceChildren(...people.map(row));
      showEmpty();
    })
    .catch((err) => {
      status.textContent = '';
      showMessage(error, err.message || 'Could not load the people you blocked.');
    });
  return box.result;
}

/** Closes any open chat dialog (when leaving the page). */
export function closeChatDialogs() {
  document.querySelectorAll('dialog.chat-dialog').forEach((dialog) => dialog.close());
}
