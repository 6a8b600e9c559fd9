/**
 * The agent WebSocket with reconnect and resume: after a drop it reconnects with backoff and
 * sends `resume` with the last event id it applied, so the server replays what was missed.
 */
import type { ClientFrame, ServerFrame } from './protocol.js';

/** The part of the WebSocket API the console uses (the browser's, or `ws` in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

/** Options of {@link createAgentSocket}. */
export interface AgentSocketOptions {
  /** The socket URL without the token, e.g. `ws://host/api/v1/agent/ws`. */
  url: string;
  token: () => string | undefined;
  /** The last event id applied; 0 before the first event. */
  lastEventId: () => number;
  onFrame: (frame: ServerFrame) => void;
  onStatus: (status: 'connecting' | 'live' | 'reconnecting' | 'offline') => void;
  /** The server refused the token (close code 4401): sign in again. */
  onUnauthorized?: () => void;
  /** Defaults to the browser's WebSocket. */
  createSocket?: (url: string) => SocketLike;
  /** First reconnect delay; doubles up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A ping keeps proxies from dropping an idle socket, and finds dead ones. */
  pingEveryMs?: number;
}

/** A running agent socket. */
export interface AgentSocket {
  send(frame: ClientFrame): boolean;
  /** Drops the current connection on purpose (the next one resumes), e.g. when the network comes back. */
  reconnect(): void;
  close(): void;
}

const OPEN = 1;

/** Opens the agent socket and keeps it open until `close()`. */
export function createAgentSocket(options: AgentSocketOptions): AgentSocket {
  const minDelay = options.minDelayMs ?? 500;
  const maxDelay = options.maxDelayMs ?? 10_000;
  const pingEvery = options.pingEveryMs ?? 25_000;
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  let socket: SocketLike | undefined;
  let attempt = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let heardSincePing = true;

  function connect(): void {
    const token = options.token();
    if (!token) return;
    options.onStatus(attempt === 0 ? 'connecting' : 'reconnecting');
    const sep = options.url.includes('?') ? '&' : '?';
    const ws = createSocket(`${options.url}${sep}token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      const last = options.lastEventId();
      if (last > 0) ws.send(JSON.stringify({ type: 'resume', lastEventId: last } satisfies ClientFrame));
      heardSincePing = true;
      clearInterval(pingTimer);
      pingTimer = setInterval(() => {
        // No answer since the last ping: the connection is dead even if the OS has not noticed.
        if (!heardSincePing) return ws.close(4000, 'ping timeout');
        heardSincePing = false;
        if (ws.readyState === OPEN) ws.send(JSON.stringify({ type: 'ping' } satisfies ClientFrame));
      }, pingEvery);
    };
    ws.onmessage = (ev) => {
      heardSincePing = true;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(ev.data)) as ServerFrame;
      } catch {
        return;
      }
      if (frame.type === 'hello') options.onStatus('live');
      options.onFrame(frame);
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      clearInterval(pingTimer);
      if (socket !== ws) return;
      socket = undefined;
      if (closed) return;
      if (ev.code === 4401) {
        options.onStatus('offline');
        options.onUnauthorized?.();
        return;
      }
      options.onStatus('reconnecting');
      const delay = Math.min(maxDelay, minDelay * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      attempt++;
      retryTimer = setTimeout(connect, delay);
    };
  }

  connect();
  return {
    send(frame) {
      if (!socket || socket.readyState !== OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    reconnect() {
      if (closed) return;
      if (socket) socket.close(4000, 'reconnect');
      else {
        clearTimeout(retryTimer);
        connect();
      }
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      socket?.close(1000, 'bye');
      socket = undefined;
      options.onStatus('offline');
    },
  };
}
