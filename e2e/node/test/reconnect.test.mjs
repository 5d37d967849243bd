// Disconnect mid-job, reconnect, rejoin with the last seq seen: over the whole
// job every event arrives exactly once and in order (compared with the REST
// log), whether the client opens a new connection or socket.io-client
// reconnects by itself after the transport drops.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  assertContiguous,
  assertSameEvents,
  isTerminalType,
  startServer,
  within,
} from "../lib/jobcast.mjs";

describe("reconnect and resume", () => {
  let server;
  let alice;
  before(async () => {
    server = await startServer();
    alice = await server.token("alice");
  });
  after(async () => {
    await server?.stop();
  });

  it("a new connection rejoining with the last seq misses nothing and repeats nothing", async () => {
    const job = await server.createJob(alice, { steps: 60, step_ms: 40 });
    const seen = [];
    const first = await server.connect(alice);
    const ack1 = await first.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
    assert.equal(ack1.ok, true, JSON.stringify(ack1));
    // Take live events until seq 12, then drop the connection at once. The
    // feed records every update from the start: a handler added after the
    // ack could miss updates that arrived in the same read as the ack (ws
    // emits a read's messages in one tick).
    const live = () => [...ack1.events, ...first.feed.of(job.job_id)];
    await first.feed.until("seq 12", () => live().some((e) => e.seq >= 12), 15000);
    first.disconnect();
    seen.push(...live());
    const lastSeen = seen[seen.length - 1].seq;
    // The job moves on while the client is away.
    await server.waitJob(alice, job.job_id, "past the disconnect", (j) => j.last_seq >= lastSeen + 8);

    const second = await server.connect(alice);
    try {
      const ack2 = await second.feed.ack("join_job", { job_id: job.job_id, after_seq: lastSeen });
      assert.equal(ack2.ok, true, JSON.stringify(ack2));
      assert.ok(ack2.events.length >= 8, `replay holds what was missed (${ack2.events.length})`);
      assert.equal(ack2.events[0].seq, lastSeen + 1, "the replay starts right after the last seen seq");
      await second.feed.untilTerminal(job.job_id, 30000, ack2.events);
      const all = [...seen, ...ack2.events, ...second.feed.of(job.job_id)];
      const last = all[all.length - 1];
      assert.ok(isTerminalType(last.type), `ends terminal, not ${last.type}`);
      assertContiguous(all.map((e) => e.seq), 1, last.seq, "whole job across the reconnect");
      assertSameEvents(all, await server.events(alice, job.job_id), "socket vs REST");
    } finally {
      second.close();
    }
  });

  it("socket.io-client's own reconnection, rejoining on every connect, across several drops", async () => {
    const job = await server.createJob(alice, { steps: 80, step_ms: 40 });
    const socket = await server.connect(alice, {
      reconnection: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 200,
    });
    const received = [];
    let lastSeq = 0;
    let connects = 0;
    const joinErrors = [];
    let finished;
    const done = new Promise((resolve) => (finished = resolve));
    const take = (e) => {
      received.push(e);
      lastSeq = Math.max(lastSeq, e.seq);
      if (isTerminalType(e.type)) finished();
    };
    socket.on("job_update", (e) => {
      if (e.job_id === job.job_id) take(e);
    });
    const join = () => {
      connects += 1;
      socket.timeout(10000).emit(
        "join_job",
        { job_id: job.job_id, after_seq: lastSeq },
        (err, ack) => {
          if (err || !ack?.ok) {
            joinErrors.push(err?.message ?? JSON.stringify(ack));
            return;
          }
          for (const e of ack.events) take(e);
        },
      );
    };
    socket.on("connect", join);
    join(); // already connected once
    try {
      // Drop the transport three times while the job runs.
      for (const atLeast of [10, 30, 50]) {
        await within(
          20000,
          `seq ${atLeast} before a drop (have ${lastSeq})`,
          new Promise((resolve) => {
            const tick = setInterval(() => {
              if (lastSeq >= atLeast) {
                clearInterval(tick);
                resolve();
              }
            }, 5);
          }),
        );
        const before = connects;
        socket.io.engine.close(); // as if the network dropped: the client reconnects
        await within(
          15000,
          "socket.io-client to reconnect",
          new Promise((resolve) => {
            const tick = setInterval(() => {
              if (connects > before && socket.connected) {
                clearInterval(tick);
                resolve();
              }
            }, 5);
          }),
        );
      }
      await within(30000, `the terminal event (have up to ${lastSeq})`, done);
      assert.deepEqual(joinErrors, [], "every rejoin was accepted");
      assert.ok(connects >= 4, `reconnected 3 times (connects=${connects})`);
      const last = received[received.length - 1];
      assertContiguous(received.map((e) => e.seq), 1, last.seq, "whole job across 3 drops");
      assertSameEvents(received, await server.events(alice, job.job_id), "socket vs REST");
    } finally {
      socket.close();
    }
  });

  it("many clients joining a fast job at different seqs each get the rest exactly once", async () => {
    const job = await server.createJob(alice, { steps: 600, step_ms: 1 });
    const clients = [];
    try {
      for (let i = 0; i < 8; i++) {
        const current = (await server.job(alice, job.job_id)).last_seq;
        const after = Math.max(0, current - 3 * i);
        const socket = await server.connect(alice, i % 2 ? { transports: ["polling"] } : {});
        const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: after });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        clients.push({ socket, after, ack });
      }
      const stored = await server.events(alice, job.job_id);
      for (const { socket, after, ack } of clients) {
        await socket.feed.untilTerminal(job.job_id, 60000, ack.events);
      }
      const all = await server.events(alice, job.job_id);
      const last = all[all.length - 1].seq;
      for (const [i, { socket, after, ack }] of clients.entries()) {
        const got = [...ack.events, ...socket.feed.of(job.job_id)];
        assertContiguous(got.map((e) => e.seq), after + 1, last, `client ${i} joined after ${after}`);
      }
      assert.ok(stored.length > 0);
    } finally {
      for (const { socket } of clients) socket.close();
    }
  });

  it("a replay longer than one acknowledgement continues as job_updates, in order", async () => {
    // 10000 steps: 12004 events, more than the server puts in one ack.
    const job = await server.createJob(alice, { steps: 10000, step_ms: 0 });
    await server.waitJob(alice, job.job_id, "completed", (j) => j.status === "completed", 120000);
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 }, 60000);
      assert.equal(ack.ok, true);
      await socket.feed.untilTerminal(job.job_id, 60000, ack.events);
      const got = [...ack.events, ...socket.feed.of(job.job_id)];
      assertContiguous(got.map((e) => e.seq), 1, 12004, "a 12004-event replay");
      assert.equal(got[got.length - 1].type, "completed");
    } finally {
      socket.close();
    }
  });

  it("a late joiner with after_seq=0 while the job is emitting fast gets no gap and no duplicate", async () => {
    // step_ms 0: the job emits as fast as it can while the join reads the store.
    for (let round = 0; round < 5; round++) {
      const job = await server.createJob(alice, { steps: 400, step_ms: 0 });
      const socket = await server.connect(alice);
      try {
        await server.waitJob(alice, job.job_id, "started", (j) => j.last_seq >= 3, 20000);
        const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        await socket.feed.untilTerminal(job.job_id, 60000, ack.events);
        const all = [...ack.events, ...socket.feed.of(job.job_id)];
        const stored = await server.events(alice, job.job_id);
        assertContiguous(all.map((e) => e.seq), 1, stored[stored.length - 1].seq, `round ${round}`);
        assertSameEvents(all, stored, `round ${round}: socket vs REST`);
      } finally {
        socket.close();
      }
    }
  });
});
