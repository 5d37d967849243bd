// The dashboard's pure modules, in Node: the Socket.IO packet codec and the
// rules that keep a job's row honest (order, duplicates, gaps, questions).

import assert from "node:assert/strict";
import { test } from "node:test";

const js = new URL("../../../crates/server/src/dashboard/assets/js/", import.meta.url);
const { Socket, encodePacket, decodeFrame, decodePacket, backoffMs } = await import(new URL("socket.js", js));
const { JobState, openQuestion, formatEta, attemptText } = await import(new URL("jobstate.js", js));
const { Board, parseAnswer } = await import(new URL("board.js", js));

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

test("a hand-back is a new attempt that uses none; a crash uses one", () => {
  const state = new JobState(snapshot);
  let seq = 1;
  for (const limit of [4, 5, 6]) {
    state.apply(event(++seq, "started"));
    state.apply(event(++seq, "retrying", { status: "queued", data: { handed_back: true, max_attempts: limit } }));
  }
  assert.equal(state.job.attempt, 4);
  assert.equal(state.job.max_attempts, 6);
  assert.equal(state.handedBack, 3);
  assert.equal(attemptText(state), "attempt 4 of 6 (3 handed back)");
  state.apply(event(++seq, "started"));
  state.apply(event(++seq, "retrying", { status: "queued" }));
  assert.deepEqual([state.job.attempt, state.job.max_attempts, state.handedBack], [5, 6, 3]);
  assert.equal(attemptText(new JobState(snapshot)), "attempt 1 of 3");
  // Joined late (a reload): earlier hand-backs were not seen, so no count.
  const late = new JobState({ ...snapshot, status: "running", attempt: 3, max_attempts: 5, last_seq: 9 });
  late.apply(event(10, "retrying", { status: "queued", data: { handed_back: true, max_attempts: 6 } }));
  assert.equal(attemptText(late), "attempt 4 of 6 (handed back)");
});

test("hostile hand-back data cannot lower the limit or make it absurd", () => {
  const cases = [
    [{ handed_back: true }, 4, 1],
    [{ handed_back: true, max_attempts: -1 }, 4, 1],
    [{ handed_back: true, max_attempts: 1e300 }, 4, 1],
    [{ handed_back: true, max_attempts: 2.5 }, 4, 1],
    [{ handed_back: true, max_attempts: "9" }, 4, 1],
    [{ handed_back: true, max_attempts: 0 }, 2, 1],
    [{ handed_back: "yes", max_attempts: 9 }, 3, 0],
    [[true], 3, 0],
    ["handed_back", 3, 0],
    [null, 3, 0],
  ];
  for (const [data, max, handedBack] of cases) {
    const state = new JobState(snapshot);
    state.apply(event(2, "started"));
    state.apply(event(3, "retrying", { status: "queued", data }));
    assert.deepEqual([state.job.attempt, state.job.max_attempts, state.handedBack], [2, max, handedBack], JSON.stringify(data));
  }
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

test("a reconnect resumes every unfinished job in one join_user per 500, not one join_job each", async () => {
  const board = new Board(null, null, null, {});
  const requests = [];
  board.socket = {
    connected: true,
    request: async (event, payload) => {
      requests.push([event, payload]);
      return { ok: true, jobs: [], next: null, unknown: [] };
    },
  };
  const snapshot = (i, status, last_seq) => ({ job_id: `J${String(i).padStart(4, "0")}`, status, last_seq });
  for (let i = 0; i < 620; i++) {
    const status = i % 10 === 0 ? "completed" : "running";
    board.jobs.set(`J${String(i).padStart(4, "0")}`, { state: new JobState(snapshot(i, status, i + 1)) });
  }
  await board.resync();
  assert.deepEqual(requests.map(([event]) => event), ["join_user", "join_user"]);
  const named = requests.map(([, payload]) => payload.jobs);
  assert.equal(Object.keys(named[0]).length, 500);
  assert.equal(Object.keys(named[1]).length, 58, "558 unfinished jobs in all");
  const all = Object.assign({}, ...named);
  assert.equal(all.J0001, 2, "each job from its last applied seq");
  assert.equal(all.J0010, undefined, "a finished job is not resumed");
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
