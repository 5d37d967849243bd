// Helpers for the Node end-to-end suite: the shared server launcher
// (e2e/lib/server.mjs: a real `jobcast serve` on a free port with a fresh
// data directory, tokens from `jobcast token`, the REST API with fetch), plus
// Socket.IO with the official client and checks of event sequences.
//
// Every wait is bounded and fails with a message that says what was awaited.

import { io } from "socket.io-client";

import { startServer as startBareServer, TERMINAL, within } from "../../lib/server.mjs";

// The launcher, the bounded waits and the token helpers are shared with the
// browser suite (e2e/lib/server.mjs); this file adds the Socket.IO side.
export { BINARY, TERMINAL, signJwt, sleep, waitUntil, within } from "../../lib/server.mjs";

/**
 * Starts a server (see e2e/lib/server.mjs: `startServer`) and adds
 * `connect` (socket.io-client sockets, closed by `stop`). `restart` keeps
 * the sockets: they reconnect by themselves.
 */
export async function startServer(options) {
  const server = await startBareServer(options);
  const sockets = new Set();
  const stopProcess = server.stop;

  /**
   * A connected socket (or a rejection with the `connect_error`). Defaults:
   * no automatic reconnection, a new Manager per socket.
   */
  server.connect = async (token, opts = {}) => {
    const auth = token === undefined ? undefined : { token };
    const socket = io(server.url, {
      path: "/socket.io/",
      auth,
      forceNew: true,
      reconnection: false,
      timeout: 10000,
      ...opts,
    });
    sockets.add(socket);
    const feed = new Feed(socket);
    socket.feed = feed;
    await within(
      15000,
      "the socket to connect or be refused",
      new Promise((resolve, reject) => {
        socket.once("connect", resolve);
        socket.once("connect_error", (err) => {
          socket.close();
          reject(err);
        });
      }),
    );
    return socket;
  };

  /** Disconnects every socket, then stops the process and removes the data dir. */
  server.stop = async ({ keepData = false, keepSockets = false } = {}) => {
    if (!keepSockets) for (const s of sockets) s.close();
    await stopProcess({ keepData });
  };
  return server;
}

/**
 * Records everything a socket receives, in arrival order: `job_update`s per
 * job, and (through `ack`) acknowledgements on the same timeline, so a test
 * can check that a join's replay came before its live events.
 */
export class Feed {
  constructor(socket) {
    this.socket = socket;
    this.timeline = [];
    this.updates = new Map();
    this.waiters = new Set();
    socket.on("job_update", (event) => {
      this.timeline.push({ kind: "update", event });
      if (!this.updates.has(event.job_id)) this.updates.set(event.job_id, []);
      this.updates.get(event.job_id).push(event);
      this.#wake();
    });
  }

  #wake() {
    for (const w of [...this.waiters]) {
      if (w.check()) {
        this.waiters.delete(w);
        w.resolve();
      }
    }
  }

  /** The job_updates received for `jobId`, in arrival order. */
  of(jobId) {
    return this.updates.get(jobId) ?? [];
  }

  /** Waits until `check()` holds, re-checked on every job_update. */
  until(what, check, timeout = 20000) {
    if (check()) return Promise.resolve();
    let waiter;
    const p = new Promise((resolve) => {
      waiter = { check, resolve };
      this.waiters.add(waiter);
    });
    return within(timeout, what, p).finally(() => this.waiters.delete(waiter));
  }

  /**
   * Waits for the terminal job_update of `jobId`; returns at once if the
   * join's `replay` already ended with it.
   */
  untilTerminal(jobId, timeout = 30000, replay = []) {
    if (replay.some((e) => isTerminalType(e.type))) return Promise.resolve();
    return this.until(
      `a terminal job_update of job ${jobId} (got seqs ${this.of(jobId).map((e) => e.seq).join(",")})`,
      () => this.of(jobId).some((e) => TERMINAL.has(e.status) && isTerminalType(e.type)),
      timeout,
    ).catch((e) => {
      e.message += ` — received: ${this.of(jobId).map((x) => `${x.seq}:${x.type}`).join(" ")}`;
      throw e;
    });
  }

  /**
   * Emits `event` with `payload` and resolves the acknowledgement (bounded).
   * The ack is put on the timeline at the moment it arrives.
   */
  ack(event, payload, timeout = 10000) {
    return new Promise((resolve, reject) => {
      const args = payload === undefined ? [] : [payload];
      this.socket.timeout(timeout).emit(event, ...args, (err, answer) => {
        if (err) {
          reject(new Error(`no acknowledgement of ${event} ${JSON.stringify(payload)} within ${timeout} ms`));
          return;
        }
        this.timeline.push({ kind: "ack", event, answer });
        resolve(answer);
      });
    });
  }
}

export function isTerminalType(type) {
  return type === "completed" || type === "failed" || type === "cancelled";
}

/** Asserts a list of seqs is exactly from..to, each once, in order. */
export function assertContiguous(seqs, from, to, what) {
  const expected = [];
  for (let s = from; s <= to; s++) expected.push(s);
  const same = seqs.length === expected.length && seqs.every((s, i) => s === expected[i]);
  if (!same) {
    const have = new Set(seqs);
    const missing = expected.filter((s) => !have.has(s));
    const dups = seqs.filter((s, i) => seqs.indexOf(s) !== i);
    const disorder = seqs.findIndex((s, i) => i > 0 && s < seqs[i - 1]);
    const shown = seqs.length > 60 ? `${seqs.slice(0, 30).join(",")},…,${seqs.slice(-10).join(",")}` : seqs.join(",");
    throw new Error(
      `${what}: expected seqs ${from}..${to} each once in order; ` +
        `missing [${missing.join(",")}], duplicated [${dups.join(",")}], ` +
        `${disorder >= 0 ? `out of order at index ${disorder}, ` : ""}` +
        `got ${seqs.length} seqs [${shown}]`,
    );
  }
}

/** Compares received events with the stored ones (seq, type, status). */
export function assertSameEvents(received, stored, what) {
  const key = (e) => `${e.seq}:${e.type}:${e.status}`;
  const a = received.map(key);
  const b = stored.map(key);
  if (a.length !== b.length || a.some((k, i) => k !== b[i])) {
    throw new Error(`${what}: received\n  ${a.join(" ")}\nbut stored\n  ${b.join(" ")}`);
  }
}

/** A syntactically valid ULID that names no job. */
export const UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
