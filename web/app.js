// Entry point: loads the signed-in user (GET /api/v1/me), builds the app
// shell (with the first-use mood prompt until it is answered) and runs the
// hash router that renders pages from routes.js.

import { api, isAbortError, UNAUTHORIZED_EVENT } from './api.js';
import { h } from './dom.js';
import { getUser, setUser, onUserChange } from './state.js';
import { createHeader } from './components/header.js';
import { createMoodPrompt } from './components/mood-prompt.js';
import { getRoute, navItemsFor, LOGIN_PATH, SIGNUP_PATH, HOME_PATH } from './routes.js';

const main = document.getElementById('main');
const header = createHeader(document.getElementById('app-header'), { onLogout: logout });
// The first-use mood prompt sits above the page, outside the router's container.
const moodPrompt = createMoodPrompt((element) => main.before(element));

let activeController = null;
let activeCleanup = null;
let firstRender = true;

/** Current hash path without the leading "#" or any "?query". */
function currentPath() {
  const hash = window.location.hash.replace(/^#/, '');
  const path = hash.split('?')[0];
  return path.startsWith('/') ? path : `/${path}`;
}

function replacePath(path) {
  window.history.replaceState(window.history.state, '', `#${path}`);
}

/** Goes to a path, re-rendering even when the hash is already that path. */
export function navigate(path) {
  if (currentPath() === path) renderCurrentRoute();
  else window.location.hash = `#${path}`;
}

/** Reloads the signed-in user from the API and publishes it. */
async function refreshUser() {
  const user = await api.get('/me', { redirectOn401: false });
  setUser(user);
  return user;
}

async function logout() {
  try {
    await api.post('/auth/logout', undefined, { redirectOn401: false });
  } catch (err) {
    console.warn('Logout request failed', err);
  }
  setUser(null);
  navigate(LOGIN_PATH);
}

/** Decides which route to show for the current hash and user. */
function resolveRoute() {
  const user = getUser();
  let path = currentPath();
  let route = getRoute(path);

  if (!user) {
    if (path !== SIGNUP_PATH) path = LOGIN_PATH;
  } else if (!route || route.public || (route.adminOnly && user.role !== 'admin')
    || (route.lecturerOnly && user.role !== 'lecturer')) {
    path = HOME_PATH;
  }
  if (path !== currentPath()) replacePath(path);
  route = getRoute(path);
  return { path, route };
}

function teardown() {
  activeController?.abort();
  activeController = null;
  if (typeof activeCleanup === 'function') {
    try {
      activeCleanup();
    } catch (err) {
      console.error('Page cleanup failed', err);
    }
  }
  activeCleanup = null;
}

function showPageError(err) {
  console.error(err);
  main.replaceChildren(h('section', { class: 'page' },
    h('h1', { class: 'page-title', tabindex: '-1' }, 'Something went wrong'),
    h('p', { class: 'form-error', role: 'alert' }, err?.message || 'This page could not be shown.'),
  ));
}

function renderCurrentRoute() {
  teardown();
  const { path, route } = resolveRoute();
  const user = getUser();
  const signedInPage = Boolean(user) && !route.public;

  header.show(signedInPage);
  header.setActive(path);
  main.classList.toggle('main-auth', !signedInPage);
  document.title = route.title ? `${route.title} · Chatterly` : 'Chatterly';
  main.replaceChildren();

  const controller = new AbortController();
  activeController = controller;
  const ctx = { user, navigate, refreshUser, signal: controller.signal };
  try {
    const result = route.render(main, ctx);
    if (typeof result === 'function') activeCleanup = result;
    else if (result && typeof result.then === 'function') {
      result.then((cleanup) => {
        if (controller.signal.aborted) cleanup?.();
        else if (typeof cleanup === 'function') activeCleanup = cleanup;
      }).catch((err) => {
        if (!isAbortError(err) && !controller.signal.aborted) showPageError(err);
      });
    }
  } catch (err) {
    showPageError(err);
  }

  // Move focus to the new page for keyboard/screen-reader users, unless the
  // page already focused something itself (e.g. the first form field).
  if (!firstRender && !main.contains(document.activeElement)) {
    const heading = main.querySelector('h1');
    (heading || main).focus();
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

async function boot() {
  document.getElementById('skip-link').addEventListener('click', () => main.focus());
  onUserChange((user) => header.update(user, navItemsFor(user)));
  onUserChange((user) => moodPrompt.check(user));
  window.addEventListener(UNAUTHORIZED_EVENT, () => setUser(null));
  window.addEventListener('hashchange', renderCurrentRoute);

  try {
    await refreshUser();
  } catch (err) {
    if (err.status !== 401) console.warn('Could not load the current user', err);
    setUser(null);
  }
  renderCurrentRoute();
}

boot();
