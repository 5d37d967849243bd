// The page across a server restart (SIGTERM: the server drains; kill -9: it
// just dies, as on a crash or a dropped link): the dot leaves green while
// the server is gone and comes back when a new server listens on the same
// port and data directory; the job's row catches up from its last seq to
// completed, with a full bar, one row, and the server's last seq.
//
// While the server is down the browser itself logs its failed attempts to
// reach it (the page's WebSocket reconnections and REST calls): those
// lines, matched narrowly below, are the only console errors allowed here.

import assert from "node:assert/strict";

import { textFile } from "../lib/fixtures.mjs";
import {
  barValue,
  connState,
  connected,
  describeRow,
  pageTest,
  row,
  rowIds,
  rowStatus,
  signIn,
  submitFiles,
  useBrowserAndServer,
  waitFor,
} from "../lib/browser.mjs";

const env = useBrowserAndServer(import.meta.url);

/** Chromium's own lines about a server that is not there (or going away). */
const serverGone = (p) =>
  p.type === "error" &&
  (/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?[^']*' failed: .*net::ERR_CONNECTION_REFUSED$/.test(p.text) ||
    /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/.test(p.text));

for (const signal of ["SIGTERM", "SIGKILL"]) {
  pageTest(
    env,
    `after a ${signal} restart mid-job the page reconnects and catches up: completed, one row, the server's last seq`,
    { timeout: 120000, allowConsole: serverGone },
    async ({ page, server, shot }) => {
      const token = await server.token(`restart-${signal.toLowerCase()}`);
      await signIn(page, server.url, token);
      const [id] = await submitFiles(page, "demo.steps", [textFile(`long-${signal}.txt`)], { steps: 80, step_ms: 100 });
      await waitFor(page, async () => (await barValue(page, id)) >= 20, "the bar to pass 20 %", 30000);
      const before = await barValue(page, id);
      assert.ok(before < 100, `the job is still running (bar ${before})`);
      // The same document must come through: a reload would hide a page that
      // cannot reconnect by itself.
      await page.evaluate(() => (window.__sameDocument = "yes"));
      await shot(`${signal}-before`);

      await server.halt({ signal });
      const left = await waitFor(
        page,
        async () => {
          const state = await connState(page);
          return state !== "connected" ? state : null;
        },
        "#conn to leave connected while the server is down",
        30000,
      );
      assert.ok(["reconnecting", "down"].includes(left), `#conn data-state="${left}"`);
      assert.notEqual((await page.locator("#conn").textContent()).trim(), "Connected", "the label says so too");
      // Down for a while: the page retries against a closed port meanwhile.
      await page.waitForTimeout(2000);
      assert.notEqual(await connState(page), "connected");
      await shot(`${signal}-server-down`);

      await server.start();
      await connected(page, 30000);
      await rowStatus(page, id, "completed", 60000);
      await shot(`${signal}-after`);

      assert.equal(await page.evaluate(() => window.__sameDocument), "yes", "the page was not reloaded");
      assert.deepEqual(await rowIds(page), [id], "exactly one row, for the job");
      assert.equal(await page.locator(`li.job[data-job-id="${id}"]`).count(), 1);
      assert.equal(await barValue(page, id), 100, await describeRow(page, id));
      const job = await server.job(token, id);
      assert.equal(job.status, "completed");
      assert.equal(await row(page, id).getAttribute("data-last-seq"), String(job.last_seq), "data-last-seq is the server's last_seq");
      assert.equal(await connState(page), "connected");
    },
  );
}
