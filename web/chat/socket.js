// WebSocket link to /api/v1/ws (docs/protocol.md). Authenticates with the
// session cookie, reconnects by itself with jittered exponential backoff (at
// once when the browser comes back online or the tab becomes visible), and
// detects dead links with application pings. It knows nothing about chat
// state: frames go to onFrame, and onReady runs after every (re)connect so the
// session can resync.

export const CLOSE_REVOKED = 4001;
export const CLOSE_TOO_SLOW = 4008;

const PING_EVERY_MS = 25_000;
const PONG_TIMEOUT_MS = 10_000;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 15_000;

/** ws:// or wss:// URL of the chat endpoint on this origin. */
export function socketUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/api/v1/ws`;
}

/**
 * Callbacks: onReady(readyFrame), onFrame(frame), onStatus('connecting' |
 * 'online' | 'reconnecting'), onRevoked(), onFailure(consecutiveFailures).
 */
export class ChatSocket {
  constructor({ url = socketUrl(), onReady, onFrame, onStatus, onRevoked, onFailure }) {
    Object.assign(this, { url, onReady, onFrame, onStatus, onRevoked, onFailure });
    this.ws = null;
    this.ready = false;
    this.stopped = true;
    this.failures = 0;
    this.generation = 0; // increases with every successful connection
    this.retryTimer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.handleOnline = () => this.reconnectNow();
    this.handleVisible = () => {
      if (document.visibilityState === 'visible') this.reconnectNow();
    };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.handleOnline);
    document.addEventListener('visibilitychange', this.handleVisible);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.handleOnline);
    document.removeEventListener('visibilitychange', this.handleVisible);
    clearTimeout(this.retryTimer);
    this.detach(1000);
  }

  /** Sends a frame if the link is up; returns whether it was sent. */
  send(frame) {
    if (!this.ready || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Reconnects immediately if the link is down (or checks it if it looks up). */
  reconnectNow() {
    if (this.stopped) return;
    if (this.ready) {
      this.probe();
      return;
    }
    if (this.ws?.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.retryTimer);
    this.failures = 0;
    this.connect();
  }

  connect() {
    this.detach(1000);
    this.onStatus?.(this.generation === 0 && this.failures === 0 ? 'connecting' : 'reconnecting');
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (err) {
      console.warn('Chat connection failed', err);
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onmessage = (event) => this.receive(event.data);
    ws.onclose = (event) => this.closed(event);
  }

  receive(data) {
    clearTimeout(this.pongTimer);
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      console.warn('Ignoring a chat frame that is not JSON');
      return;
    }
    if (frame.type === 'ready') {
      this.ready = true;
      this.failures = 0;
      this.generation += 1;
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.probe(), PING_EVERY_MS);
      this.onStatus?.('online');
      this.onReady?.(frame);
    } else if (frame.type !== 'pong') {
      this.onFrame?.(frame);
    }
  }

  /** Sends a ping; a link that stays silent is treated as dropped. */
  probe() {
    if (!this.send({ type: 'ping' })) return;
    clearTimeout(this.pongTimer);
    this.pongTimer = setTimeout(() => {
      console.warn('Chat connection stopped answering; reconnecting');
      this.dropped();
    }, PONG_TIMEOUT_MS);
  }

  closed(event) {
    const wasReady = this.ready;
    this.detach();
    if (this.stopped) return;
    if (event.code === CLOSE_REVOKED) {
      this.stopped = true;
      this.onRevoked?.();
      return;
    }
    if (!wasReady) {
      this.failures += 1;
      this.onFailure?.(this.failures);
    }
    this.scheduleRetry(wasReady);
  }

  dropped() {
    this.detach(1000);
    if (!this.stopped) this.scheduleRetry(true);
  }

  scheduleRetry(immediately = false) {
    clearTimeout(this.retryTimer);
    this.onStatus?.('reconnecting');
    const base = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** this.failures);
    const delay = immediately ? 150 + Math.random() * 350 : base * (0.5 + Math.random() / 2);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Forgets the current WebSocket (closing it when a code is given). */
  detach(code) {
    clearInterval(this.pingTimer);
    clearTimeout(this.pongTimer);
    this.ready = false;
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    if (code && ws.readyState <= WebSocket.OPEN) {
      try {
        ws.close(code);
      } catch {
        // Already closing.
      }
    }
  }
}
