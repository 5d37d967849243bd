// Chaos: jobs with live watchers (socket.io-client) while the server is
// killed (-9), drained (SIGTERM), its disk filled and freed (a file size
// limit on the process: on SQLite, where the database is the server's own
// file), its PostgreSQL connections terminated, and the
// watchers' tokens expiring every few seconds. It ends with every job
// terminal and, for every watcher and every job, the events it received
// being exactly 1..last, each once, in order, and equal to the stored log.
//
// Run once on SQLite and once on PostgreSQL ($JOBCAST_TEST_DATABASE_URL, a
// fresh database per run, dropped at the end). Bounded: each run gives up
// after a few minutes with a message saying what it was waiting for.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { describe, it } from "node:test";

import { io } from "socket.io-client";

import {
  assertContiguous,
  assertSameEvents,
  isTerminalType,
  sleep,
  startServer,
  TERMINAL,
  waitUntil,
} from "../lib/jobcast.mjs";

const execFileP = promisify(execFile);

const PG_URL = process.env.JOBCAST_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const JOBS = 36;
/** Each round: kill -9, drain, then a full disk (SQLite) or cut connections (PostgreSQL). */
const ROUNDS = 2;
const WATCHERS = 3;
/** Watchers' tokens live this long: each connection meets its expiry. */
const TOKEN_TTL_SECS = 4;
const STEPS = 40;
const STEP_MS = 40;

/** Runs SQL on the test database with psql (fails loudly if it cannot). */
async function psql(sql, url = PG_URL) {
  try {
    const { stdout } = await execFileP("psql", [url, "-v", "ON_ERROR_STOP=1", "-Atc", sql], { timeout: 20000 });
    return stdout.trim();
  } catch (e) {
    throw new Error(`psql ${url} "${sql}" failed (PostgreSQL is required by this suite): ${e.message}`);
  }
}

/** Sets the soft file size limit of a process (bytes, or "unlimited"). */
async function fileSizeLimit(pid, soft) {
  await execFileP("prlimit", [`--pid=${pid}`, `--fsize=${soft}:`], { timeout: 10000 });
}

/** REST with retries while the server is away or unavailable (bounded). */
async function steadily(what, call, timeout = 60000) {
  let last;
  return waitUntil(
    `${what} (last: ${last})`,
    async () => {
      try {
        const answer = await call();
        if (answer.status >= 500) {
          last = `${answer.status} ${JSON.stringify(answer.body)}`;
          return null;
        }
        return answer;
      } catch (e) {
        last = e.message;
        return null;
      }
    },
    { timeout, every: 100 },
  );
}

/**
 * One watcher: a socket.io-client socket that reconnects by itself, presents
 * the freshest token on every connect, and rejoins each job after the last
 * seq it received. It records everything it receives, duplicates included.
 */
class Watcher {
  constructor(name, server, freshToken) {
    this.name = name;
    this.received = new Map(); // job id -> events, in arrival order
    this.connects = 0;
    this.serverDisconnects = 0;
    this.refusedConnects = 0;
    this.expiries = 0;
    this.joinRetries = 0;
    this.generation = 0;
    this.closed = false;
    this.socket = io(server.url, {
      path: "/socket.io/",
      auth: (cb) => cb({ token: freshToken() }),
      forceNew: true,
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
      randomizationFactor: 0.2,
      timeout: 5000,
    });
    this.socket.on("job_update", (e) => this.#take(e));
    this.socket.on("connect", () => {
      this.connects += 1;
      this.generation += 1;
      for (const id of this.received.keys()) this.#join(id, this.generation);
    });
    this.socket.on("disconnect", (reason) => {
      // A disconnect the server asked for (an expired token, a drain) is
      // not retried by socket.io-client: the application reconnects.
      if (reason === "io server disconnect" && !this.closed) {
        this.serverDisconnects += 1;
        setTimeout(() => !this.closed && this.socket.connect(), 100);
      }
    });
    this.socket.on("connect_error", () => {
      // Refused by the server (not a network error): reconnect by hand.
      if (!this.socket.active && !this.closed) {
        this.refusedConnects += 1;
        setTimeout(() => !this.closed && this.socket.connect(), 200);
      }
    });
    this.socket.onAny((name, payload) => {
      if (name !== "job_update" && JSON.stringify(payload ?? null).includes("token_expired")) this.expiries += 1;
    });
  }

  /** Starts following a job (now if connected, else on the next connect). */
  watch(id) {
    if (this.received.has(id)) return;
    this.received.set(id, []);
    if (this.socket.connected) this.#join(id, this.generation);
  }

  lastSeq(id) {
    const events = this.received.get(id) ?? [];
    return events.length ? events[events.length - 1].seq : 0;
  }

  #take(e) {
    const list = this.received.get(e.job_id);
    if (list) list.push(e);
  }

  /** join_job after the last seq received; retried on this connection only. */
  #join(id, generation) {
    if (this.closed || generation !== this.generation || !this.socket.connected) return;
    this.socket.timeout(10000).emit("join_job", { job_id: id, after_seq: this.lastSeq(id) }, (err, ack) => {
      if (generation !== this.generation) return; // an older connection's answer
      if (!err && ack?.ok) {
        for (const e of ack.events) this.#take(e);
        return;
      }
      // No answer, or refused for now (rate limit, store unavailable): again.
      this.joinRetries += 1;
      setTimeout(() => this.#join(id, generation), 300);
    });
  }

  close() {
    this.closed = true;
    this.socket.close();
  }
}

async function chaos({ backend }) {
  const env = { JOBCAST_JOB_MAX_ATTEMPTS: "8" };
  let database;
  if (backend === "postgres") {
    database = `jobcast_chaos_${randomBytes(4).toString("hex")}`;
    await psql(`CREATE DATABASE ${database}`);
    const url = new URL(PG_URL);
    url.pathname = `/${database}`;
    env.JOBCAST_DATABASE_URL = url.toString();
  }
  const server = await startServer({ env, workers: 3 });
  const watchers = [];
  const log = [];
  const note = (what) => log.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);
  const t0 = Date.now();
  try {
    const alice = await server.token("alice");
    // A fresh short-lived token every second: each connection's token
    // expires within TOKEN_TTL_SECS, and a reconnect presents a newer one.
    let current = await server.signedToken(claims());
    function claims() {
      const now = Math.floor(Date.now() / 1000);
      return { sub: "alice", role: "user", iat: now, exp: now + TOKEN_TTL_SECS };
    }
    const minting = setInterval(async () => {
      current = await server.signedToken(claims()).catch(() => current);
    }, 1000);

    for (let i = 0; i < WATCHERS; i++) watchers.push(new Watcher(`watcher ${i}`, server, () => current));

    // Jobs are created all through the faults (retried while the server is
    // away or its store unavailable), and every watcher follows each one.
    const ids = [];
    const creating = (async () => {
      for (let i = 0; i < JOBS; i++) {
        const { body } = await steadily(`create job ${i}`, () =>
          server.api("POST", "/api/jobs", alice, {
            kind: "demo.steps",
            text: "x",
            options: { steps: STEPS, step_ms: STEP_MS },
          }),
        );
        assert.ok(body?.jobs?.[0]?.job_id, `created: ${JSON.stringify(body)}`);
        ids.push(body.jobs[0].job_id);
        for (const w of watchers) w.watch(body.jobs[0].job_id);
        await sleep(250);
      }
    })();

    // Before each fault: the watchers are back and jobs have run a while.
    const someRunning = async () => {
      await waitUntil("every watcher to be connected", () => watchers.every((w) => w.socket.connected), {
        timeout: 30000,
      });
      await sleep(1500);
      await steadily("jobs to run", async () => {
        const answer = await server.api("GET", "/api/jobs?status=running", alice);
        return answer.status === 200 && answer.body?.jobs?.length ? answer : { status: 503, body: "none running" };
      });
    };

    for (let round = 1; round <= ROUNDS; round++) {
      await someRunning();
      note(`round ${round}: kill -9`);
      await server.halt({ signal: "SIGKILL" });
      await sleep(300);
      await server.start();

      await someRunning();
      note(`round ${round}: drain (SIGTERM)`);
      await server.restart({ signal: "SIGTERM" });

      if (backend === "sqlite") {
        await someRunning();
        note(`round ${round}: disk full`);
        await fileSizeLimit(server.child.pid, 1024);
        await steadily(
          "/readyz to fail while the disk is full",
          async () => {
            const answer = await server.api("GET", "/readyz");
            return answer.status === 503 ? { status: 200 } : { status: 599, body: answer.status };
          },
          15000,
        );
        await sleep(2000);
        await fileSizeLimit(server.child.pid, "unlimited");
        note(`round ${round}: disk freed`);
      } else {
        await someRunning();
        let cut = 0;
        for (let burst = 0; burst < 4; burst++) {
          cut += Number(
            await psql(
              `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`,
            ),
          );
          await sleep(400);
        }
        note(`round ${round}: PostgreSQL connections terminated: ${cut}`);
        assert.ok(cut > 0, "connections were terminated");
      }
    }

    await creating;
    note(`all ${ids.length} jobs created`);

    // Every job ends.
    const finals = new Map();
    await waitUntil(
      "every job to be terminal",
      async () => {
        for (const id of ids) {
          if (finals.has(id)) continue;
          const answer = await server.api("GET", `/api/jobs/${id}`, alice).catch(() => null);
          if (answer?.status === 200 && TERMINAL.has(answer.body.status)) finals.set(id, answer.body);
        }
        return finals.size === ids.length;
      },
      { timeout: 180000, every: 250 },
    );
    clearInterval(minting);
    note("every job terminal");

    // Every watcher reaches each job's last event...
    for (const w of watchers) {
      await waitUntil(
        `${w.name} to receive every job's last event`,
        () => ids.every((id) => w.lastSeq(id) >= finals.get(id).last_seq),
        { timeout: 60000, every: 100 },
      ).catch((e) => {
        const behind = ids.filter((id) => w.lastSeq(id) < finals.get(id).last_seq);
        e.message += ` — behind on ${behind.map((id) => `${id} (${w.lastSeq(id)}/${finals.get(id).last_seq})`).join(", ")}`;
        throw e;
      });
    }
    // ... and nothing more arrives after it (a late duplicate would).
    await sleep(500);

    const statuses = {};
    for (const [id, job] of finals) {
      statuses[job.status] = (statuses[job.status] ?? 0) + 1;
      const stored = await server.events(alice, id);
      assert.ok(isTerminalType(stored[stored.length - 1].type), `job ${id} ends with a terminal event`);
      for (const w of watchers) {
        const got = w.received.get(id);
        assertContiguous(got.map((e) => e.seq), 1, job.last_seq, `${w.name}, job ${id}`);
        assertSameEvents(got, stored, `${w.name}, job ${id} vs REST`);
      }
    }
    const summary = watchers.map(
      (w) =>
        `${w.name}: ${w.connects} connects, ${w.serverDisconnects} closed by the server, ` +
        `${w.expiries} token_expired, ${w.refusedConnects} refused, ${w.joinRetries} join retries`,
    );
    console.log(`chaos on ${backend}: ${JSON.stringify(statuses)}\n  ${log.join("\n  ")}\n  ${summary.join("\n  ")}`);
    assert.equal(statuses.completed, ids.length, `every job completed: ${JSON.stringify(statuses)}`);
    for (const w of watchers) {
      assert.ok(w.connects >= 4, `${w.name} lived through the restarts (${w.connects} connects)`);
      assert.ok(w.expiries >= 1, `${w.name} was told its token expired (${w.expiries} times)`);
    }
  } catch (e) {
    e.message += `\ntimeline:\n  ${log.join("\n  ")}\nserver stderr (tail):\n${server.stderr().slice(-4000)}`;
    throw e;
  } finally {
    for (const w of watchers) w.close();
    await server.stop();
    if (database) await psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => {});
  }
}

describe("chaos", () => {
  it("on SQLite: kill -9, drain, disk full, expiring tokens — every job ends and every watcher sees 1..last once", async () => {
    await chaos({ backend: "sqlite" });
  });
  it("on PostgreSQL: kill -9, drain, connections cut, expiring tokens — the same", async () => {
    await chaos({ backend: "postgres" });
  });
});
