// The page across a dropped network while the server keeps running (a TCP
// proxy between the browser and the server, lib/proxy.mjs): the job goes on
// without the page; once the link is back the page reconnects and catches
// up from its last seq — to completed, one row, the server's last seq.
// - cut: connections are reset and new ones refused (the page hears it);
// - blackhole: nothing gets through and nothing is said (only the page's
//   heartbeat, pingInterval + pingTimeout, can tell), and the job finishes
//   while the page is cut off.
//
// The browser itself logs its failed attempts to reach the server while
// the link is down: those lines, matched narrowly below, are the only
// console errors allowed here.

import assert from "node:assert/strict";

import { textFile } from "../lib/fixtures.mjs";
import { startProxy } from "../lib/proxy.mjs";
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

let proxy;
const env = useBrowserAndServer(import.meta.url, {
  setup: async ({ server }) => {
    proxy = await startProxy(server.port);
  },
  teardown: async () => {
    await proxy?.close();
  },
});

/** Chromium's own lines about a server it cannot reach. */
const linkDown = (p) =>
  p.type === "error" &&
  (/^WebSocket connection to 'ws:\/\/127\.0\.0\.1:\d+\/socket\.io\/\?[^']*' failed: .*net::ERR_CONNECTION_REFUSED$/.test(p.text) ||
    /^Failed to load resource: net::ERR_CONNECTION_REFUSED$/.test(p.text));

/** Signs in through the proxy and starts a demo.steps job from the form. */
async function startJob(page, server, user, steps) {
  const token = await server.token(user);
  await signIn(page, proxy.url, token);
  const [id] = await submitFiles(page, "demo.steps", [textFile(`${user}.txt`)], { steps, step_ms: 100 });
  await waitFor(page, async () => (await barValue(page, id)) >= 20, "the bar to pass 20 %", 30000);
  await page.evaluate(() => (window.__sameDocument = "yes"));
  return { token, id };
}

/** After the link is back: connected, completed, one row, the server's seq. */
async function assertCaughtUp(page, server, token, id) {
  await connected(page, 30000);
  await rowStatus(page, id, "completed", 60000);
  assert.equal(await page.evaluate(() => window.__sameDocument), "yes", "the page was not reloaded");
  assert.deepEqual(await rowIds(page), [id], "exactly one row, for the job");
  assert.equal(await barValue(page, id), 100, await describeRow(page, id));
  const job = await server.job(token, id);
  assert.equal(job.status, "completed");
  assert.equal(job.attempt, 1, "the server ran the job on, in its first attempt");
  assert.equal(await row(page, id).getAttribute("data-last-seq"), String(job.last_seq), "data-last-seq is the server's last_seq");
}

pageTest(env, "a cut link mid-job: the dot leaves green, and once the link is back the row catches up", { timeout: 120000, allowConsole: linkDown }, async ({ page, server, shot }) => {
  const { token, id } = await startJob(page, server, "cut", 80);
  await proxy.cut();
  await waitFor(page, async () => (await connState(page)) !== "connected", "#conn to leave connected once the link is cut", 15000);
  // The job goes on without the page.
  const stale = Number(await row(page, id).getAttribute("data-last-seq"));
  await server.waitJob(token, id, "to move on while the page is cut off", (j) => j.last_seq >= stale + 5, 20000);
  assert.notEqual(await connState(page), "connected");
  await shot("cut");
  await proxy.restore();
  await assertCaughtUp(page, server, token, id);
  await shot("cut-restored");
});

pageTest(
  env,
  "a silent link: the heartbeat notices, the job finishes meanwhile, and the row catches up to completed",
  { timeout: 150000, allowConsole: linkDown },
  async ({ page, server, shot }) => {
    const { token, id } = await startJob(page, server, "silent", 60);
    proxy.blackhole();
    const since = Date.now();
    // Nothing says the link is gone: only the missing pings (at most
    // pingInterval + pingTimeout, 25 + 20 s with the server's defaults).
    await waitFor(page, async () => (await connState(page)) !== "connected", "#conn to leave connected on a silent link", 70000);
    const noticed = Date.now() - since;
    await server.waitJob(token, id, "to complete while the page is cut off", (j) => j.status === "completed", 30000);
    assert.notEqual(await row(page, id).getAttribute("data-status"), "completed", "the page could not have seen it finish");
    await shot("silent");
    await proxy.restore();
    await assertCaughtUp(page, server, token, id);
    await shot("silent-restored");
    assert.ok(noticed < 60000, `noticed after ${noticed} ms`);
  },
);
