// A token's lifetime on an open socket, with the official client: when the
// token expires the server says why (`disconnect_reason`, code
// token_expired) and disconnects ("io server disconnect": socket.io-client
// does not reconnect by itself); the page renews its token and calls
// connect() again, its `auth` callback presents the fresh token, and a
// rejoin with after_seq brings exactly what was missed.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";

import {
  assertContiguous,
  assertSameEvents,
  isTerminalType,
  startServer,
  within,
} from "../lib/jobcast.mjs";

describe("token expiry on an open socket", () => {
  let server;
  let alice;
  before(async () => {
    server = await startServer();
    alice = await server.token("alice");
  });
  after(async () => {
    await server?.stop();
  });

  it("closes with token_expired, and a fresh token with after_seq resumes exactly", async () => {
    const job = await server.createJob(alice, { steps: 400, step_ms: 40 });
    let token = await server.token("alice", { ttl: "1s" });
    const socket = await server.connect(undefined, { auth: (cb) => cb({ token }) });
    const seen = [];
    let lastSeq = 0;
    const apply = (e) => {
      if (e.job_id !== job.job_id || e.seq <= lastSeq) return;
      lastSeq = e.seq;
      seen.push(e);
    };
    socket.on("job_update", apply);
    const reasons = [];
    socket.on("disconnect_reason", (reason) => reasons.push(reason));
    const ack = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: 0 });
    assert.equal(ack.ok, true, JSON.stringify(ack));
    ack.events.forEach(apply);

    const why = await within(
      20000,
      "the server to disconnect the socket when its token expires",
      new Promise((resolve) => socket.once("disconnect", resolve)),
    );
    assert.equal(why, "io server disconnect");
    assert.deepEqual(reasons.map((r) => r.code), ["token_expired"]);
    assert.ok(seen.length > 0 && !isTerminalType(seen[seen.length - 1].type), "stopped mid-job");

    // Renew, reconnect through the same socket, rejoin from the last seq.
    token = await server.token("alice");
    const rejoined = new Promise((resolve, reject) => {
      socket.once("connect", async () => {
        try {
          const again = await socket.feed.ack("join_job", { job_id: job.job_id, after_seq: lastSeq });
          assert.equal(again.ok, true, JSON.stringify(again));
          again.events.forEach(apply);
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    });
    socket.connect();
    await within(15000, "the reconnect with a fresh token", rejoined);
    await socket.feed.until(
      "the job's terminal update",
      // Checked before `apply` sees the update: look at the feed too.
      () => [...seen, ...socket.feed.of(job.job_id)].some((e) => isTerminalType(e.type)),
      60000,
    );
    socket.close();
    const last = seen[seen.length - 1];
    assertContiguous(seen.map((e) => e.seq), 1, last.seq, "whole job across the expiry");
    assertSameEvents(seen, await server.events(alice, job.job_id), "socket vs REST");
  });
});
