// Route table: maps a hash path ("/chat") to its page definition.
// A later module can take over a route by editing its entry here or by
// calling registerRoute('/chat', { render: renderRealChat }) before boot.
//
// Definition fields:
//   render(container, ctx) -> optional cleanup function (ctx: user, navigate,
//                              refreshUser, signal)
//   title     document title prefix
//   nav       label shown in the header nav (omit to hide from nav)
//   public    true for pages reachable when signed out (login/signup)
//   adminOnly true to restrict to admins (also hides the nav link)
//   lecturerOnly true to restrict to lecturers (also hides the nav link)

import { renderLogin } from './pages/login.js';
import { renderSignup } from './pages/signup.js';
import { renderHome } from './pages/home.js';
import { renderChat } from './pages/chat.js';
import { renderCalendar } from './pages/calendar.js';
import { renderDirectory } from './pages/directory.js';
import { renderAccount } from './pages/account.js';
import { renderAdmin } from './pages/admin.js';
import { renderContacts } from './pages/contacts.js';
import { renderMoodAdmin } from './pages/mood-admin.js';
import { renderMoodOverview } from './pages/mood-overview.js';
import { renderRoom } from './pages/room.js';
import { renderForgotPassword, renderResetPassword } from './pages/password-reset.js';

export const LOGIN_PATH = '/login';
export const SIGNUP_PATH = '/signup';
export const HOME_PATH = '/home';

const routes = new Map([
  [LOGIN_PATH, { title: 'Log in', render: renderLogin, public: true }],
  [SIGNUP_PATH, { title: 'Sign up', render: renderSignup, public: true }],
  ['/forgot-password', { title: 'Forgot password', render: renderForgotPassword, public: true }],
  ['/reset-password', { title: 'New password', render: renderResetPassword, public: true }],
  [HOME_PATH, { title: 'Home', nav: 'Home', render: renderHome }],
  ['/chat', { title: 'Chat', nav: 'Chat', render: renderChat }],
  ['/contacts', { title: 'Contacts', nav: 'Contacts', render: renderContacts }],
  ['/mood-overview', { title: 'My students', nav: 'My students', render: renderMoodOverview, lecturerOnly: true }],
  ['/calendar', { title: 'Calendar', nav: 'Calendar', render: renderCalendar }],
  ['/directory', { title: 'Directory', nav: 'Directory', render: renderDirectory }],
  ['/account', { title: 'Account', nav: 'Account', render: renderAccount }],
  ['/admin', { title: 'Admin', nav: 'Admin', render: renderAdmin, adminOnly: true }],
  ['/admin/mood', { title: 'Mood models', nav: 'Mood models', render: renderMoodAdmin, adminOnly: true }],
  // #/room/<consultation id>: matched by prefix in getRoute.
  ['/room', { title: 'Consultation room', render: renderRoom }],
]);

/** Adds or overrides a route (fields are merged into any existing entry). */
export function registerRoute(path, definition) {
  routes.set(path, { ...routes.get(path), ...definition });
}

/** The definition for a path, or undefined. */
export function getRoute(path) {
  if (path.startsWith('/room/')) return routes.get('/room');
  return routes.get(path);
}

/** Nav entries ({ path, label }) visible to the given user, in table order. */
export function navItemsFor(user) {
  const items = [];
  for (const [path, route] of routes) {
    if (!route.nav || route.public) continue;
    if (route.adminOnly && user?.role !== 'admin') continue;
    if (route.lecturerOnly && user?.role !== 'lecturer') continue;
    items.push({ path, label: route.nav });
  }
  return items;
}
