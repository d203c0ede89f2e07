// Contacts page (#/contacts): everyone you share a conversation with, with
// presence and the mood they chose to show you, from the conversations you
// share (icon + "Sad, Muted" + when measured),
// updated live by `mood` and `presence` frames. Lecturers open a contact's
// mood history as a small chart and can correct a reading.

import { api, isAbortError } from '../api.js';
import { h, pageHeading } from '../dom.js';
import { avatar, roleBadge } from '../components/user-display.js';
import { moodBadge, moodChart, correctionForm } from '../components/mood.js';
import { relativeTime } from '../components/format.js';
import { chatSession } from '../chat/session.js';

export function renderContacts(container, ctx) {
  const session = chatSession(ctx.user);
  const { store } = session;
  const isLecturer = ctx.user.role !== 'student';
  const list = h('ul', { id: 'contact-list', class: 'people-list' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Loading contacts…');
  let contacts = [];
  const rows = new Map();

  async function toggleHistory(person, panel, button) {
    if (!panel.hidden) {
      panel.hidden = true;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    panel.hidden = false;
    button.setAttribute('aria-expanded', 'true');
    panel.replaceChildren(h('p', { class: 'muted' }, 'Loading history…'));
    try {
      const data = await api.get(`/users/${encodeURIComponent(person.id)}/mood/history?days=14`, { signal: ctx.signal });
      const readings = data?.readings || [];
      if (!readings.length) {
        panel.replaceChildren(h('p', { class: 'muted' }, 'Nothing measured in the last 14 days.'));
        return;
      }
      const latest = readings[0];
      panel.replaceChildren(
        moodChart(readings),
        h('p', { class: 'muted' }, `${readings.length} readings; latest ${latest.label}, ${relativeTime(latest.measured_at)}.`),
        h('p', {}, 'Latest reading not right? '),
        correctionForm(latest.id),
      );
    } catch (err) {
      if (!isAbortError(err)) panel.replaceChildren(h('p', { class: 'form-error' }, err.message));
    }
  }

  function row(person) {
    const mood = h('span', { class: 'contact-mood' });
    const dot = h('span', { class: 'presence-dot' });
    const history = h('div', { class: 'mood-history', hidden: true });
    let historyButton = null;
    if (isLecturer) {
      historyButton = h('button', { type: 'button', class: 'button button-ghost', 'aria-expanded': 'false' }, 'Mood history');
      historyButton.addEventListener('click', () => toggleHistory(person, history, historyButton));
    }
    const li = h('li', { class: 'person contact', dataset: { userId: person.id } },
      h('span', { class: 'avatar-wrap' }, avatar(person, 'md'), dot),
      h('div', { class: 'person-info' },
        h('span', { class: 'person-name' }, person.display_name),
        mood),
      roleBadge(person.role),
      historyButton,
      h('a', { class: 'button button-ghost', href: `#/chat?with=${encodeURIComponent(person.id)}` }, 'Message'),
      history);
    rows.set(person.id, { li, mood, dot });
    return li;
  }

  function update() {
    for (const person of contacts) {
      const r = rows.get(person.id);
      if (!r) continue;
      const current = store.state.moods.has(person.id) ? store.state.moods.get(person.id) : person.mood;
      r.mood.replaceChildren(moodBadge(current));
      const online = [...store.state.conversations.values()]
        .some((c) => c.members.some((m) => m.id === person.id && m.online));
      r.dot.className = `presence-dot ${online ? 'online' : 'offline'}`;
    }
  }

  async function load() {
    try {
      const data = await api.get('/contacts', { signal: ctx.signal });
      contacts = data?.contacts || [];
      for (const c of contacts) if (!store.state.moods.has(c.id)) store.state.moods.set(c.id, c.mood || null);
      list.replaceChildren(...contacts.map(row));
      summary.textContent = contacts.length
        ? `${contacts.length} contact${contacts.length === 1 ? '' : 's'}. A mood shows only if that person chose to share it with you, and only from the conversations you share.`
        : 'No contacts yet: start a chat from the directory.';
      update();
    } catch (err) {
      if (!isAbortError(err)) summary.textContent = err.message;
    }
  }

  container.append(h('section', { id: 'contacts-page', class: 'page' },
    pageHeading('Contacts'), summary, list));
  const unsubscribe = store.subscribe(update);
  load();
  return () => unsubscribe();
}
