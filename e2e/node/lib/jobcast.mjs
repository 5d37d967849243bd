// Helpers for the end-to-end suite: start a real `jobcast serve` on a free
// port with a fresh data directory, mint tokens with `jobcast token`, call the
// REST API with fetch, and talk Socket.IO with the official client.
//
// Every wait is bounded and fails with a message that says what was awaited.

import { spawn, execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { io } from "socket.io-client";

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $JOBCAST_BIN, else the workspace's debug build. */
export const BINARY =
  process.env.JOBCAST_BIN ?? path.resolve(here, "../../../target/debug/jobcast");

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** Resolves `promise`, or rejects after `ms` with `what` in the message. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) until it returns a truthy value. */
export async function waitUntil(what, check, { timeout = 15000, every = 25 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Starts `jobcast serve --listen 127.0.0.1:0 --workers 2` with a fresh
 * JOBCAST_DATA_DIR (plus `env`), and resolves once it printed its address.
 */
export async function startServer({ env = {}, workers = 2, dataDir, listen = "127.0.0.1:0" } = {}) {
  dataDir ??= await mkdtemp(path.join(tmpdir(), "jobcast-e2e-"));
  const childEnv = {
    ...process.env,
    JOBCAST_DATA_DIR: dataDir,
    JOBCAST_LOG: process.env.JOBCAST_LOG ?? "warn",
    ...env,
  };
  const child = spawn(
    BINARY,
    ["serve", "--listen", listen, "--workers", String(workers)],
    { env: childEnv, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  child.stdout.setEncoding("utf8");
  const firstLine = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const nl = stdout.indexOf("\n");
      if (nl >= 0) resolve(stdout.slice(0, nl));
    });
    child.on("error", (e) => reject(new Error(`cannot start ${BINARY}: ${e.message}`)));
    child.on("exit", (code, signal) =>
      reject(
        new Error(
          `jobcast exited (code ${code}, signal ${signal}) before listening; stderr:\n${stderr}`,
        ),
      ),
    );
  });
  let line;
  try {
    line = await within(30000, "jobcast to print its address", firstLine);
  } catch (e) {
    child.kill("SIGKILL");
    await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  const m = /^jobcast \S+ listening on (http:\/\/127\.0\.0\.1:\d+)\s*$/.exec(line);
  if (!m) {
    child.kill("SIGKILL");
    throw new Error(`unexpected first stdout line: ${JSON.stringify(line)}`);
  }
  const url = m[1];
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const sockets = new Set();

  const server = {
    url,
    dataDir,
    child,
    stderr: () => stderr,

    /** A token minted by `jobcast token` against this data directory. */
    async token(user, { role, ttl, dir = dataDir } = {}) {
      const args = ["token", "--user", user];
      if (role) args.push("--role", role);
      if (ttl) args.push("--ttl", ttl);
      const { stdout: out } = await execFileP(BINARY, args, {
        env: { ...childEnv, JOBCAST_DATA_DIR: dir },
      });
      const token = out.trim().split("\n").pop().trim();
      if (token.split(".").length !== 3) throw new Error(`not a JWT: ${out}`);
      return token;
    },

    /** An HS256 token signed with this server's secret and arbitrary claims. */
    async signedToken(claims, header = { alg: "HS256", typ: "JWT" }) {
      const secret = (await readFile(path.join(dataDir, "jwt-secret"), "utf8")).trim();
      return signJwt(header, claims, secret);
    },

    /** Calls the REST API; resolves `{status, body}`. */
    async api(method, route, token, body) {
      const headers = {};
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(url + route, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed };
    },

    /** Creates one `demo.steps` job; resolves its snapshot. */
    async createJob(token, options = {}, text = "one\ntwo\nthree\n") {
      const { status, body } = await server.api("POST", "/api/jobs", token, {
        kind: "demo.steps",
        text,
        options,
      });
      if (status !== 202) {
        throw new Error(`POST /api/jobs answered ${status}: ${JSON.stringify(body)}`);
      }
      return body.jobs[0];
    },

    async job(token, id) {
      const { status, body } = await server.api("GET", `/api/jobs/${id}`, token);
      if (status !== 200) throw new Error(`GET /api/jobs/${id} answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },

    /** Every stored event of a job, from the REST API. */
    async events(token, id, afterSeq = 0) {
      const { status, body } = await server.api(
        "GET",
        `/api/jobs/${id}/events?after_seq=${afterSeq}`,
        token,
      );
      if (status !== 200) throw new Error(`GET events answered ${status}: ${JSON.stringify(body)}`);
      return body.events;
    },

    /** Waits (bounded) until the job's snapshot satisfies `check`. */
    async waitJob(token, id, what, check, timeout = 20000) {
      return waitUntil(
        `job ${id} ${what}`,
        async () => {
          const job = await server.job(token, id);
          return check(job) ? job : null;
        },
        { timeout, every: 50 },
      );
    },

    /**
     * A connected socket (or a rejection with the `connect_error`). Defaults:
     * no automatic reconnection, a new Manager per socket.
     */
    async connect(token, opts = {}) {
      const auth = token === undefined ? undefined : { token };
      const socket = io(url, {
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
    },

    /**
     * Stops this process with SIGTERM and starts a new one on the same
     * address and data directory (sockets are left to reconnect by themselves).
     * Resolves the new server.
     */
    async restart() {
      await server.stop({ keepData: true, keepSockets: true });
      return startServer({ env, workers, dataDir, listen: url.replace("http://", "") });
    },

    /** Disconnects every socket, sends SIGTERM, waits, removes the data dir. */
    async stop({ keepData = false, keepSockets = false } = {}) {
      if (!keepSockets) for (const s of sockets) s.close();
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        try {
          await within(15000, "jobcast to stop after SIGTERM", exited);
        } catch (e) {
          child.kill("SIGKILL");
          await exited;
        }
      }
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** An HS256 JWT, by hand (for expired and forged tokens). */
export function signJwt(header, claims, secret) {
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const unsigned = `${b64(header)}.${b64(claims)}`;
  if (header.alg === "none") return `${unsigned}.`;
  const sig = createHmac("sha256", secret).update(unsigned).digest("base64url");
  return `${unsigned}.${sig}`;
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
