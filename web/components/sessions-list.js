// Device sessions list for the account page: GET /api/v1/me/sessions,
// one <li data-session-id> per session with a "Log out this device" button.

import { api, isAbortError } from '../api.js';
import { h } from '../dom.js';
import { timeElement } from './format.js';
import { formError, showMessage, clearMessage } from './form.js';

/**
 * Builds the sessions section. onCurrentRevoked runs after the session in
 * use by this browser was revoked. Returns { element, load }.
 */
export function createSessionsList({ signal, onCurrentRevoked }) {
  const list = h('ul', { id: 'sessions', class: 'session-list', 'aria-live': 'polite', 'aria-busy': 'true' });
  const error = formError();
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading devices…');

  function sessionItem(session) {
    const deviceId = `session-device-${session.id}`;
    const button = h('button', {
      type: 'button', class: 'button button-danger-ghost revoke', 'aria-describedby': deviceId,
    }, 'Log out this device');
    button.addEventListener('click', () => revoke(session, button));

    return h('li', { class: 'session', dataset: { sessionId: session.id } },
      h('div', { class: 'session-info' },
        h('p', { class: 'session-device' },
          h('span', { id: deviceId }, session.device || 'Unknown device'),
          session.current ? h('span', { class: 'tag tag-current' }, 'This device') : null,
        ),
        h('p', { class: 'session-times muted' },
          'Signed in ', timeElement(session.created_at),
          h('br'),
          'Last active ', timeElement(session.last_seen_at),
        ),
      ),
      button,
    );
  }

  async function load() {
    clearMessage(error);
    list.setAttribute('aria-busy', 'true');
    try {
      const sessions = await api.get('/me/sessions', { signal });
      const items = Array.isArray(sessions) ? sessions : (sessions?.sessions || []);
      // Show the current device first, then most recently active.
      items.sort((a, b) => (b.current - a.current)
        || String(b.last_seen_at).localeCompare(String(a.last_seen_at)));
      list.replaceChildren(...items.map(sessionItem));
      status.textContent = items.length
        ? `${items.length} signed-in ${items.length === 1 ? 'device' : 'devices'}.`
        : 'No active sessions.';
    } catch (err) {
      if (isAbortError(err)) return;
      status.textContent = '';
      showMessage(error, err.message);
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }

  async function revoke(session, button) {
    clearMessage(error);
    button.disabled = true;
    try {
      await api.delete(`/me/sessions/${encodeURIComponent(session.id)}`, { signal });
      if (session.current) {
        onCurrentRevoked();
        return;
      }
      await load();
    } catch (err) {
      if (isAbortError(err)) return;
      button.disabled = false;
      showMessage(error, err.message);
    }
  }

  const element = h('section', { class: 'panel', 'aria-labelledby': 'sessions-title' },
    h('h2', { id: 'sessions-title' }, 'Signed-in devices'),
    h('p', { class: 'muted' }, 'Log out devices you no longer use.'),
    error,
    status,
    list,
  );

  return { element, load };
}
