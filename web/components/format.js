// Date/time formatting in the viewer's local time zone, including short
// relative phrases ("5 minutes ago") via Intl.RelativeTimeFormat.

import { h } from '../dom.js';

const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const absoluteFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function parse(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "3 days ago" / "in 2 hours" / "just now". */
export function relativeTime(iso, now = Date.now()) {
  const date = parse(iso);
  if (!date) return 'unknown';
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relativeFormat.format(Math.round(seconds / size), unit);
  }
  return relativeFormat.format(Math.round(seconds / 60), 'minute');
}

/** Full local date and time, e.g. "12 Mar 2025, 14:05". */
export function localDateTime(iso) {
  const date = parse(iso);
  return date ? absoluteFormat.format(date) : 'unknown';
}

/** Local date only, e.g. "12 Mar 2025". */
export function localDate(iso) {
  const date = parse(iso);
  return date ? dateFormat.format(date) : 'unknown';
}

/** <time> element showing relative text with the full local time as tooltip. */
export function timeElement(iso) {
  const text = relativeTime(iso);
  const full = localDateTime(iso);
  return h('time', { datetime: iso, title: full }, `${text} (${full})`);
}
