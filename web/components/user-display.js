// Small building blocks for showing a person: the coloured initials avatar
// and the role badge (student / lecturer / admin).

import { h } from '../dom.js';

const FALLBACK_COLOR = '#6366f1';
const HEX_COLOR = /^#[0-9a-f]{6}$/i;
const ROLE_LABELS = { student: 'Student', lecturer: 'Lecturer', admin: 'Admin' };

/** Returns a safe #rrggbb colour, falling back when the value is malformed. */
export function normalizeColor(color) {
  if (typeof color !== 'string') return FALLBACK_COLOR;
  const value = color.trim();
  if (HEX_COLOR.test(value)) return value.toLowerCase();
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/i.exec(value);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`.toLowerCase();
  return FALLBACK_COLOR;
}

/** Picks dark or light text so initials stay readable on any background. */
function textColorFor(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return luminance > 0.4 ? '#111827' : '#ffffff';
}

/** Derives initials from a display name when the API did not provide them. */
export function initialsFor(user) {
  if (user?.initials) return String(user.initials).slice(0, 3);
  const words = String(user?.display_name || '?').trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? words[0][0] + words[words.length - 1][0] : (words[0] || '?').slice(0, 2);
  return letters.toUpperCase();
}

/** Coloured circle with the user's initials (decorative; name shown nearby). */
export function avatar(user, size = 'md') {
  const el = h('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true' }, initialsFor(user));
  updateAvatar(el, user);
  return el;
}

/** Refreshes an existing avatar element in place. */
export function updateAvatar(el, user) {
  const color = normalizeColor(user?.avatar_color);
  el.textContent = initialsFor(user);
  el.style.backgroundColor = color;
  el.style.color = textColorFor(color);
}

/** Human label for a role value. */
export function roleLabel(role) {
  return ROLE_LABELS[role] || String(role || 'Unknown');
}

/** Pill showing the user's role, coloured per role. */
export function roleBadge(role) {
  const known = Object.hasOwn(ROLE_LABELS, role) ? role : 'unknown';
  return h('span', { class: `badge role-badge role-${known}`, dataset: { role: known } }, roleLabel(role));
}
