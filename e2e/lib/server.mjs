// The server launcher shared by the end-to-end suites (e2e/node, e2e/browser):
// start a real `jobcast serve` on a free port with a fresh data directory,
// stop it and start it again on the same port and data directory, mint
// tokens with `jobcast token`, and call the REST API with fetch.
//
// Node built-ins only (no socket client here: each suite brings its own).
// Every wait is bounded and fails with a message that says what was awaited.

import { spawn, execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileP = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $JOBCAST_BIN, else the workspace's debug build. */
export const BINARY = process.env.JOBCAST_BIN ?? path.resolve(here, "../../target/debug/jobcast");

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);

/** How long a server may take to print its address, and to stop. */
const START_TIMEOUT_MS = 30000;
const STOP_TIMEOUT_MS = 15000;
/** How long one REST call or one `jobcast token` may take. */
const REQUEST_TIMEOUT_MS = 15000;

/**
 * Settings from the caller's environment that would make runs differ from
 * one machine to the next (another database, a fixed secret...): dropped, so
 * every server starts on SQLite in its own directory with a generated secret
 * (which is also what offers the development sign-in). `env` may set them.
 */
const UNINHERITED = [
  "JOBCAST_CONFIG",
  "JOBCAST_LISTEN",
  "JOBCAST_DATA_DIR",
  "JOBCAST_DATABASE_URL",
  "JOBCAST_REDIS_URL",
  "JOBCAST_JWT_SECRET",
  "JOBCAST_JWT_PUBLIC_KEY",
  "JOBCAST_JWT_ALGORITHM",
];

/** Resolves `promise`, or rejects after `ms` with `what` in the message. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `check` (sync or async) until it returns a truthy value (bounded). */
export async function waitUntil(what, check, { timeout = 15000, every = 25 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** An HS256 JWT, by hand (for expired and forged tokens). */
export function signJwt(header, claims, secret) {
  const b64 = (obj) => Buffer.from(JSON.stringify(obj)).toString("base64url");
  const unsigned = `${b64(header)}.${b64(claims)}`;
  if (header.alg === "none") return `${unsigned}.`;
  const sig = createHmac("sha256", secret).update(unsigned).digest("base64url");
  return `${unsigned}.${sig}`;
}

/**
 * Spawns one `jobcast serve` and resolves `{child, url, exited, stderr()}`
 * once it printed its address (bounded). Rejects, with its stderr, if it
 * exits first or stays silent.
 */
async function spawnServe({ env, workers, listen }) {
  const child = spawn(BINARY, ["serve", "--listen", listen, "--workers", String(workers)], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  child.stdout.setEncoding("utf8");
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const firstLine = new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      if (stdout.length < 100_000) stdout += chunk;
      const nl = stdout.indexOf("\n");
      if (nl >= 0) resolve(stdout.slice(0, nl));
    });
    child.on("error", (e) => reject(new Error(`cannot start ${BINARY}: ${e.message}`)));
    exited.then(({ code, signal }) =>
      reject(new Error(`jobcast exited (code ${code}, signal ${signal}) before listening; stderr:\n${stderr}`)),
    );
  });
  const kill = async () => {
    child.kill("SIGKILL");
    await within(STOP_TIMEOUT_MS, "jobcast to die after SIGKILL", exited).catch(() => {});
  };
  let line;
  try {
    line = await within(START_TIMEOUT_MS, `jobcast to print its address (listen ${listen})`, firstLine);
  } catch (e) {
    await kill();
    e.stderr = stderr;
    throw e;
  }
  const m = /^jobcast \S+ listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/.exec(line);
  if (!m) {
    await kill();
    throw new Error(`unexpected first stdout line: ${JSON.stringify(line)}`);
  }
  return { child, url: m[1], port: Number(m[2]), exited, stderr: () => stderr };
}

/**
 * Starts `jobcast serve --listen 127.0.0.1:0 --workers 2` with a fresh
 * JOBCAST_DATA_DIR (plus `env`), and resolves once it printed its address.
 * The server can be stopped and started again on the same port and data
 * directory (`halt`, `start`, `restart`); `url` stays the same.
 */
export async function startServer({ env = {}, workers = 2, dataDir, listen = "127.0.0.1:0" } = {}) {
  const ownDir = dataDir === undefined;
  dataDir ??= await mkdtemp(path.join(tmpdir(), "jobcast-e2e-"));
  const inherited = { ...process.env };
  for (const name of UNINHERITED) delete inherited[name];
  const childEnv = {
    ...inherited,
    JOBCAST_DATA_DIR: dataDir,
    JOBCAST_LOG: process.env.JOBCAST_LOG ?? "warn",
    ...env,
  };

  let run;
  try {
    run = await spawnServe({ env: childEnv, workers, listen });
  } catch (e) {
    if (ownDir) await rm(dataDir, { recursive: true, force: true });
    throw e;
  }
  /** stderr of the processes before the current one. */
  let earlierStderr = "";

  const server = {
    url: run.url,
    port: run.port,
    dataDir,
    /** The current process. */
    get child() {
      return run.child;
    },
    /** Resolves {code, signal} when the current process exits. */
    get exited() {
      return run.exited;
    },
    get running() {
      return run.child.exitCode === null && run.child.signalCode === null;
    },
    /** Everything the server processes wrote to stderr, oldest first. */
    stderr: () => earlierStderr + run.stderr(),

    /** A token minted by `jobcast token` against this data directory. */
    async token(user, { role, ttl, dir = dataDir } = {}) {
      const args = ["token", "--user", user];
      if (role) args.push("--role", role);
      if (ttl) args.push("--ttl", ttl);
      const { stdout: out } = await execFileP(BINARY, args, {
        env: { ...childEnv, JOBCAST_DATA_DIR: dir },
        timeout: REQUEST_TIMEOUT_MS,
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

    /**
     * Calls the REST API (bounded); resolves `{status, body}`. `body` is sent
     * as JSON, or as is when it is a FormData.
     */
    async api(method, route, token, body, { timeout = REQUEST_TIMEOUT_MS } = {}) {
      const headers = {};
      if (token) headers.authorization = `Bearer ${token}`;
      const form = body instanceof FormData;
      if (body !== undefined && !form) headers["content-type"] = "application/json";
      let res;
      try {
        res = await fetch(server.url + route, {
          method,
          headers,
          body: body === undefined ? undefined : form ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(timeout),
        });
      } catch (e) {
        throw new Error(`${method} ${route}: ${e.name === "TimeoutError" ? `no answer within ${timeout} ms` : e.message}`);
      }
      const text = await res.text();
      let parsed;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, body: parsed };
    },

    /** Creates one job from a text (default kind `demo.steps`); resolves its snapshot. */
    async createJob(token, options = {}, text = "one\ntwo\nthree\n", { kind = "demo.steps", filename } = {}) {
      const { status, body } = await server.api("POST", "/api/jobs", token, { kind, text, options, filename });
      if (status !== 202) throw new Error(`POST /api/jobs answered ${status}: ${JSON.stringify(body)}`);
      return body.jobs[0];
    },

    /**
     * Uploads files as one multipart batch (`files`: {name, mimeType,
     * buffer}); resolves the jobs' snapshots.
     */
    async upload(token, kind, files, options = {}) {
      const form = new FormData();
      form.append("kind", kind);
      form.append("options", JSON.stringify(options));
      for (const f of files) form.append("file", new Blob([f.buffer], { type: f.mimeType }), f.name);
      const { status, body } = await server.api("POST", "/api/jobs", token, form);
      if (status !== 202) throw new Error(`POST /api/jobs (multipart) answered ${status}: ${JSON.stringify(body)}`);
      return body.jobs;
    },

    async job(token, id) {
      const { status, body } = await server.api("GET", `/api/jobs/${id}`, token);
      if (status !== 200) throw new Error(`GET /api/jobs/${id} answered ${status}: ${JSON.stringify(body)}`);
      return body;
    },

    /** Every stored event of a job, from the REST API. */
    async events(token, id, afterSeq = 0) {
      const { status, body } = await server.api("GET", `/api/jobs/${id}/events?after_seq=${afterSeq}`, token);
      if (status !== 200) throw new Error(`GET events answered ${status}: ${JSON.stringify(body)}`);
      return body.events;
    },

    /** Waits (bounded) until the job's snapshot satisfies `check`. */
    async waitJob(token, id, what, check, timeout = 20000) {
      let last;
      try {
        return await waitUntil(
          `job ${id} ${what}`,
          async () => {
            last = await server.job(token, id);
            return check(last) ? last : null;
          },
          { timeout, every: 50 },
        );
      } catch (e) {
        if (last) e.message += ` (last seen: status ${last.status}, progress ${last.progress}, seq ${last.last_seq})`;
        throw e;
      }
    },

    /**
     * Stops the current process with `signal` (SIGTERM: it drains; SIGKILL:
     * it dies) and waits for it to exit; keeps the data directory. Rejects
     * if it did not exit within `timeout` (it is then killed, so nothing
     * is left running).
     */
    async halt({ signal = "SIGTERM", timeout = STOP_TIMEOUT_MS } = {}) {
      if (!server.running) return run.exited;
      run.child.kill(signal);
      try {
        return await within(timeout, `jobcast (pid ${run.child.pid}) to exit after ${signal}`, run.exited);
      } catch (e) {
        run.child.kill("SIGKILL");
        await within(STOP_TIMEOUT_MS, "jobcast to die after SIGKILL", run.exited).catch(() => {});
        throw e;
      }
    },

    /**
     * Starts a new process on the same address and data directory (after
     * `halt`). The port is retried while the old socket still holds it.
     */
    async start({ timeout = START_TIMEOUT_MS } = {}) {
      if (server.running) throw new Error(`jobcast (pid ${run.child.pid}) is still running`);
      const listen = `127.0.0.1:${server.port}`;
      const deadline = Date.now() + timeout;
      for (;;) {
        try {
          const next = await spawnServe({ env: childEnv, workers, listen });
          earlierStderr += run.stderr();
          run = next;
          return server;
        } catch (e) {
          if (!/in use/i.test(e.stderr ?? "") || Date.now() > deadline) throw e;
          await sleep(200);
        }
      }
    },

    /** `halt` (SIGTERM unless told) then `start`: same port, same data. */
    async restart({ signal = "SIGTERM" } = {}) {
      await server.halt({ signal });
      return server.start();
    },

    /** Stops the process (SIGTERM, SIGKILL after 15 s) and removes the data dir. */
    async stop({ keepData = false } = {}) {
      await server.halt().catch(() => {});
      if (!keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}
