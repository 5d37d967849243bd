// cancel_job and answer over the socket.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import { assertContiguous, assertSameEvents, startServer } from "../lib/jobcast.mjs";

describe("cancel_job and answer", () => {
  let server;
  let alice;
  before(async () => {
    server = await startServer();
    alice = await server.token("alice");
  });
  after(async () => {
    await server?.stop();
  });

  it("cancels a running job: ok, status cancelled, job_update cancelled arrives", async () => {
    const socket = await server.connect(alice);
    try {
      const job = await server.createJob(alice, { steps: 200, step_ms: 50 });
      const join = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
      assert.equal(join.ok, true, JSON.stringify(join));
      await socket.feed.until("the job to be running", () =>
        socket.feed.of(job.job_id).some((e) => e.type === "progress"),
      );
      const ack = await socket.feed.ack("cancel_job", { job_id: job.job_id });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.job.job_id, job.job_id);
      assert.equal(ack.job.status, "cancelled");
      assert.ok(ack.job.finished_at, "finished_at is set");
      await socket.feed.until("a cancelled job_update", () =>
        socket.feed.of(job.job_id).some((e) => e.type === "cancelled"),
      );
      const got = [...join.events, ...socket.feed.of(job.job_id)];
      const cancelled = got.find((e) => e.type === "cancelled");
      assert.equal(cancelled.status, "cancelled");
      assert.equal(got[got.length - 1].type, "cancelled", "cancelled is the last event");
      // The job stays cancelled; nothing more is stored or sent.
      const snap = await server.job(alice, job.job_id);
      assert.equal(snap.status, "cancelled");
      const stored = await server.events(alice, job.job_id);
      assert.equal(stored[stored.length - 1].type, "cancelled");
      assertContiguous(got.map((e) => e.seq), 1, stored[stored.length - 1].seq, "cancelled job");
      assertSameEvents(got, stored, "socket vs REST");
      // Cancelling again: conflict.
      const again = await socket.feed.ack("cancel_job", { job_id: job.job_id });
      assert.equal(again.ok, false, JSON.stringify(again));
      assert.equal(again.error.code, "conflict", JSON.stringify(again));
    } finally {
      socket.close();
    }
  });

  it("cancels a queued job", async () => {
    const socket = await server.connect(alice);
    try {
      // Two workers: fill them, then the third job waits in the queue.
      const busy = [
        await server.createJob(alice, { steps: 100, step_ms: 50 }),
        await server.createJob(alice, { steps: 100, step_ms: 50 }),
      ];
      const queued = await server.createJob(alice, { steps: 5, step_ms: 10 });
      const ack = await socket.feed.ack("cancel_job", { job_id: queued.job_id });
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.job.status, "cancelled");
      for (const j of busy) {
        const c = await socket.feed.ack("cancel_job", { job_id: j.job_id });
        assert.equal(c.ok, true, JSON.stringify(c));
      }
      const snap = await server.job(alice, queued.job_id);
      assert.equal(snap.status, "cancelled");
    } finally {
      socket.close();
    }
  });

  it("refuses to cancel a finished job with conflict", async () => {
    const job = await server.createJob(alice, { steps: 2, step_ms: 0 });
    await server.waitJob(alice, job.job_id, "completed", (j) => j.status === "completed");
    const socket = await server.connect(alice);
    try {
      const ack = await socket.feed.ack("cancel_job", { job_id: job.job_id });
      assert.equal(ack.ok, false, JSON.stringify(ack));
      assert.equal(ack.error.code, "conflict", JSON.stringify(ack));
      assert.equal((await server.job(alice, job.job_id)).status, "completed", "still completed");
    } finally {
      socket.close();
    }
  });

  it("answers a clarification: the job resumes and completes with the answer in its result", async () => {
    const socket = await server.connect(alice);
    try {
      const job = await server.createJob(alice, { steps: 10, step_ms: 20, ask: true });
      const join = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
      assert.equal(join.ok, true, JSON.stringify(join));
      const all = () => [...join.events, ...socket.feed.of(job.job_id)];
      await socket.feed.until(
        "a clarification event",
        () => all().some((e) => e.type === "clarification"),
      );
      const question = all().find((e) => e.type === "clarification");
      assert.equal(question.status, "waiting_input");
      for (const key of ["clarification_id", "question", "field", "suggestion"]) {
        assert.ok(key in question.data, `clarification data lacks ${key}: ${JSON.stringify(question.data)}`);
      }
      const waiting = await server.job(alice, job.job_id);
      assert.equal(waiting.status, "waiting_input");

      // A wrong clarification id is refused and changes nothing.
      const wrong = await socket.feed.ack("answer", {
        job_id: job.job_id,
        clarification_id: "no-such-question",
        answer: "x",
      });
      assert.equal(wrong.ok, false, JSON.stringify(wrong));
      assert.equal(wrong.error.code, "not_found", JSON.stringify(wrong));
      assert.equal((await server.job(alice, job.job_id)).status, "waiting_input");

      const answer = { go_on: true, note: "from the e2e suite" };
      const ack = await socket.feed.ack("answer", {
        job_id: job.job_id,
        clarification_id: question.data.clarification_id,
        answer,
      });
      assert.deepEqual(ack, { ok: true });
      await socket.feed.untilTerminal(job.job_id);
      const events = all();
      const types = events.map((e) => e.type);
      assert.ok(types.includes("answered"), `an answered event: ${types}`);
      const last = events[events.length - 1];
      assert.equal(last.type, "completed");
      assert.deepEqual(last.data.answer, answer, "the completed event's data holds the answer");
      const snap = await server.job(alice, job.job_id);
      assert.equal(snap.status, "completed");
      assert.deepEqual(snap.result.answer, answer, "the result holds the answer");
      assertContiguous(events.map((e) => e.seq), 1, last.seq, "asked job");
      assertSameEvents(events, await server.events(alice, job.job_id), "socket vs REST");

      // Answering a job that is no longer waiting: conflict.
      const late = await socket.feed.ack("answer", {
        job_id: job.job_id,
        clarification_id: question.data.clarification_id,
        answer,
      });
      assert.equal(late.ok, false, JSON.stringify(late));
      assert.equal(late.error.code, "conflict", JSON.stringify(late));
    } finally {
      socket.close();
    }
  });
});
