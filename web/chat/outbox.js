// Messages the user sent that the server has not acknowledged yet. Each has a
// client_id made once (crypto.randomUUID) and reused on every resend, so a
// message resent after a reconnect is stored only once (the server dedupes by
// client_id). Items are shown in the thread as pending until their ack, and
// stay queued across reconnects.

const MAX_BODY_CHARS = 100_000;
const MAX_FRAME_BYTES = 500 * 1024; // the server refuses frames over 512 KiB
const RETRY_INTERNAL_MS = 2000;
const ACK_TIMEOUT_MS = 10_000;

/** A random id for a message; falls back where randomUUID is unavailable (plain http). */
export function newClientId() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Why a body cannot be sent, or null. Checked before queueing so a bad frame is never retried. */
export function bodyProblem(body) {
  if (!body.trim()) return 'Type a message first.';
  if ([...body].length > MAX_BODY_CHARS) return 'Messages can be at most 100,000 characters.';
  if (new Blob([JSON.stringify({ body })]).size > MAX_FRAME_BYTES) return 'This message is too large to send.';
  return null;
}

/**
 * The outbox of a chat session. `socket` sends frames; `store` holds the
 * items (store.state.outbox) so the thread can show them. One message is in
 * flight at a time (the next goes out on its ack), so messages are stored in
 * the order they were written even when the server asks to slow down
 * (rate_limited) or fails (internal): then the outbox pauses and retries.
 */
export function createOutbox(store, socket) {
  let inFlight = null; // { client_id, generation }
  let pauseTimer = null;
  let ackTimer = null;

  function next() {
    return store.state.outbox.find((item) => !item.failed) || null;
  }

  /** Sends the oldest pending message, unless it is already on its way. */
  function flush() {
    if (pauseTimer) return;
    const item = next();
    if (!item) return;
    if (inFlight?.client_id === item.client_id && inFlight.generation === socket.generation) return;
    const sent = socket.send({
      type: 'send', conversation: item.conversation, client_id: item.client_id, body: item.body,
    });
    if (!sent) return; // the next (re)connect flushes again
    inFlight = { client_id: item.client_id, generation: socket.generation };
    clearTimeout(ackTimer);
    // No answer for a long time: send the same client_id again (the server dedupes).
    ackTimer = setTimeout(() => {
      inFlight = null;
      flush();
    }, ACK_TIMEOUT_MS);
  }

  /** Queues a message and sends it when its turn comes. */
  function add(conversation, body) {
    const item = {
      client_id: newClientId(), conversation, body,
      created_at: new Date().toISOString(), failed: false, error: null,
    };
    store.state.outbox.push(item);
    store.changed();
    flush();
    return item;
  }

  function find(clientId) {
    return store.state.outbox.find((item) => item.client_id === clientId);
  }

  function settled(clientId) {
    if (inFlight?.client_id !== clientId) return;
    inFlight = null;
    clearTimeout(ackTimer);
  }

  /** The server stored the message: drop it from the outbox and send the next; returns the item. */
  function acknowledge(clientId) {
    const item = find(clientId);
    if (!item) return null;
    store.state.outbox = store.state.outbox.filter((i) => i !== item);
    settled(clientId);
    store.changed();
    flush();
    return item;
  }

  /** The server refused a send: pause and retry for transient errors, else mark it failed. */
  function refuse(clientId, frame) {
    const item = find(clientId);
    if (!item) return;
    settled(clientId);
    const wait = frame.code === 'rate_limited' ? (frame.retry_after_ms || 1000)
      : frame.code === 'internal' ? RETRY_INTERNAL_MS : null;
    if (wait != null) {
      clearTimeout(pauseTimer);
      pauseTimer = setTimeout(() => {
        pauseTimer = null;
        flush();
      }, wait);
    } else {
      item.failed = true;
      item.error = frame.message;
      flush();
    }
    store.changed();
  }

  /** Removes a failed message the user gave up on. */
  function discard(clientId) {
    acknowledge(clientId);
  }

  function stop() {
    clearTimeout(pauseTimer);
    clearTimeout(ackTimer);
    pauseTimer = null;
  }

  return { add, flush, acknowledge, refuse, discard, stop };
}
