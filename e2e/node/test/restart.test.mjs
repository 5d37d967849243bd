// A server restart mid-job (SIGTERM, then a new process on the same address
// and data directory): socket.io-client reconnects by itself, rejoins with the
// last seq, and the job's events arrive exactly once and in order. The same
// is asked of the documented example client, docs/examples/watch.mjs.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFile, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import {
  assertContiguous,
  assertSameEvents,
  isTerminalType,
  startServer,
  within,
} from "../lib/jobcast.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const EXAMPLE = path.resolve(here, "../../../docs/examples/watch.mjs");

/** Runs docs/examples/watch.mjs beside this suite's node_modules. */
async function runExample(args) {
  const dir = await mkdtemp(path.join(tmpdir(), "jobcast-e2e-example-"));
  await symlink(path.resolve(here, "../node_modules"), path.join(dir, "node_modules"), "dir");
  await copyFile(EXAMPLE, path.join(dir, "watch.mjs"));
  const child = spawn(process.execPath, [path.join(dir, "watch.mjs"), ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
  const done = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => stdout,
    async exit(timeout = 60000) {
      try {
        const code = await within(timeout, `watch.mjs to exit (stdout so far:\n${stdout}\nstderr:\n${stderr})`, done);
        return { code, stdout, stderr };
      } finally {
        child.kill("SIGKILL");
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The `#seq type status` lines that watch.mjs prints. */
function printedEvents(stdout) {
  return stdout
    .split("\n")
    .map((line) => /^#(\d+) (\S+) (\S+) /.exec(line))
    .filter(Boolean)
    .map((m) => ({ seq: Number(m[1]), type: m[2], status: m[3] }));
}

describe("documented example and server restart", () => {
  let server;
  let alice;
  before(async () => {
    server = await startServer();
    alice = await server.token("alice");
  });
  after(async () => {
    await server?.stop();
  });

  it("docs/examples/watch.mjs follows a job to its end and prints every event once", async () => {
    const job = await server.createJob(alice, { steps: 20, step_ms: 30 });
    const run = await runExample([server.url, alice, job.job_id]);
    const { code, stdout, stderr } = await run.exit();
    assert.equal(code, 0, `exit code; stderr: ${stderr}`);
    const printed = printedEvents(stdout);
    assertContiguous(printed.map((e) => e.seq), 1, printed[printed.length - 1].seq, "watch.mjs output");
    assertSameEvents(printed, await server.events(alice, job.job_id), "watch.mjs vs REST");
    assert.match(stdout, /^result: \{.*"steps":20/m, "prints the result");
  });

  it("docs/examples/watch.mjs with a bad token says so and exits 1", async () => {
    const run = await runExample([server.url, "not-a-token", "01ARZ3NDEKTSV4RRFFQ69G5FAV"]);
    const { code, stderr } = await run.exit(20000);
    assert.equal(code, 1);
    assert.match(stderr, /refused the token/);
  });

  it("a SIGTERM restart mid-job: clients reconnect by themselves and miss nothing", async () => {
    const job = await server.createJob(alice, { steps: 120, step_ms: 50 });
    const example = await runExample([server.url, alice, job.job_id]);
    const socket = await server.connect(alice, {
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 500,
    });
    const received = [];
    let lastSeq = 0;
    let connects = 1;
    const refusals = [];
    const take = (e) => {
      if (e.job_id !== job.job_id || e.seq <= lastSeq) {
        if (e.job_id === job.job_id) received.push(e); // a repeat: kept, so the check sees it
        return;
      }
      received.push(e);
      lastSeq = e.seq;
    };
    socket.on("job_update", take);
    const join = async () => {
      const ack = await socket.timeout(10000).emitWithAck("join_job", { job_id: job.job_id, after_seq: lastSeq });
      if (!ack.ok) refusals.push(ack);
      else ack.events.forEach(take);
    };
    socket.on("connect", () => {
      connects += 1;
      join().catch((e) => refusals.push(e.message));
    });
    await join();
    try {
      await within(20000, "seq 20 before the restart", new Promise((resolve) => {
        const t = setInterval(() => lastSeq >= 20 && (clearInterval(t), resolve()), 10);
      }));
      const disconnected = new Promise((resolve) => socket.once("disconnect", resolve));
      server = await server.restart();
      const reason = await within(10000, "the old server's disconnect to reach the client", disconnected);
      await within(30000, `a reconnection after the restart (last disconnect: ${reason})`, new Promise((resolve) => {
        const t = setInterval(() => connects >= 2 && socket.connected && (clearInterval(t), resolve()), 10);
      }));
      await within(60000, `the terminal event after the restart (have up to ${lastSeq})`, new Promise((resolve) => {
        const t = setInterval(() => received.some((e) => isTerminalType(e.type)) && (clearInterval(t), resolve()), 20);
      }));
      assert.deepEqual(refusals, []);
      const stored = await server.events(alice, job.job_id);
      assertContiguous(received.map((e) => e.seq), 1, stored[stored.length - 1].seq, "across the restart");
      assertSameEvents(received, stored, "socket vs REST across the restart");
      assert.equal(stored[stored.length - 1].type, "completed");

      const { code, stdout, stderr } = await example.exit(60000);
      assert.equal(code, 0, `watch.mjs exit code; stderr: ${stderr}`);
      const printed = printedEvents(stdout);
      assertSameEvents(printed, stored, "watch.mjs across the restart vs REST");
    } finally {
      socket.close();
      example.child.kill("SIGKILL");
    }
  });
});
