// "New chat" (#new-direct-form: pick one person) and "New group"
// (#new-group-form: name + members) dialogs, as modal <dialog> elements.
// Both resolve with the conversation view, or null when cancelled.

import { h } from '../../dom.js';
import { field, formError, showMessage, clearMessage, setBusy } from '../../components/form.js';
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

/** Closes any open chat dialog (when leaving the page). */
export function closeChatDialogs() {
  document.querySelectorAll('dialog.chat-dialog').forEach((dialog) => dialog.close());
}
