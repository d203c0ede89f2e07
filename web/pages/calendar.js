// Calendar page (#/calendar): consultations.
//   Everyone: upcoming consultations with their room link, cancel.
//   Students: pick a lecturer, see free slots in their own time zone, book with a topic, join
//             group sessions.
//   Lecturers: a week view of bookings (confirm pending ones), the availability editor, and a
//              form to open a group session.
// Every time is shown in the viewer's profile time zone; the API speaks UTC.

import { h, pageHeading } from '../dom.js';
import { api } from '../api.js';

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatter(tz, options) {
  return new Intl.DateTimeFormat(undefined, { timeZone: tz, ...options });
}

function dayKey(iso, tz) {
  return formatter(tz, { year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

function when(c, tz) {
  const day = formatter(tz, { weekday: 'short', day: 'numeric', month: 'short' }).format(new Date(c.starts_at));
  const time = formatter(tz, { hour: '2-digit', minute: '2-digit' });
  return `${day}, ${time.format(new Date(c.starts_at))}–${time.format(new Date(c.ends_at))}`;
}

function message(el, text, kind = 'error') {
  el.textContent = text || '';
  el.className = text ? `form-message form-${kind}` : 'form-message';
  el.hidden = !text;
}

function statusBadge(c) {
  const label = c.my_place === false && c.status !== 'cancelled' ? 'place cancelled' : c.status;
  return h('span', { class: `badge status-${c.status}` }, label);
}

function roomLink(c, tz) {
  if (c.status === 'cancelled') return null;
  if (c.room.open_now) {
    return h('a', { class: 'button button-primary room-link', href: `#/room/${c.id}` }, 'Join room');
  }
  const opens = formatter(tz, { weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date(c.room.opens_at));
  // The room page waits for the opening (and lets the lecturer open it early).
  return h('a', { class: 'room-link muted', href: `#/room/${c.id}` }, `Room opens ${opens}`);
}

/** One consultation in a list, with the actions the viewer may take. */
function consultationItem(c, { user, tz, refresh }) {
  const isLecturer = c.lecturer.id === user.id;
  const error = h('p', { class: 'form-message', hidden: true, role: 'alert' });
  const actions = h('div', { class: 'consultation-actions' });
  const act = async (fn) => {
    message(error, '');
    try {
      await fn();
      await refresh();
    } catch (err) {
      message(error, err.message);
    }
  };
  if (isLecturer && c.status === 'pending') {
    actions.append(h('button', { class: 'button button-secondary', type: 'button', onclick: () => act(() => api.post(`/consultations/${c.id}/confirm`, {})) }, 'Confirm'));
  }
  const active = c.status !== 'cancelled' && (isLecturer || c.my_place) && new Date(c.starts_at) > new Date();
  if (active) {
    const reason = h('input', { name: 'reason', placeholder: 'Reason', 'aria-label': 'Reason for cancelling', required: true, maxlength: 4000 });
    actions.append(h('form', {
      class: 'inline-form cancel-form',
      onsubmit: (e) => {
        e.preventDefault();
        if (!reason.value.trim()) { message(error, 'Give a reason so the others know why.'); return; }
        act(() => api.post(`/consultations/${c.id}/cancel`, { reason: reason.value.trim() }));
      },
    }, reason, h('button', { class: 'button button-danger-ghost', type: 'submit' }, isLecturer || c.capacity === 1 ? 'Cancel' : 'Leave')));
  }
  const people = isLecturer
    ? c.participants.filter((p) => p.active).map((p) => p.display_name).join(', ') || (c.capacity > 1 ? 'No students yet' : '')
    : c.lecturer.display_name;
  return h('li', { class: 'consultation', dataset: { id: c.id, status: c.status } },
    h('div', { class: 'consultation-main' },
      h('strong', { class: 'consultation-topic' }, c.topic),
      ' ', statusBadge(c),
      c.capacity > 1 ? h('span', { class: 'badge' }, `group · ${c.capacity - c.places_left}/${c.capacity}`) : null,
      h('div', { class: 'muted consultation-when' }, when(c, tz)),
      h('div', { class: 'consultation-people' }, people),
      c.cancel_reason ? h('div', { class: 'muted' }, `Reason: ${c.cancel_reason}`) : null,
      c.notes ? h('div', { class: 'consultation-notes' }, c.notes) : null,
    ),
    h('div', { class: 'consultation-side' }, roomLink(c, tz), actions),
    error,
  );
}

function mondayOf(date) {
  const d = new Date(date);
  d.setHours(0, 0, 0, 0);
  d.setDate(d.getDate() - ((d.getDay() + 6) % 7));
  return d;
}

/** Lecturer's week of bookings, one column per day. */
function weekView({ user, tz, signal }) {
  let monday = mondayOf(new Date());
  const grid = h('div', { class: 'week-grid', id: 'week-view' });
  const label = h('span', { class: 'week-label' });
  const load = async () => {
    const from = monday.toISOString();
    const to = new Date(monday.getTime() + 7 * 86400000).toISOString();
    const { consultations } = await api.get(`/consultations?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, { signal });
    label.textContent = `Week of ${formatter(tz, { day: 'numeric', month: 'short', year: 'numeric' }).format(monday)}`;
    grid.replaceChildren(...DAY_NAMES.map((name, i) => {
      const day = new Date(monday.getTime() + i * 86400000 + 12 * 3600000);
      const key = dayKey(day.toISOString(), tz);
      const items = consultations.filter((c) => dayKey(c.starts_at, tz) === key && c.lecturer.id === user.id);
      const time = formatter(tz, { hour: '2-digit', minute: '2-digit' });
      return h('div', { class: 'week-day' },
        h('div', { class: 'week-day-name' }, `${name} ${formatter(tz, { day: 'numeric' }).format(day)}`),
        ...items.map((c) => h('div', { class: `week-item status-${c.status}`, dataset: { id: c.id } },
          h('span', { class: 'week-time' }, time.format(new Date(c.starts_at))), ' ', c.topic,
          h('div', { class: 'muted' }, c.participants.filter((p) => p.active).map((p) => p.display_name).join(', ')))),
      );
    }));
  };
  const shift = (days) => { monday = new Date(monday.getTime() + days * 86400000); load().catch(() => {}); };
  const section = h('section', { class: 'panel' },
    h('div', { class: 'panel-head' }, h('h2', {}, 'Your week'),
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => shift(-7) }, '‹ Previous'),
      label,
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => shift(7) }, 'Next ›')),
    grid);
  return { section, load };
}

function weeklyRow(row = { weekday: 1, start: '09:00', end: '12:00' }) {
  const li = h('li', { class: 'weekly-row' },
    h('select', { name: 'weekday', 'aria-label': 'Day' }, ...DAY_NAMES.map((d, i) => h('option', { value: String(i + 1), selected: row.weekday === i + 1 }, d))),
    h('input', { type: 'time', name: 'start', value: row.start.slice(0, 5), 'aria-label': 'From', required: true }),
    h('input', { type: 'time', name: 'end', value: row.end.slice(0, 5), 'aria-label': 'To', required: true }),
    h('button', { class: 'button button-ghost', type: 'button', onclick: () => li.remove() }, 'Remove'));
  return li;
}

function exceptionRow(row = { date: '', kind: 'off', start: null, end: null }) {
  const li = h('li', { class: 'exception-row' },
    h('input', { type: 'date', name: 'date', value: row.date, 'aria-label': 'Date', required: true }),
    h('select', { name: 'kind', 'aria-label': 'Kind' },
      h('option', { value: 'off', selected: row.kind === 'off' }, 'Day off / hours off'),
      h('option', { value: 'extra', selected: row.kind === 'extra' }, 'Extra hours')),
    h('input', { type: 'time', name: 'start', value: row.start ? row.start.slice(0, 5) : '', 'aria-label': 'From (empty: whole day)' }),
    h('input', { type: 'time', name: 'end', value: row.end ? row.end.slice(0, 5) : '', 'aria-label': 'To' }),
    h('button', { class: 'button button-ghost', type: 'button', onclick: () => li.remove() }, 'Remove'));
  return li;
}

/** The lecturer's availability editor. */
function availabilityEditor({ user, signal, onSaved }) {
  const number = (name, label, value, min, max) => h('label', { class: 'field field-inline' }, label,
    h('input', { type: 'number', name, value: String(value), min: String(min), max: String(max), required: true }));
  const weekly = h('ul', { class: 'weekly-list' });
  const exceptions = h('ul', { class: 'exception-list' });
  const status = h('p', { class: 'form-message', hidden: true, role: 'status' });
  const form = h('form', { id: 'availability-form', class: 'availability-form' });
  const fill = (a) => {
    form.replaceChildren(
      h('label', { class: 'field field-inline' }, 'Time zone', h('input', { name: 'time_zone', value: a.time_zone, required: true })),
      number('slot_minutes', 'Slot length (min)', a.slot_minutes, 5, 240),
      number('buffer_minutes', 'Buffer after each (min)', a.buffer_minutes, 0, 120),
      number('min_notice_minutes', 'Minimum notice (min)', a.min_notice_minutes, 0, 43200),
      number('horizon_days', 'Bookable ahead (days)', a.horizon_days, 1, 365),
      number('cancel_window_minutes', 'No student changes within (min)', a.cancel_window_minutes, 0, 10080),
      h('label', { class: 'field field-inline' }, h('input', { type: 'checkbox', name: 'requires_approval', checked: a.requires_approval }), ' I approve each booking'),
      h('h3', {}, 'Weekly hours'), weekly,
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => weekly.append(weeklyRow()) }, 'Add hours'),
      h('h3', {}, 'Exceptions'), exceptions,
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => exceptions.append(exceptionRow()) }, 'Add exception'),
      h('div', {}, h('button', { class: 'button button-primary', type: 'submit' }, 'Save availability')),
      status,
    );
    weekly.replaceChildren(...a.weekly.map(weeklyRow));
    exceptions.replaceChildren(...a.exceptions.map(exceptionRow));
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = (name) => form.elements[name].value;
    const body = {
      time_zone: value('time_zone').trim(),
      slot_minutes: Number(value('slot_minutes')),
      buffer_minutes: Number(value('buffer_minutes')),
      min_notice_minutes: Number(value('min_notice_minutes')),
      horizon_days: Number(value('horizon_days')),
      cancel_window_minutes: Number(value('cancel_window_minutes')),
      requires_approval: form.elements.requires_approval.checked,
      weekly: [...weekly.children].map((li) => ({
        weekday: Number(li.querySelector('[name=weekday]').value),
        start: li.querySelector('[name=start]').value,
        end: li.querySelector('[name=end]').value,
      })),
      exceptions: [...exceptions.children].map((li) => {
        const start = li.querySelector('[name=start]').value;
        const end = li.querySelector('[name=end]').value;
        return { date: li.querySelector('[name=date]').value, kind: li.querySelector('[name=kind]').value, start: start || null, end: end || null };
      }),
    };
    try {
      const saved = await api.put('/me/availability', body);
      fill(saved);
      message(status, 'Saved. Students now see these hours.', 'success');
      onSaved();
    } catch (err) {
      message(status, err.message);
    }
  });
  const load = async () => {
    try {
      fill(await api.get(`/lecturers/${user.id}/availability`, { signal }));
    } catch (err) {
      if (err.status !== 404) throw err;
      fill({ time_zone: user.time_zone || 'UTC', slot_minutes: 30, buffer_minutes: 10, min_notice_minutes: 120, horizon_days: 28, cancel_window_minutes: 60, requires_approval: false, weekly: [], exceptions: [] });
    }
  };
  return { section: h('section', { class: 'panel' }, h('h2', {}, 'Your availability'), form), load };
}

/** Lecturer: open a group session. */
function groupSessionForm({ onCreated }) {
  const status = h('p', { class: 'form-message', hidden: true, role: 'status' });
  const form = h('form', { id: 'group-form', class: 'inline-form' },
    h('input', { name: 'topic', placeholder: 'Topic', required: true, maxlength: 200, 'aria-label': 'Topic' }),
    h('input', { type: 'datetime-local', name: 'starts', required: true, 'aria-label': 'Starts' }),
    h('input', { type: 'number', name: 'minutes', value: '60', min: '5', max: '480', 'aria-label': 'Minutes' }),
    h('input', { type: 'number', name: 'capacity', value: '10', min: '2', max: '100', 'aria-label': 'Places' }),
    h('button', { class: 'button button-secondary', type: 'submit' }, 'Open group session'), status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api.post('/consultations', {
        topic: form.elements.topic.value.trim(),
        starts_at: new Date(form.elements.starts.value).toISOString(),
        duration_minutes: Number(form.elements.minutes.value),
        capacity: Number(form.elements.capacity.value),
      });
      form.reset();
      message(status, 'Group session opened.', 'success');
      onCreated();
    } catch (err) {
      message(status, err.message);
    }
  });
  return h('section', { class: 'panel' }, h('h2', {}, 'Group session'), form);
}

/** Student: choose a lecturer, see free slots, book. */
function bookingPanel({ user, tz, signal, onBooked }) {
  const lecturerSelect = h('select', { id: 'lecturer-select', 'aria-label': 'Lecturer' }, h('option', { value: '' }, 'Choose a lecturer…'));
  const slotsBox = h('div', { id: 'free-slots', class: 'slot-days' });
  const status = h('p', { class: 'form-message', hidden: true, role: 'status' });
  const topic = h('input', { id: 'booking-topic', name: 'topic', placeholder: 'Topic (required)', maxlength: 200, 'aria-label': 'Topic' });
  const notes = h('textarea', { id: 'booking-notes', name: 'notes', placeholder: 'Notes for the lecturer (optional)', maxlength: 4000, rows: 2, 'aria-label': 'Notes' });
  let weekStart = new Date();
  const loadSlots = async () => {
    const lecturer = lecturerSelect.value;
    slotsBox.replaceChildren();
    if (!lecturer) return;
    const from = weekStart.toISOString();
    const to = new Date(weekStart.getTime() + 14 * 86400000).toISOString();
    let data;
    try {
      data = await api.get(`/lecturers/${lecturer}/slots?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&tz=${encodeURIComponent(tz)}`, { signal });
    } catch (err) {
      slotsBox.append(h('p', { class: 'muted' }, err.status === 404 ? 'This lecturer has not published any hours yet.' : err.message));
      return;
    }
    const book = async (body) => {
      if (!topic.value.trim()) { message(status, 'Write a topic first, so the lecturer can prepare.'); topic.focus(); return; }
      try {
        await api.post('/bookings', { ...body, topic: topic.value.trim(), notes: notes.value.trim() });
        message(status, 'Booked. A confirmation email is on its way.', 'success');
        topic.value = '';
        notes.value = '';
        await loadSlots();
        onBooked();
      } catch (err) {
        message(status, err.message);
        await loadSlots();
      }
    };
    const time = formatter(tz, { hour: '2-digit', minute: '2-digit' });
    const byDay = new Map();
    for (const slot of data.slots) {
      const key = formatter(tz, { weekday: 'long', day: 'numeric', month: 'long' }).format(new Date(slot.starts_at));
      if (!byDay.has(key)) byDay.set(key, []);
      byDay.get(key).push(slot);
    }
    if (!byDay.size && !data.group_sessions.length) slotsBox.append(h('p', { class: 'muted' }, 'No free slots in these two weeks.'));
    for (const [day, slots] of byDay) {
      slotsBox.append(h('div', { class: 'slot-day' }, h('div', { class: 'slot-day-name' }, day),
        h('div', { class: 'slot-buttons' }, ...slots.map((s) => h('button', {
          class: 'button button-ghost slot', type: 'button', dataset: { start: s.starts_at },
          onclick: () => book({ lecturer_id: lecturer, starts_at: s.starts_at }),
        }, time.format(new Date(s.starts_at)))))));
    }
    for (const g of data.group_sessions) {
      slotsBox.append(h('div', { class: 'slot-day group-session' },
        h('strong', {}, g.topic), ` · ${when(g, tz)} · ${g.places_left} of ${g.capacity} places left `,
        h('button', { class: 'button button-secondary', type: 'button', onclick: async () => {
          try { await api.post(`/consultations/${g.id}/join`, {}); message(status, 'You have a place.', 'success'); await loadSlots(); onBooked(); } catch (err) { message(status, err.message); }
        } }, 'Join')));
    }
  };
  lecturerSelect.addEventListener('change', () => loadSlots().catch(() => {}));
  const load = async () => {
    const { users } = await api.get('/users?role=lecturer&limit=100', { signal });
    lecturerSelect.replaceChildren(h('option', { value: '' }, 'Choose a lecturer…'),
      ...users.map((u) => h('option', { value: u.id }, u.display_name)));
  };
  const shift = (days) => { weekStart = new Date(Math.max(Date.now(), weekStart.getTime() + days * 86400000)); loadSlots().catch(() => {}); };
  const section = h('section', { class: 'panel' }, h('h2', {}, 'Book a consultation'),
    h('p', { class: 'muted' }, `Times are in your time zone (${tz}).`),
    h('div', { class: 'inline-form' }, lecturerSelect,
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => shift(-14) }, '‹ Earlier'),
      h('button', { class: 'button button-ghost', type: 'button', onclick: () => shift(14) }, 'Later ›')),
    topic, notes, status, slotsBox);
  return { section, load };
}

export function renderCalendar(container, { user, signal }) {
  const tz = user.time_zone || 'UTC';
  const upcoming = h('ul', { id: 'upcoming', class: 'consultation-list' });
  const page = h('section', { id: 'calendar-page', class: 'page' }, pageHeading('Calendar'));
  const refresh = async () => {
    const { consultations } = await api.get('/consultations', { signal });
    upcoming.replaceChildren(...(consultations.length
      ? consultations.map((c) => consultationItem(c, { user, tz, refresh: refreshAll }))
      : [h('li', { class: 'muted empty-line' }, 'No upcoming consultations.')]));
  };
  let week = null;
  const refreshAll = async () => {
    await refresh();
    if (week) await week.load();
  };
  page.append(h('section', { class: 'panel' }, h('h2', {}, 'Upcoming'),
    h('p', { class: 'muted' }, `Times are in your time zone (${tz}).`), upcoming));
  const tasks = [refresh()];
  if (user.role === 'lecturer') {
    week = weekView({ user, tz, signal });
    const editor = availabilityEditor({ user, signal, onSaved: () => {} });
    page.append(week.section, groupSessionForm({ onCreated: () => refreshAll().catch(() => {}) }), editor.section);
    tasks.push(week.load(), editor.load());
  } else {
    const booking = bookingPanel({ user, tz, signal, onBooked: () => refreshAll().catch(() => {}) });
    page.append(booking.section);
    tasks.push(booking.load());
  }
  container.append(page);
  Promise.all(tasks).catch((err) => {
    if (err?.name !== 'AbortError') page.append(h('p', { class: 'form-message form-error', role: 'alert' }, err.message));
  });
}
