// A small Socket.IO v5 client over WebSocket (Engine.IO v4), enough for the
// dashboard: namespace "/", JSON packets, events with acknowledgements,
// heartbeats, and reconnection with backoff. No long-polling, no binary, no
// third-party code (the page's Content-Security-Policy allows none).
//
// Why our own: the official client is ~50 KB that would have to be copied
// in or bundled; the dashboard needs one namespace, JSON and WebSocket.
//
// Packets (text frames): an Engine.IO type digit ("0" open, "1" close,
// "2" ping, "3" pong, "4" message), then for a message a Socket.IO packet:
// "0" CONNECT, "1" DISCONNECT, "2" EVENT, "3" ACK, "4" CONNECT_ERROR, an
// optional "/namespace," (only "/" is spoken), an optional ack id, and the
// JSON payload. So `40{"token":"t"}` connects, `427["join_job",{...}]` asks
// with ack id 7, and `437[{...}]` answers it.
//
// The codec (encodePacket, decodeFrame, decodePacket) and backoffMs are pure
// and exported, so Node tests them without a browser or a server.

const EIO_OPEN = "0";
const EIO_CLOSE = "1";
const EIO_PING = "2";
const EIO_PONG = "3";
const EIO_MESSAGE = "4";

export const SIO_CONNECT = 0;
export const SIO_DISCONNECT = 1;
export const SIO_EVENT = 2;
export const SIO_ACK = 3;
export const SIO_CONNECT_ERROR = 4;

/** Encodes a Socket.IO packet on namespace "/" as an Engine.IO message. */
export function encodePacket(type, data, id) {
  let text = EIO_MESSAGE + String(type);
  if (id !== undefined && id !== null) text += String(id);
  if (data !== undefined) text += JSON.stringify(data);
  return text;
}

/**
 * Decodes one Engine.IO text frame: {eio: "open"|"close"|"ping"|"pong"|
 * "message", data?} where a message's data is a Socket.IO packet
 * {type, id, data}. Returns null for frames this client does not speak.
 */
export function decodeFrame(text) {
  if (typeof text !== "string" || text.length === 0) return null;
  const eio = text[0];
  const rest = text.slice(1);
  switch (eio) {
    case EIO_OPEN:
      return { eio: "open", data: parseJson(rest) };
    case EIO_CLOSE:
      return { eio: "close" };
    case EIO_PING:
      return { eio: "ping" };
    case EIO_PONG:
      return { eio: "pong" };
    case EIO_MESSAGE: {
      const packet = decodePacket(rest);
      return packet ? { eio: "message", data: packet } : null;
    }
    default:
      return null;
  }
}

/** Decodes a Socket.IO packet: type digit, optional "/nsp,", ack id, JSON. */
export function decodePacket(text) {
  const type = Number(text[0]);
  if (!Number.isInteger(type) || type < 0 || type > 6) return null;
  let i = 1;
  if (text[i] === "/") {
    const comma = text.indexOf(",", i);
    const nsp = comma < 0 ? text.slice(i) : text.slice(i, comma);
    if (nsp !== "/") return null;
    i = comma < 0 ? text.length : comma + 1;
  }
  let digits = "";
  while (i < text.length && text[i] >= "0" && text[i] <= "9") digits += text[i++];
  const payload = text.slice(i);
  const data = payload ? parseJson(payload) : undefined;
  if (payload && data === undefined) return null;
  return { type, id: digits ? Number(digits) : null, data };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The backoff before reconnection attempt `n` (0-based), with jitter. */
export function backoffMs(n, { min = 500, max = 5000, random = Math.random } = {}) {
  const base = Math.min(max, min * 2 ** Math.min(n, 10));
  return Math.round(base * (0.75 + random() * 0.5));
}

/**
 * A Socket.IO connection that reconnects by itself.
 *
 * Events (subscribe with `on(name, fn)`): "connect" (after the CONNECT ack;
 * also after every reconnection), "disconnect" (reason), "reconnecting"
 * (attempt, delay ms), "connect_error" (message), "refused" (the server
 * refused the token: no more attempts), "token_expired" (the server closes
 * the socket because its token expired: no more attempts until `renew`
 * brings a fresh one), and every server event by name.
 *
 * A link is dead when the server sends no ping for pingInterval +
 * pingTimeout, when the socket is not accepted within `connectTimeoutMs`,
 * or when the WebSocket closes (a server that stops on SIGTERM closes
 * without an Engine.IO close packet). Every death but a refused token is
 * followed by a new attempt after backoffMs(attempt).
 */
export class Socket {
  constructor(url, auth, { ackTimeoutMs = 10000, connectTimeoutMs = 10000 } = {}) {
    this.url = url;
    this.auth = auth;
    this.ackTimeoutMs = ackTimeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.connectTimer = null;
    this.connected = false;
    this.handlers = new Map();
    this.acks = new Map();
    this.nextAckId = 0;
    this.attempt = 0;
    this.stopped = false;
    this.expired = false;
    this.ws = null;
    this.heartbeat = null;
    this.retryTimer = null;
  }

  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, []);
    this.handlers.get(name).push(fn);
    return this;
  }

  emitLocal(name, ...args) {
    for (const fn of this.handlers.get(name) ?? []) {
      try {
        fn(...args);
      } catch (e) {
        // A handler's bug must not break the connection; show it.
        console.error(`handler of ${name} failed`, e);
      }
    }
  }

  open() {
    this.stopped = false;
    this.dial();
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.teardown("closed by the page");
  }

  /**
   * Connects again with `auth` (a fresh token) after "token_expired"; the
   * "connect" that follows is where the page rejoins from its last seqs.
   */
  renew(auth) {
    this.auth = auth;
    this.expired = false;
    this.stopped = false;
    this.attempt = 0;
    clearTimeout(this.retryTimer);
    this.teardown("renewing the token");
    this.dial();
  }

  /** Skips the wait before the next attempt (e.g. the browser is back online). */
  retryNow() {
    if (this.stopped || this.expired || this.connected || this.ws) return;
    clearTimeout(this.retryTimer);
    this.dial();
  }

  /**
   * Sends an event and resolves with its acknowledgement's first argument;
   * rejects when not connected, on disconnection, or after ackTimeoutMs.
   */
  request(event, data) {
    if (!this.connected) return Promise.reject(new Error("not connected"));
    const id = this.nextAckId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        reject(new Error(`${event}: no answer within ${this.ackTimeoutMs} ms`));
      }, this.ackTimeoutMs);
      this.acks.set(id, { resolve, reject, timer });
      this.send(encodePacket(SIO_EVENT, [event, data], id));
    });
  }

  dial() {
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.dropped(`cannot open a WebSocket: ${e.message}`);
      return;
    }
    this.ws = ws;
    clearTimeout(this.connectTimer);
    this.connectTimer = setTimeout(() => {
      if (this.ws === ws && !this.connected) this.dropped("no answer to connect");
    }, this.connectTimeoutMs);
    ws.onmessage = (message) => this.receive(message.data);
    ws.onclose = () => {
      if (this.ws === ws) this.dropped("connection closed");
    };
    // An error is always followed by a close; the close decides.
    ws.onerror = () => {};
  }

  receive(text) {
    const frame = decodeFrame(text);
    if (!frame) return;
    switch (frame.eio) {
      case "open":
        this.pingDeadline = (frame.data?.pingInterval ?? 25000) + (frame.data?.pingTimeout ?? 20000);
        this.armHeartbeat();
        this.send(encodePacket(SIO_CONNECT, this.auth));
        break;
      case "ping":
        this.armHeartbeat();
        this.send(EIO_PONG);
        break;
      case "close":
        this.dropped("server closed the connection");
        break;
      case "message":
        this.packet(frame.data);
        break;
      default:
        break;
    }
  }

  packet({ type, id, data }) {
    if (type === SIO_CONNECT) {
      clearTimeout(this.connectTimer);
      this.connected = true;
      this.attempt = 0;
      this.emitLocal("connect");
    } else if (type === SIO_CONNECT_ERROR) {
      const message = data?.message ?? "refused";
      this.emitLocal("connect_error", message);
      if (message === "unauthorized") {
        // Trying again cannot help: the page must get a new token.
        this.stopped = true;
        this.teardown("unauthorized");
        this.emitLocal("refused", message);
      } else {
        // E.g. rate_limited: the namespace is not joined; start afresh later.
        this.dropped(`refused: ${message}`);
      }
    } else if (type === SIO_EVENT && Array.isArray(data) && typeof data[0] === "string") {
      this.emitLocal(data[0], ...data.slice(1));
      if (data[0] === "disconnect_reason" && data[1]?.code === "token_expired") {
        // Reconnecting with the same token cannot help: wait for `renew`.
        this.expired = true;
        this.emitLocal("token_expired", data[1]);
      }
    } else if (type === SIO_ACK && id !== null && this.acks.has(id)) {
      const { resolve, timer } = this.acks.get(id);
      clearTimeout(timer);
      this.acks.delete(id);
      resolve(Array.isArray(data) ? data[0] : data);
    } else if (type === SIO_DISCONNECT) {
      this.dropped("server disconnected the socket");
    }
  }

  send(text) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  /** A missing ping for pingInterval + pingTimeout means a dead link. */
  armHeartbeat() {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => this.dropped("heartbeat timeout"), this.pingDeadline);
  }

  teardown(reason) {
    clearTimeout(this.heartbeat);
    clearTimeout(this.connectTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onmessage = null;
      ws.onclose = null;
      if (ws.readyState <= WebSocket.OPEN) ws.close();
    }
    for (const { reject, timer } of this.acks.values()) {
      clearTimeout(timer);
      reject(new Error(`disconnected: ${reason}`));
    }
    this.acks.clear();
    const wasConnected = this.connected;
    this.connected = false;
    if (wasConnected) this.emitLocal("disconnect", reason);
  }

  dropped(reason) {
    this.teardown(reason);
    if (this.stopped || this.expired) return;
    const delay = backoffMs(this.attempt);
    this.attempt += 1;
    this.emitLocal("reconnecting", this.attempt, delay);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.stopped) this.dial();
    }, delay);
  }
}

/** The Socket.IO endpoint of the page's own server. */
export function socketUrl(location) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/socket.io/?EIO=4&transport=websocket`;
}
