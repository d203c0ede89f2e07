// Shared client state: the signed-in user (or null) with change listeners,
// so the header and pages stay in sync after login, logout or profile edits.

let currentUser = null;
const listeners = new Set();

/** The signed-in user from GET /api/v1/me, or null when signed out. */
export function getUser() {
  return currentUser;
}

/** True when the signed-in user has the admin role. */
export function isAdmin(user = currentUser) {
  return user?.role === 'admin';
}

/** Replaces the signed-in user and notifies listeners. */
export function setUser(user) {
  currentUser = user || null;
  for (const listener of listeners) listener(currentUser);
}

/** Subscribes to user changes; returns an unsubscribe function. */
export function onUserChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
