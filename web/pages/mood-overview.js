// Lecturer's mood overview (#/mood-overview, GET /api/v1/mood/overview): the
// students who share their mood with this lecturer (nobody else is listed),
// each with the current mood, a two-week daily trend and "may be struggling"
// when several measured windows in a row were Sad or Very Sad (never from one
// message), with links to message them or offer a consultation.

import { api, isAbortError } from '../api.js';
import { h, pageHeading } from '../dom.js';
import { moodBadge } from '../components/mood.js';

const SVG = 'http://www.w3.org/2000/svg';

/** A small line of the daily scores (−2..+2) over the trend's days. */
function trendLine(trend, days) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 140 40');
  svg.setAttribute('class', 'mood-trend');
  svg.setAttribute('role', 'img');
  const first = Date.now() - days * 86400000;
  const points = trend.map((t) => {
    const x = Math.max(0, Math.min(140, ((Date.parse(t.day) - first) / (days * 86400000)) * 140));
    const y = 20 - t.score * 9;
    return `${x.toFixed(1)},${y.toFixed(1)}`;
  });
  const mid = document.createElementNS(SVG, 'line');
  for (const [k, v] of [['x1', 0], ['x2', 140], ['y1', 20], ['y2', 20], ['class', 'mood-trend-zero']]) mid.setAttribute(k, v);
  svg.append(mid);
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points.join(' '));
  line.setAttribute('class', 'mood-trend-line');
  svg.append(line);
  const label = trend.length
    ? `Trend over ${days} days: ${trend.map((t) => `${t.day} ${t.score.toFixed(1)}`).join(', ')}`
    : `Nothing measured in ${days} days`;
  svg.setAttribute('aria-label', label);
  return svg;
}

function studentRow(s, overview) {
  return h('li', { class: `person overview-student${s.may_be_struggling ? ' may-be-struggling' : ''}`, dataset: { userId: s.user } },
    h('div', { class: 'person-info' },
      h('span', { class: 'person-name' }, s.display_name),
      moodBadge(s.current),
      s.may_be_struggling
        ? h('strong', { class: 'struggling-flag' }, ` May be struggling: Sad or Very Sad in the last ${s.sad_streak} measured windows`)
        : null),
    trendLine(s.trend, overview.trend_days),
    h('a', { class: 'button button-ghost', href: `#/chat?with=${encodeURIComponent(s.user)}` }, 'Message'),
    h('a', { class: 'button button-ghost', href: '#/calendar', title: 'Publish a consultation slot they can book' }, 'Offer a consultation'));
}

export function renderMoodOverview(container, ctx) {
  const list = h('ul', { id: 'overview-list', class: 'people-list' });
  const status = h('p', { class: 'muted', role: 'status' }, 'Loading…');
  container.append(h('section', { id: 'mood-overview-page', class: 'page' },
    pageHeading('My students'),
    h('p', { class: 'muted' }, 'Students who chose to share their mood with lecturers, and that you chat with. Students who do not share are not listed. "May be struggling" means Sad or Very Sad in several measured windows in a row — never from one message; readings can be wrong, so ask rather than assume.'),
    status, list));
  api.get('/mood/overview', { signal: ctx.signal }).then((overview) => {
    const students = overview?.students || [];
    list.replaceChildren(...students.map((s) => studentRow(s, overview)));
    const struggling = students.filter((s) => s.may_be_struggling).length;
    status.textContent = students.length
      ? `${students.length} student${students.length === 1 ? '' : 's'}; ${struggling} may be struggling.`
      : 'No student shares a mood with you yet.';
  }).catch((err) => { if (!isAbortError(err)) status.textContent = err.message; });
}
