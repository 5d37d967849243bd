// The dashboard's pure modules, in Node: the Socket.IO packet codec and the
// rules that keep a job's row honest (order, duplicates, gaps, questions).

import assert from "node:assert/strict";
import { test } from "node:test";

const js = new URL("../../../crates/server/src/dashboard/assets/js/", import.meta.url);
const { Socket, encodePacket, decodeFrame, decodePacket, backoffMs } = await import(new URL("socket.js", js));
const { JobState, openQuestion, formatEta } = await import(new URL("jobstate.js", js));
const { parseAnswer } = await import(new URL("board.js", js));

test("packets encode and decode as Socket.IO v5 over Engine.IO v4", () => {
  assert.equal(encodePacket(0, { token: "t" }), '40{"token":"t"}');
  assert.equal(encodePacket(2, ["join_job", { job_id: "x" }], 7), '427["join_job",{"job_id":"x"}]');
  assert.deepEqual(decodeFrame('0{"sid":"a","pingInterval":25000}'), { eio: "open", data: { sid: "a", pingInterval: 25000 } });
  assert.deepEqual(decodeFrame("2"), { eio: "ping" });
  assert.deepEqual(decodeFrame('43312[{"ok":true}]'), { eio: "message", data: { type: 3, id: 312, data: [{ ok: true }] } });
  assert.deepEqual(decodeFrame('42["job_update",{"seq":1}]').data, { type: 2, id: null, data: ["job_update", { seq: 1 }] });
  assert.deepEqual(decodePacket('4{"message":"unauthorized"}'), { type: 4, id: null, data: { message: "unauthorized" } });
  assert.deepEqual(decodePacket('2/,["a"]'), { type: 2, id: null, data: ["a"] });
});

test("hostile frames decode to null instead of throwing", () => {
  for (const frame of ["", "9", "4", "42[not json", "4x", "42/admin,[\"a\"]", null, 42]) {
    assert.equal(decodeFrame(frame), null, JSON.stringify(frame));
  }
});

test("backoff grows, is capped, and is jittered", () => {
  const mid = { random: () => 0.5 };
  assert.equal(backoffMs(0, mid), 500);
  assert.equal(backoffMs(1, mid), 1000);
  assert.equal(backoffMs(10, mid), 5000);
  assert.ok(backoffMs(3, { random: () => 0 }) < backoffMs(3, { random: () => 0.99 }));
});

const snapshot = { job_id: "j", status: "queued", progress: 0, attempt: 1, max_attempts: 3, last_seq: 1 };
const event = (seq, type, extra = {}) => ({ job_id: "j", seq, type, status: "running", stage: "s", progress: seq * 10, message: `m${seq}`, eta_ms: null, data: null, ...extra });

test("events apply in seq order; duplicates are dropped and gaps reported", () => {
  const state = new JobState(snapshot);
  assert.equal(state.apply(event(2, "started")), "applied");
  assert.equal(state.apply(event(2, "started")), "duplicate");
  assert.equal(state.apply(event(1, "queued")), "duplicate");
  assert.equal(state.apply(event(4, "progress")), "gap");
  assert.equal(state.job.progress, 20, "a gap changes nothing");
  assert.equal(state.apply(event(3, "progress")), "applied");
  assert.equal(state.apply(event(4, "progress")), "applied");
  assert.equal(state.lastSeq, 4);
  assert.equal(state.job.last_seq, 4);
});

test("a question opens with its event and closes with the answer, a retry counts an attempt", () => {
  const state = new JobState(snapshot);
  const question = { clarification_id: "c1", question: "Continue?", field: "continue", suggestion: true };
  state.apply(event(2, "clarification", { status: "waiting_input", data: question }));
  assert.deepEqual(state.question, question);
  state.apply(event(3, "answered"));
  assert.equal(state.question, null);
  state.apply(event(4, "failed", { status: "failed", data: { code: "x", message: "y" } }));
  assert.equal(state.terminal, true);
  state.apply(event(5, "retrying", { status: "queued" }));
  assert.equal(state.job.attempt, 2);
  assert.equal(state.job.error, null);
  assert.equal(openQuestion([event(2, "clarification", { data: question })]), question);
  assert.equal(openQuestion([event(2, "clarification", { data: question }), event(3, "answered")]), null);
});

test("an older snapshot never overwrites newer events", () => {
  const state = new JobState(snapshot);
  state.apply(event(2, "started"));
  state.apply(event(3, "progress"));
  assert.equal(state.refresh({ ...snapshot, last_seq: 2, progress: 20 }), false);
  assert.equal(state.job.progress, 30);
  assert.equal(state.refresh({ ...snapshot, status: "running", last_seq: 5, progress: 50 }), true);
  assert.equal(state.lastSeq, 5);
});

test("answers are JSON when they parse, text otherwise; ETAs read well", () => {
  assert.equal(parseAnswer(" true "), true);
  assert.equal(parseAnswer("120.5"), 120.5);
  assert.equal(parseAnswer("ACME Ltd"), "ACME Ltd");
  assert.equal(formatEta(null), "");
  assert.equal(formatEta(12_400), "ETA 12 s");
  assert.equal(formatEta(180_000), "ETA 3 min");
  assert.equal(formatEta(3_900_000), "ETA 1 h 5 min");
});

test("a token_expired disconnect waits for renew, which connects with the fresh token", async () => {
  const opened = [];
  class FakeWebSocket {
    static OPEN = 1;
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.readyState = 1;
      opened.push(this);
    }
    send(text) {
      this.sent.push(text);
    }
    close() {
      this.readyState = 3;
    }
  }
  const saved = globalThis.WebSocket;
  globalThis.WebSocket = FakeWebSocket;
  const socket = new Socket("ws://test/socket.io/", { token: "old" });
  try {
    const told = [];
    socket.on("token_expired", (reason) => told.push(reason.code));
    socket.open();
    const first = opened[0];
    first.onmessage({ data: '0{"sid":"a","pingInterval":25000,"pingTimeout":20000}' });
    assert.equal(first.sent[0], '40{"token":"old"}');
    first.onmessage({ data: '40{"sid":"s1"}' });
    assert.ok(socket.connected);
    first.onmessage({ data: '42["disconnect_reason",{"code":"token_expired","message":"m"}]' });
    first.onmessage({ data: "41" });
    assert.deepEqual(told, ["token_expired"]);
    assert.ok(!socket.connected);
    // No attempt with the expired token, however long one waits.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(opened.length, 1, "redialled with the expired token");
    socket.renew({ token: "fresh" });
    assert.equal(opened.length, 2);
    opened[1].onmessage({ data: '0{"sid":"b","pingInterval":25000,"pingTimeout":20000}' });
    assert.equal(opened[1].sent[0], '40{"token":"fresh"}');
  } finally {
    socket.close();
    globalThis.WebSocket = saved;
  }
});
