// join_user: job_update for every job of the user, only theirs; a socket in
// both a job's room and the user's room gets each event once.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  UNKNOWN_ULID,
  assertContiguous,
  assertSameEvents,
  isTerminalType,
  sleep,
  startServer,
} from "../lib/jobcast.mjs";

describe("join_user", () => {
  let server;
  let alice;
  let bob;
  before(async () => {
    server = await startServer();
    alice = await server.token("alice");
    bob = await server.token("bob");
  });
  after(async () => {
    await server?.stop();
  });

  async function settled() {
    // Wait for every job of alice and bob to finish, so tests do not overlap.
    for (const token of [alice, bob]) {
      const { body } = await server.api("GET", "/api/jobs?status=queued,running,waiting_input", token);
      for (const j of body.jobs) {
        await server.waitJob(token, j.job_id, "finished", (x) => x.finished_at !== null, 60000);
      }
    }
  }

  it("streams every event of every job created after the join, and none of another user's", async () => {
    await settled();
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("join_user", {});
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.deepEqual(ack.jobs, [], "no unfinished jobs yet");
      const jobs = [];
      for (let i = 0; i < 3; i++) jobs.push(await server.createJob(alice, { steps: 10, step_ms: 30 }));
      const bobs = await server.createJob(bob, { steps: 5, step_ms: 10 });
      for (const job of jobs) {
        await socket.feed.untilTerminal(job.job_id);
        const got = socket.feed.of(job.job_id);
        const last = got[got.length - 1];
        assert.equal(last.type, "completed");
        assertContiguous(got.map((e) => e.seq), 1, last.seq, `user room, job ${job.job_id}`);
        assertSameEvents(got, await server.events(alice, job.job_id), "user room vs REST");
      }
      await server.waitJob(bob, bobs.job_id, "finished", (j) => j.status === "completed");
      await socket.feed.ack("join_user", {}); // a round trip
      assert.equal(socket.feed.of(bobs.job_id).length, 0, "bob's events are not sent to alice");
    } finally {
      socket.close();
    }
  });

  it("lists the unfinished jobs and streams each from its snapshot on", async () => {
    await settled();
    const finished = await server.createJob(alice, { steps: 1, step_ms: 0 });
    await server.waitJob(alice, finished.job_id, "finished", (j) => j.status === "completed");
    // Two run at once (2 workers), the third waits in the queue.
    const jobs = [];
    for (let i = 0; i < 3; i++) jobs.push(await server.createJob(alice, { steps: 40, step_ms: 40 }));
    await server.waitJob(alice, jobs[0].job_id, "running", (j) => j.last_seq >= 4);
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("join_user", {});
      assert.equal(ack.ok, true, JSON.stringify(ack));
      const listed = new Map(ack.jobs.map((j) => [j.job_id, j]));
      for (const job of jobs) assert.ok(listed.has(job.job_id), `job ${job.job_id} is listed`);
      assert.ok(!listed.has(finished.job_id), "a finished job is not listed");
      for (const j of ack.jobs) {
        assert.ok(["queued", "running", "waiting_input"].includes(j.status), j.status);
        assert.equal(j.owner, "alice");
      }
      for (const job of jobs) {
        await socket.feed.untilTerminal(job.job_id);
        const from = listed.get(job.job_id).last_seq;
        // Events at or below the snapshot may or may not come (they raced the
        // join); every later one must come once, in order.
        const got = socket.feed.of(job.job_id).map((e) => e.seq);
        const after = got.filter((s) => s > from);
        const last = after[after.length - 1];
        assertContiguous(after, from + 1, last, `job ${job.job_id} after its listed snapshot`);
        assert.equal(new Set(got).size, got.length, `no duplicate seq for ${job.job_id}: ${got}`);
        const stored = await server.events(alice, job.job_id);
        assert.equal(last, stored[stored.length - 1].seq, "up to the last stored event");
      }
    } finally {
      socket.close();
    }
  });

  it("a socket in the user room and a job room gets each event once", async () => {
    await settled();
    const socket = await server.connect(alice);
    try {
      const ackUser = await socket.feed.ack("join_user", {});
      assert.equal(ackUser.ok, true);
      const a = await server.createJob(alice, { steps: 30, step_ms: 30 });
      const b = await server.createJob(alice, { steps: 30, step_ms: 30 });
      // Job a: joined by room too, from the snapshot; job b: by replay from 0.
      const ackA = await socket.feed.ack("join_job", { job_id: a.job_id });
      assert.equal(ackA.ok, true, JSON.stringify(ackA));
      const ackB = await socket.feed.ack("join_job", { job_id: b.job_id, after_seq: 0 });
      assert.equal(ackB.ok, true, JSON.stringify(ackB));
      await socket.feed.untilTerminal(a.job_id);
      await socket.feed.untilTerminal(b.job_id, 30000, ackB.events);

      const gotA = socket.feed.of(a.job_id);
      const lastA = gotA[gotA.length - 1].seq;
      // The user room delivered from seq 1; joining the job room adds nothing twice.
      assertContiguous(gotA.map((e) => e.seq), 1, lastA, "job a, user room + job room");
      assertSameEvents(gotA, await server.events(alice, a.job_id), "job a vs REST");

      // Job b: every seq at most once as a job_update, and the replay plus the
      // live updates cover the whole job.
      const liveB = socket.feed.of(b.job_id).map((e) => e.seq);
      assert.equal(new Set(liveB).size, liveB.length, `duplicate job_update for b: ${liveB}`);
      const union = [...new Set([...ackB.events.map((e) => e.seq), ...liveB])].sort((x, y) => x - y);
      const storedB = await server.events(alice, b.job_id);
      assertContiguous(union, 1, storedB[storedB.length - 1].seq, "job b, replay + live");
      const afterReplay = liveB.filter((s) => s > ackB.events[ackB.events.length - 1].seq);
      assertContiguous(
        afterReplay,
        ackB.events[ackB.events.length - 1].seq + 1,
        storedB[storedB.length - 1].seq,
        "job b, live after the replay",
      );
    } finally {
      socket.close();
    }
  });

  it("joining a job's room while in the user room loses no user-room event (fast job)", async () => {
    // The user room has been delivering the job from seq 1; a join_job without
    // after_seq while the job emits must not open a gap in that stream.
    await settled();
    for (let round = 0; round < 6; round++) {
      const socket = await server.connect(alice);
      try {
        assert.equal((await socket.feed.ack("join_user", {})).ok, true);
        const job = await server.createJob(alice, { steps: 200, step_ms: 1 });
        await socket.feed.until("seq 20 through the user room", () =>
          socket.feed.of(job.job_id).some((e) => e.seq >= 20),
        );
        const ack = await socket.feed.ack("join_job", { job_id: job.job_id });
        assert.equal(ack.ok, true, JSON.stringify(ack));
        await socket.feed.untilTerminal(job.job_id, 60000);
        const got = socket.feed.of(job.job_id).map((e) => e.seq);
        assertContiguous(
          got,
          1,
          got[got.length - 1],
          `round ${round}: user-room stream around a join_job whose snapshot had last_seq ${ack.job.last_seq}`,
        );
      } finally {
        socket.close();
      }
    }
  });

  it("two sockets of one user each get every event", async () => {
    await settled();
    const s1 = await server.connect(alice);
    const s2 = await server.connect(alice, { transports: ["polling"] });
    try {
      assert.equal((await s1.feed.ack("join_user", {})).ok, true);
      assert.equal((await s2.feed.ack("join_user", {})).ok, true);
      const job = await server.createJob(alice, { steps: 10, step_ms: 20 });
      for (const s of [s1, s2]) {
        await s.feed.untilTerminal(job.job_id);
        const got = s.feed.of(job.job_id);
        assertContiguous(got.map((e) => e.seq), 1, got[got.length - 1].seq, "per socket");
      }
    } finally {
      s1.close();
      s2.close();
    }
  });
  it("one join_user with resume points catches a reconnecting client up on every job", async () => {
    await settled();
    const first = await server.connect(alice);
    const jobs = [];
    let seen;
    try {
      assert.equal((await first.feed.ack("join_user", {})).ok, true);
      for (let i = 0; i < 12; i++) jobs.push(await server.createJob(alice, { steps: 5, step_ms: 20 }));
      const ids = jobs.map((j) => j.job_id);
      await first.feed.until("20 events", () => ids.reduce((n, id) => n + first.feed.of(id).length, 0) >= 20);
      seen = new Map(ids.map((id) => [id, [...first.feed.of(id)]]));
    } finally {
      first.close(); // cut off mid-stream
    }
    await sleep(500); // the jobs go on meanwhile; some finish
    const bobs = await server.createJob(bob, { steps: 5, step_ms: 10 });
    const second = await server.connect(alice);
    try {
      const resume = Object.fromEntries([...seen].map(([id, got]) => [id, got.length ? got[got.length - 1].seq : 0]));
      resume[bobs.job_id] = 0;
      resume[UNKNOWN_ULID] = 0;
      const ack = await second.feed.ack("join_user", { jobs: resume });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      const terminalSeen = (id) => [...seen.get(id), ...second.feed.of(id)].some((e) => isTerminalType(e.type));
      await second.feed
        .until("every job terminal", () => jobs.every((j) => terminalSeen(j.job_id)), 60000)
        .catch(() => {});
      const caught = jobs.filter((j) => terminalSeen(j.job_id)).length;
      assert.equal(caught, jobs.length, `${caught} of ${jobs.length} jobs caught up after one join_user`);
      for (const job of jobs) {
        const seqs = [...seen.get(job.job_id), ...second.feed.of(job.job_id)].map((e) => e.seq);
        const stored = await server.events(alice, job.job_id);
        assertContiguous(seqs, 1, stored[stored.length - 1].seq, `job ${job.job_id} across the reconnect`);
      }
      assert.deepEqual([...ack.unknown].sort(), [bobs.job_id, UNKNOWN_ULID].sort());
      await server.waitJob(bob, bobs.job_id, "finished", (j) => j.status === "completed");
      await second.feed.ack("join_user", {}); // a round trip
      assert.equal(second.feed.of(bobs.job_id).length, 0, "bob's events are not sent to alice");
    } finally {
      second.close();
    }
  });
});
