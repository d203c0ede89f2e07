// Fetch wrapper for the Chatterly JSON API (/api/v1). Every request is
// same-origin with JSON headers; non-2xx responses throw an ApiError, and a
// 401 outside the login/signup pages sends the user back to #/login.

const API_PREFIX = '/api/v1';
const AUTH_PAGES = ['#/login', '#/signup'];

/** Name of the window event fired when the API reports the session is gone. */
export const UNAUTHORIZED_EVENT = 'chatterly:unauthorized';

const DEFAULT_MESSAGES = {
  0: 'Could not reach Chatterly. Check your connection and try again.',
  400: 'The request was not valid.',
  401: 'Please log in to continue.',
  403: 'You do not have permission to do that.',
  404: 'That could not be found.',
  409: 'That conflicts with existing data.',
  422: 'Some of the details are not valid.',
  429: 'Too many attempts. Please wait a moment and try again.',
};

/** Error thrown for any failed API call. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** True when an error comes from an aborted request (e.g. page left). */
export function isAbortError(err) {
  return err?.name === 'AbortError';
}

function onAuthPage() {
  const hash = window.location.hash || '';
  return AUTH_PAGES.some((page) => hash === page || hash.startsWith(page + '?'));
}

function buildUrl(path) {
  if (path.startsWith('/api/')) return path;
  return API_PREFIX + (path.startsWith('/') ? path : '/' + path);
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Performs an API request and resolves with the parsed JSON body (or null).
 * Options: method, body (serialised as JSON) or raw (sent as it is, with
 * contentType), signal, redirectOn401 (default true).
 */
export async function request(path, {
  method = 'GET', body, raw, contentType = 'application/json', signal, redirectOn401 = true,
} = {}) {
  let response;
  try {
    response = await fetch(buildUrl(path), {
      method,
      credentials: 'same-origin',
      headers: { 'Content-Type': contentType, Accept: 'application/json' },
      body: raw !== undefined ? raw : (body === undefined ? undefined : JSON.stringify(body)),
      signal,
    });
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError(0, 'network_error', DEFAULT_MESSAGES[0]);
  }

  const data = response.status === 204 ? null : await readBody(response);
  if (response.ok) return data;

  const code = data?.error?.code || `http_${response.status}`;
  const message = data?.error?.message || DEFAULT_MESSAGES[response.status]
    || `Something went wrong (HTTP ${response.status}).`;

  if (response.status === 401 && redirectOn401 && !onAuthPage()) {
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
    window.location.hash = '#/login';
  }
  throw new ApiError(response.status, code, message);
}

/** Convenience helpers for the common verbs. */
export const api = {
  get: (path, options) => request(path, { ...options, method: 'GET' }),
  post: (path, body, options) => request(path, { ...options, method: 'POST', body }),
  put: (path, body, options) => request(path, { ...options, method: 'PUT', body }),
  patch: (path, body, options) => request(path, { ...options, method: 'PATCH', body }),
  delete: (path, options) => request(path, { ...options, method: 'DELETE' }),
  /** Sends a file or text as the raw body (e.g. a CSV upload). */
  upload: (path, raw, contentType, options) => request(path, { ...options, method: 'POST', raw, contentType }),
};
