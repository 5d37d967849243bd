// join_job: a whole job arrives, in order, with no gap and no duplicate,
// whether the client starts from the snapshot or replays from a seq; over
// websocket and over long-polling alone. Foreign jobs are not_found, bad
// payloads are bad_request.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  UNKNOWN_ULID,
  assertContiguous,
  assertSameEvents,
  startServer,
} from "../lib/jobcast.mjs";

const EVENT_KEYS = [
  "data",
  "eta_ms",
  "job_id",
  "message",
  "progress",
  "seq",
  "stage",
  "status",
  "timestamp",
  "type",
];

function checkEventShape(event, jobId) {
  for (const key of EVENT_KEYS) {
    assert.ok(key in event, `job_update lacks "${key}": ${JSON.stringify(event)}`);
  }
  assert.equal(event.job_id, jobId);
  assert.equal(typeof event.seq, "number");
  assert.equal(typeof event.progress, "number");
  assert.ok(!Number.isNaN(Date.parse(event.timestamp)), `bad timestamp ${event.timestamp}`);
}

/** Every job_update of `jobId` arrived after the join's acknowledgement. */
function assertAckFirst(feed, jobId) {
  const ackAt = feed.timeline.findIndex((t) => t.kind === "ack" && t.event === "join_job");
  const firstUpdate = feed.timeline.findIndex(
    (t) => t.kind === "update" && t.event.job_id === jobId,
  );
  assert.ok(ackAt >= 0, "the join was acknowledged");
  if (firstUpdate >= 0) {
    assert.ok(ackAt < firstUpdate, "a job_update arrived before the join_job acknowledgement");
  }
}

describe("join_job", () => {
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

  async function wholeJob(transports) {
    const socket = await server.connect(alice, transports ? { transports } : {});
    try {
      const job = await server.createJob(alice, { steps: 20, step_ms: 40 });
      const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.job.job_id, job.job_id);
      assert.equal(ack.job.room, `job:${job.job_id}`);
      assert.equal(ack.job.owner, "alice");
      assert.equal(ack.job.kind, "demo.steps");
      assert.ok(Array.isArray(ack.events), "ack.events is a list");
      assert.ok(ack.events.length >= 1, "the replay from 0 holds at least the queued event");
      assert.equal(ack.events[0].type, "queued");
      assert.equal(ack.events[0].seq, 1);
      await socket.feed.untilTerminal(job.job_id, 30000, ack.events);
      assertAckFirst(socket.feed, job.job_id);
      const live = socket.feed.of(job.job_id);
      const all = [...ack.events, ...live];
      for (const e of all) checkEventShape(e, job.job_id);
      const last = all[all.length - 1];
      assert.equal(last.type, "completed");
      assert.equal(last.status, "completed");
      assert.equal(last.progress, 100);
      assertContiguous(
        all.map((e) => e.seq),
        1,
        last.seq,
        "replay + live",
      );
      // 1 queued + 1 started + 1 stage_start + 20 progress + 4 partial + 1 completed
      assert.equal(last.seq, 28, "demo.steps with 20 steps emits 28 events");
      assertSameEvents(all, await server.events(alice, job.job_id), "socket vs REST");
      const types = all.map((e) => e.type);
      assert.equal(types.filter((t) => t === "progress").length, 20);
      assert.equal(types.filter((t) => t === "partial").length, 4);
      assert.deepEqual(types.slice(0, 2), ["queued", "started"]);
      if (transports) {
        assert.equal(socket.io.engine.transport.name, transports[0], "the transport stayed");
      }
      // Nothing after the terminal event.
      assert.equal(live.filter((e) => e.seq > last.seq).length, 0);
    } finally {
      socket.close();
    }
  }

  it("with after_seq=0 replays then streams the whole job, in order (websocket)", async () => {
    await wholeJob();
  });

  it("does the same over long-polling alone", async () => {
    await wholeJob(["polling"]);
  });

  it("without after_seq: empty replay, live events follow the snapshot's last_seq", async () => {
    const socket = await server.connect(alice);
    try {
      const job = await server.createJob(alice, { steps: 30, step_ms: 40 });
      // Let it run a little so the snapshot is mid-job.
      await server.waitJob(alice, job.job_id, "running", (j) => j.last_seq >= 5);
      const ack = await socket.feed.ack("join_job", { job_id: job.job_id });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.deepEqual(ack.events, []);
      const from = ack.job.last_seq;
      assert.ok(from >= 5, `snapshot last_seq ${from}`);
      assert.equal(ack.job.status, "running", "the job is mid-way (make it longer if not)");
      await socket.feed.untilTerminal(job.job_id);
      assertAckFirst(socket.feed, job.job_id);
      const live = socket.feed.of(job.job_id);
      const last = live[live.length - 1];
      assertContiguous(live.map((e) => e.seq), from + 1, last.seq, "live after the snapshot");
      const stored = await server.events(alice, job.job_id, from);
      assertSameEvents(live, stored, "live vs REST after the snapshot");
    } finally {
      socket.close();
    }
  });

  it("joining a finished job replays it and sends nothing live", async () => {
    const job = await server.createJob(alice, { steps: 3, step_ms: 0 });
    await server.waitJob(alice, job.job_id, "completed", (j) => j.status === "completed");
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 2 });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.job.status, "completed");
      const stored = await server.events(alice, job.job_id, 2);
      assertSameEvents(ack.events, stored, "replay after 2 vs REST");
      // A later join of another job proves the socket is alive and that no
      // stray event of the finished job arrived in between.
      const other = await server.createJob(alice, { steps: 1, step_ms: 0 });
      await socket.feed.ack("join_job", { job_id: other.job_id, after_seq: 0 });
      await server.waitJob(alice, other.job_id, "finished", (j) => j.status === "completed");
      assert.equal(socket.feed.of(job.job_id).length, 0);
    } finally {
      socket.close();
    }
  });

  it("leave_job stops the job's updates", async () => {
    const socket = await server.connect(alice);
    try {
      const job = await server.createJob(alice, { steps: 40, step_ms: 30 });
      const ack = await socket.feed.ack("join_job", { job_id: job.job_id });
      assert.equal(ack.ok, true);
      await socket.feed.until("a first live update", () => socket.feed.of(job.job_id).length > 0);
      const left = await socket.feed.ack("leave_job", { job_id: job.job_id });
      assert.deepEqual(left, { ok: true });
      const countAtLeave = socket.feed.of(job.job_id).length;
      await server.waitJob(alice, job.job_id, "finished", (j) => j.status === "completed");
      // A round trip after the job finished: anything in flight has arrived.
      await socket.feed.ack("leave_job", { job_id: job.job_id });
      assert.equal(
        socket.feed.of(job.job_id).length,
        countAtLeave,
        "no job_update after leave_job was acknowledged",
      );
    } finally {
      socket.close();
    }
  });

  it("another user's job is not_found, the same as a job that does not exist", async () => {
    const bobsJob = await server.createJob(bob, { steps: 50, step_ms: 20 });
    const socket = await server.connect(alice);
    try {
      for (const payload of [
        { job_id: bobsJob.job_id },
        { job_id: bobsJob.job_id, after_seq: 0 },
        { job_id: UNKNOWN_ULID },
      ]) {
        const ack = await socket.feed.ack("join_job", payload);
        assert.equal(ack.ok, false, JSON.stringify(ack));
        assert.equal(ack.error.code, "not_found", JSON.stringify(ack));
        assert.equal(typeof ack.error.message, "string");
        assert.ok(!("job" in ack), "no job data in the refusal");
        assert.ok(!JSON.stringify(ack).includes('"bob"'), "the refusal does not name the owner");
      }
      for (const [event, payload] of [
        ["cancel_job", { job_id: bobsJob.job_id }],
        ["answer", { job_id: bobsJob.job_id, clarification_id: "continue-1", answer: true }],
      ]) {
        const ack = await socket.feed.ack(event, payload);
        assert.equal(ack.ok, false, JSON.stringify(ack));
        assert.equal(ack.error.code, "not_found", `${event}: ${JSON.stringify(ack)}`);
      }
      // Bob's job went on, and alice received none of it.
      const bobs = await server.waitJob(bob, bobsJob.job_id, "finished", (j) => j.status === "completed");
      assert.equal(bobs.status, "completed");
      assert.equal(socket.feed.of(bobsJob.job_id).length, 0, "no foreign job_update");
      // An admin may join it.
      const admin = await server.connect(await server.token("root", { role: "admin" }));
      const ack = await admin.feed.ack("join_job", { job_id: bobsJob.job_id, after_seq: 0 });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.job.owner, "bob");
      admin.close();
    } finally {
      socket.close();
    }
  });

  it("bad payloads are bad_request and the socket keeps working", async () => {
    const socket = await server.connect(alice);
    try {
      const bad = [
        ["join_job", {}],
        ["join_job", { job_id: "not-a-ulid" }],
        ["join_job", { job_id: "" }],
        ["join_job", { job_id: 42 }],
        ["join_job", { job_id: UNKNOWN_ULID, after_seq: -1 }],
        ["join_job", { job_id: UNKNOWN_ULID, after_seq: "3" }],
        ["join_job", "01ARZ3NDEKTSV4RRFFQ69G5FAV"],
        ["join_job", [1, 2]],
        ["leave_job", {}],
        ["leave_job", { job_id: "nope" }],
        ["cancel_job", {}],
        ["cancel_job", { job_id: "nope" }],
        ["answer", {}],
        ["answer", { job_id: "nope", clarification_id: "x", answer: 1 }],
      ];
      for (const [event, payload] of bad) {
        const ack = await socket.feed.ack(event, payload);
        assert.equal(ack?.ok, false, `${event} ${JSON.stringify(payload)} → ${JSON.stringify(ack)}`);
        assert.equal(
          ack.error.code,
          "bad_request",
          `${event} ${JSON.stringify(payload)} → ${JSON.stringify(ack)}`,
        );
      }
      const noPayload = await socket.feed.ack("join_job", undefined);
      assert.equal(noPayload.ok, false);
      assert.equal(noPayload.error.code, "bad_request", JSON.stringify(noPayload));
      assert.ok(socket.connected, "still connected after bad payloads");
      const job = await server.createJob(alice, { steps: 1, step_ms: 0 });
      const ok = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
      assert.equal(ok.ok, true, JSON.stringify(ok));
    } finally {
      socket.close();
    }
  });

  it("an unknown event with an ack is answered bad_request", async () => {
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("no_such_event", { x: 1 });
      assert.equal(ack.ok, false, JSON.stringify(ack));
      assert.equal(ack.error.code, "bad_request");
      assert.ok(socket.connected);
    } finally {
      socket.close();
    }
  });
});
