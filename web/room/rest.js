// The room's REST calls (api/src routes under /consultations/{id}/room and
// /recordings), named after what they do, so the page and the session read
// as the room's story rather than as URLs.

import { api } from '../api.js';

const base = (id) => `/consultations/${encodeURIComponent(id)}`;

/** The room as the signed-in user sees it (open or not, when, who may manage it). */
export function loadRoom(id, signal) {
  return api.get(`${base(id)}/room`, { signal });
}

/** Opens the room now (the lecturer); resolves with the room. */
export function openRoom(id) {
  return api.post(`${base(id)}/room/open`);
}

/** Ends the room for everyone (the lecturer). */
export function closeRoom(id) {
  return api.post(`${base(id)}/room/close`);
}

/** Starts or stops recording (the lecturer); resolves with `{ recording }`. */
export function setRecording(id, active) {
  return api.post(`${base(id)}/room/recording`, { active });
}

/** The consultation's recordings, finished or running. */
export async function loadRecordings(id) {
  const data = await api.get(`${base(id)}/recordings`);
  return data.recordings || [];
}
