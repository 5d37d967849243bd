// The per-connection limits, made small through the environment:
// JOBCAST_SOCKET_RATE_PER_SEC / _RATE_BURST (rate_limited),
// JOBCAST_SOCKET_MAX_ROOMS (a join past the limit is refused),
// JOBCAST_SOCKET_MAX_PER_USER (a connection past the limit is refused).

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { io } from "socket.io-client";

import { sleep, startServer } from "../lib/jobcast.mjs";

describe("socket limits", () => {
  let server;
  let alice;
  before(async () => {
    server = await startServer({
      env: {
        JOBCAST_SOCKET_RATE_PER_SEC: "1",
        JOBCAST_SOCKET_RATE_BURST: "5",
        JOBCAST_SOCKET_MAX_ROOMS: "3",
        JOBCAST_SOCKET_MAX_PER_USER: "3",
      },
    });
    alice = await server.token("alice");
  });
  after(async () => {
    await server?.stop();
  });

  it("a burst over the rate is answered rate_limited, and the socket stays usable", async () => {
    const job = await server.createJob(alice, { steps: 1, step_ms: 0 });
    const socket = await server.connect(alice);
    try {
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 }),
        ),
      );
      const ok = answers.filter((a) => a.ok).length;
      const limited = answers.filter((a) => !a.ok && a.error.code === "rate_limited").length;
      assert.equal(ok + limited, 12, `only ok or rate_limited: ${JSON.stringify(answers)}`);
      assert.ok(ok >= 5 && ok <= 7, `about the burst (5) went through, got ${ok}`);
      assert.ok(limited >= 5, `the rest were rate_limited, got ${limited}`);
      assert.ok(socket.connected, "a rate-limited socket is not disconnected");
    } finally {
      socket.close();
    }
  });

  it("a join past JOBCAST_SOCKET_MAX_ROOMS is refused; leaving one makes room", async () => {
    const jobs = [];
    for (let i = 0; i < 4; i++) jobs.push(await server.createJob(alice, { steps: 1, step_ms: 0 }));
    const socket = await server.connect(alice);
    try {
      for (let i = 0; i < 3; i++) {
        const ack = await socket.feed.ack("join_job", { job_id: jobs[i].job_id });
        assert.equal(ack.ok, true, JSON.stringify(ack));
      }
      const over = await socket.feed.ack("join_job", { job_id: jobs[3].job_id });
      assert.equal(over.ok, false, JSON.stringify(over));
      assert.ok(
        ["forbidden", "rate_limited", "conflict"].includes(over.error.code),
        `a room-limit refusal code: ${JSON.stringify(over)}`,
      );
      // Re-joining a job already joined is not a new room.
      await new Promise((r) => setTimeout(r, 1100)); // refill one rate token (1/s)
      const rejoin = await socket.feed.ack("join_job", { job_id: jobs[0].job_id });
      assert.equal(rejoin.ok, true, `re-join of a joined job: ${JSON.stringify(rejoin)}`);
      assert.deepEqual(await socket.feed.ack("leave_job", { job_id: jobs[1].job_id }), { ok: true });
      await new Promise((r) => setTimeout(r, 1100));
      const now = await socket.feed.ack("join_job", { job_id: jobs[3].job_id });
      assert.equal(now.ok, true, `after leaving one: ${JSON.stringify(now)}`);
    } finally {
      socket.close();
    }
  });

  it("a connection past JOBCAST_SOCKET_MAX_PER_USER is refused; closing one makes room", async () => {
    const open = [];
    try {
      for (let i = 0; i < 3; i++) open.push(await server.connect(alice));
      await assert.rejects(server.connect(alice), (err) => {
        assert.match(err.message, /rate_limited|forbidden|too many/i, err.message);
        return true;
      });
      // Another user is not affected.
      const bob = await server.connect(await server.token("bob"));
      bob.close();
      open.shift().close();
      // The server notices the close asynchronously: retry (bounded).
      const deadline = Date.now() + 10000;
      let again;
      while (!again) {
        try {
          again = await server.connect(alice);
        } catch (e) {
          if (Date.now() > deadline) throw new Error(`still refused 10 s after a close: ${e.message}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      open.push(again);
    } finally {
      for (const s of open) s.close();
    }
  });
  it("connections closed at once, at any moment of the handshake, give their places back", async () => {
    // Some close before the namespace connect is answered: the server must
    // still give their place back (issue 11, failure 6).
    const churn = (i) =>
      new Promise((resolve) => {
        const socket = io(server.url, {
          path: "/socket.io/",
          auth: { token: alice },
          forceNew: true,
          reconnection: false,
          timeout: 5000,
        });
        const done = () => {
          socket.close();
          resolve();
        };
        socket.on("connect_error", done);
        if (i % 3 === 0) {
          socket.on("connect", done);
        } else if (i % 3 === 1) {
          setTimeout(done, i % 7);
        } else {
          socket.io.on("open", done);
          setTimeout(done, 50);
        }
      });
    for (let round = 0; round < 15; round++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => churn(round * 10 + i)));
    }
    const open = [];
    const deadline = Date.now() + 10000;
    try {
      while (open.length < 3) {
        try {
          open.push(await server.connect(alice));
        } catch (err) {
          assert.equal(err.message, "rate_limited", `connect_error: ${err.message}`);
          assert.ok(Date.now() < deadline, `only ${open.length} of 3 places came back`);
          await sleep(50);
        }
      }
      await assert.rejects(server.connect(alice), (err) => err.message === "rate_limited");
    } finally {
      for (const s of open) s.close();
    }
  });
});
