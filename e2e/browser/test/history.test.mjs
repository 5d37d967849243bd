// Past jobs: #history-table lists the user's jobs newest first, ten a page;
// Older / Newer walk the pages without repeats; the status filter shows only
// that status; a job started from the page appears in it and its status is
// redrawn when it changes; Open shows a completed job's result.

import assert from "node:assert/strict";

import { textFile } from "../lib/fixtures.mjs";
import { pageTest, rowStatus, signIn, submitFiles, useBrowserAndServer, waitFor } from "../lib/browser.mjs";

const USER = "hana";
let token;
/** The jobs made over REST before the page opens: 9 completed, 3 failed. */
const created = [];
const env = useBrowserAndServer(import.meta.url, {
  setup: async ({ server }) => {
    token = await server.token(USER);
    for (let i = 0; i < 12; i++) {
      const failing = i % 4 === 1; // 3 of the 12, spread among the others
      created.push(await server.createJob(token, failing ? { steps: 1, step_ms: 0, fail_at: 1 } : { steps: 1, step_ms: 0 }));
    }
    for (const job of created) {
      await server.waitJob(token, job.job_id, "to finish", (j) => ["completed", "failed"].includes(j.status), 30000);
    }
  },
});

const historyRows = (page) =>
  page.locator("#history-table tbody tr").evaluateAll((rows) =>
    rows.map((r) => ({ id: r.dataset.jobId, status: r.dataset.status, text: r.textContent })),
  );
const historyIds = async (page) => (await historyRows(page)).map((r) => r.id);

/** The ids the API lists for the user (newest first), following the cursors. */
async function listed(server, status = "") {
  const ids = [];
  let cursor = null;
  do {
    const q = new URLSearchParams({ limit: "10", ...(status ? { status } : {}), ...(cursor ? { cursor } : {}) });
    const { status: code, body } = await server.api("GET", `/api/jobs?${q}`, token);
    assert.equal(code, 200);
    ids.push(...body.jobs.map((j) => j.job_id));
    cursor = body.next_cursor;
  } while (cursor);
  return ids;
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

pageTest(env, "past jobs: ten a page newest first, Older/Newer without repeats, the status filter", { timeout: 90000 }, async ({ page, server, shot }) => {
  const all = await listed(server);
  assert.equal(all.length, 12);
  const completed = await listed(server, "completed");
  const failed = await listed(server, "failed");
  assert.equal(completed.length, 9);
  assert.equal(failed.length, 3);

  await signIn(page, server.url, token);
  await waitFor(page, async () => same(await historyIds(page), all.slice(0, 10)), "the first page: the 10 newest jobs").catch(async (e) => {
    throw new Error(`${e.message}; shown: ${await historyIds(page)}; expected ${all.slice(0, 10)}`);
  });
  const first = await historyRows(page);
  for (const r of first) {
    const job = await server.job(token, r.id);
    assert.equal(r.status, job.status, `the status of ${r.id}`);
    assert.match(r.text, new RegExp(job.status), `row ${r.id} shows its status`);
    assert.match(r.text, /demo\.steps/, `row ${r.id} shows its kind`);
  }
  assert.equal(await page.locator("#history-prev").isDisabled(), true, "no Newer on the first page");
  assert.equal(await page.locator("#history-next").isDisabled(), false, "Older on the first page");
  await shot("page-1");

  await page.locator("#history-next").click();
  await waitFor(page, async () => same(await historyIds(page), all.slice(10)), "the second page: the 2 oldest jobs");
  const second = await historyIds(page);
  assert.equal(new Set([...first.map((r) => r.id), ...second]).size, 12, "12 distinct jobs over two pages");
  assert.equal(await page.locator("#history-next").isDisabled(), true, "no Older on the last page");
  assert.equal(await page.locator("#history-prev").isDisabled(), false, "Newer on the last page");
  await shot("page-2");
  await page.locator("#history-prev").click();
  await waitFor(page, async () => same(await historyIds(page), all.slice(0, 10)), "back to the first page");

  await page.locator("#history-status").selectOption("completed");
  await waitFor(page, async () => same(await historyIds(page), completed), "the 9 completed jobs");
  assert.deepEqual([...new Set((await historyRows(page)).map((r) => r.status))], ["completed"]);
  await shot("completed-only");
  await page.locator("#history-status").selectOption("failed");
  await waitFor(page, async () => same(await historyIds(page), failed), "the 3 failed jobs");
  assert.deepEqual([...new Set((await historyRows(page)).map((r) => r.status))], ["failed"]);
  await page.locator("#history-status").selectOption("");
  await waitFor(page, async () => same(await historyIds(page), all.slice(0, 10)), "all jobs again");

  // Open on a completed job shows its result (JSON for demo.steps).
  const done = completed[0];
  await page.locator(`#history-table tbody tr[data-job-id="${done}"] .history-open`).click();
  await page.locator("#result-json").waitFor({ state: "visible" });
  assert.deepEqual(JSON.parse(await page.locator("#result-json").textContent()), (await server.job(token, done)).result);
});

pageTest(env, "a job started from the page appears in past jobs, and its line follows its status (waiting_input, completed)", { timeout: 60000 }, async ({ page, server, shot }) => {
  await signIn(page, server.url, token);
  await waitFor(page, async () => (await historyIds(page)).length === 10, "the first page");
  const [id] = await submitFiles(page, "demo.steps", [textFile("new-one.txt")], { steps: 20, step_ms: 100, ask: true });
  await waitFor(page, async () => (await historyIds(page))[0] === id, "the new job at the top of past jobs");
  const lineStatus = async () => (await historyRows(page)).find((r) => r.id === id)?.status;
  await rowStatus(page, id, "waiting_input", 30000);
  await waitFor(page, async () => (await lineStatus()) === "waiting_input", "the new job's line to say waiting_input", 5000);
  await page.locator(`li.job[data-job-id="${id}"] button.job-answer-send`).click();
  await rowStatus(page, id, "completed", 30000);
  await waitFor(page, async () => (await lineStatus()) === "completed", "the new job's line to say completed", 5000);
  assert.equal((await historyIds(page)).length, 10, "still ten a page");
  await shot("new-job-completed");
});
