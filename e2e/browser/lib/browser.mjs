// Headless Chromium for the dashboard tests: Debian's chromium driven by
// playwright-core (no browser download). Each test file gets one browser and
// one server (the launcher shared with the Node suite, e2e/lib/server.mjs);
// each test gets a fresh browser context and page, with every console error
// and warning and every uncaught page error collected: a test fails if there
// is any it did not name as expected. Screenshots are test output, kept in
// e2e/browser/artifacts/: at each test's key moments, and on failure.

import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";

import { chromium } from "playwright-core";

import { startServer, within } from "../../lib/server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ARTIFACTS = path.resolve(here, "../artifacts");
export const CHROMIUM = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";

/** Playwright's own waits (locators, clicks): bounded, named in failures. */
const ACTION_TIMEOUT_MS = 15000;

export async function launch() {
  await mkdir(ARTIFACTS, { recursive: true });
  return within(
    60000,
    `Chromium at ${CHROMIUM} to start`,
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
    }),
  );
}

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 80);

/** Saves a full-page screenshot as artifacts/<prefix><name>.png (never throws). */
export async function screenshot(page, name, prefix = "") {
  const file = path.join(ARTIFACTS, `${prefix}${slug(name)}.png`);
  try {
    await page.screenshot({ path: file, fullPage: true, timeout: 10000 });
    return file;
  } catch (e) {
    return `(no screenshot ${file}: ${e.message.split("\n")[0]})`;
  }
}

/**
 * One browser and one server for the test file (`before`/`after` hooks).
 * The returned object's `browser` and `server` are set once `before` ran;
 * `setup(env)` runs after them, `teardown(env)` before they are stopped.
 */
export function useBrowserAndServer(file, { serverOptions = {}, setup, teardown } = {}) {
  const env = { file: slug(path.basename(file).replace(/\.test\.mjs$/, "")), browser: null, server: null };
  before(async () => {
    env.browser = await launch();
    env.server = await startServer(serverOptions);
    await setup?.(env);
  });
  after(async () => {
    await teardown?.(env);
    await env.browser?.close().catch(() => {});
    await env.server?.stop();
  });
  return env;
}

/**
 * A test with a fresh page: `fn({page, context, server, problems, shot})`.
 * Options: `timeout` (ms, the whole test), `viewport`, and `allowConsole`
 * (a predicate over a console problem {type, text, url} for the lines the
 * test expects; default none). On failure a screenshot is saved and the
 * console problems seen are added to the error.
 */
export function pageTest(env, name, options, fn) {
  const { timeout = 60000, viewport = { width: 1280, height: 900 }, allowConsole = () => false } = options;
  test(name, { timeout: timeout + 15000 }, async () => {
    const context = await env.browser.newContext({ viewport, acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(ACTION_TIMEOUT_MS);
    const problems = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") {
        problems.push({ type: message.type(), text: message.text(), url: message.location()?.url ?? "" });
      }
    });
    page.on("pageerror", (error) => problems.push({ type: "pageerror", text: error.stack ?? error.message, url: "" }));
    const base = `${env.file}-${name}`;
    const shot = (label) => screenshot(page, `${env.file}-${label}`);
    const show = (list) => list.map((p) => `  ${p.type}: ${p.text}${p.url ? ` (${p.url})` : ""}`).join("\n");
    let checkingConsole = false;
    try {
      await within(timeout, `the test "${name}" to finish`, fn({ page, context, server: env.server, problems, shot }));
      checkingConsole = true;
      const unexpected = problems.filter((p) => !allowConsole(p));
      assert.equal(unexpected.length, 0, `console errors, warnings or page errors:\n${show(unexpected)}`);
    } catch (e) {
      const file = await screenshot(page, base, "FAILED-");
      e.message += `\n[screenshot: ${file}]`;
      if (problems.length && !checkingConsole) e.message += `\n[console problems meanwhile:\n${show(problems)}]`;
      throw e;
    } finally {
      await context.close().catch(() => {});
    }
  });
}

// --- The page ------------------------------------------------------------------

/** Waits until the connection dot says connected (data-state and label). */
export async function connected(page, timeout = 20000) {
  await page.locator('#conn[data-state="connected"]').waitFor({ timeout });
}

/** The connection state (`data-state` of #conn). */
export const connState = (page) => page.locator("#conn").getAttribute("data-state");

/** Signs in by pasting `token` and pressing Sign in; waits for the socket. */
export async function signIn(page, url, token) {
  await page.goto(url);
  await page.locator("#token").fill(token);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await connected(page);
}

/** The row of a job, by id. */
export function row(page, jobId) {
  return page.locator(`li.job[data-job-id="${jobId}"]`);
}

/** What a row shows, for failure messages. */
export async function describeRow(page, jobId) {
  return page
    .evaluate((id) => {
      const r = document.querySelector(`li.job[data-job-id="${id}"]`);
      if (!r) return `no row for job ${id}`;
      const t = (sel) => r.querySelector(sel)?.textContent?.trim() ?? "";
      return (
        `row ${id}: data-status=${r.dataset.status} data-last-seq=${r.dataset.lastSeq} ` +
        `bar=${r.querySelector("progress.job-bar")?.value} status="${t(".job-status")}" ` +
        `stage="${t(".job-stage")}" message="${t(".job-message")}" attempt="${t(".job-attempt")}" ` +
        `error="${t(".job-error")}"`
      );
    }, jobId)
    .catch((e) => `(row unreadable: ${e.message.split("\n")[0]})`);
}

/**
 * Waits until the row of `jobId` has `data-status=status`, and checks that
 * its visible status text says the same.
 */
export async function rowStatus(page, jobId, status, timeout = 30000) {
  try {
    await page.locator(`li.job[data-job-id="${jobId}"][data-status="${status}"]`).waitFor({ timeout });
  } catch (e) {
    throw new Error(`timed out after ${timeout} ms waiting for job ${jobId} to show ${status}; ${await describeRow(page, jobId)}`);
  }
  const text = (await row(page, jobId).locator(".job-status").textContent()).trim().toLowerCase();
  assert.equal(text.replace(/[\s_]+/g, " "), status.replace(/_/g, " "), `the visible status of job ${jobId}`);
}

/** The value of a job's progress bar. */
export function barValue(page, jobId) {
  return row(page, jobId).locator("progress.job-bar").evaluate((bar) => bar.value);
}

/** The ids of the job rows, top to bottom. */
export function rowIds(page) {
  return page.locator("li.job").evaluateAll((rows) => rows.map((r) => r.dataset.jobId));
}

/** Sets the options form's controls (`#opt-<name>`) to `options`. */
export async function setOptions(page, options) {
  for (const [name, value] of Object.entries(options)) {
    const control = page.locator(`#opt-${name}`);
    const tag = await control.evaluate((el) => `${el.tagName}:${el.type}`);
    if (tag === "INPUT:checkbox") await control.setChecked(Boolean(value));
    else if (tag.startsWith("SELECT")) await control.selectOption(String(value));
    else await control.fill(String(value));
  }
}

/**
 * Waits for the rows of new jobs named `names` (rows not in `before`), and
 * resolves their ids in the order of `names`.
 */
export async function newRows(page, before, names, timeout = 15000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const rows = await page
      .locator("li.job")
      .evaluateAll((els) => els.map((r) => ({ id: r.dataset.jobId, name: r.querySelector(".job-file")?.textContent })));
    const fresh = rows.filter((r) => !before.has(r.id));
    if (fresh.length >= names.length) {
      const ids = names.map((n) => fresh.find((r) => r.name === n)?.id);
      assert.equal(fresh.length, names.length, `new rows: ${JSON.stringify(fresh)} for files ${names}`);
      assert.ok(ids.every(Boolean), `one new row per file ${names.join(", ")}: ${JSON.stringify(fresh)}`);
      return ids;
    }
    if (Date.now() > deadline) {
      const error = await page.locator("#submit-error").textContent();
      throw new Error(`timed out after ${timeout} ms waiting for rows of ${names.join(", ")} (have ${JSON.stringify(fresh)}; #submit-error: "${error}")`);
    }
    await page.waitForTimeout(50);
  }
}

/**
 * Starts jobs from the form: picks `kind`, sets `options`, chooses `files`
 * ({name, mimeType, buffer}) with the file input, presses Start. Resolves
 * the new jobs' ids in the order of `files`.
 */
export async function submitFiles(page, kind, files, options = {}) {
  const before = new Set(await rowIds(page));
  await page.locator("#kind").selectOption(kind);
  await setOptions(page, options);
  await page.locator("#files").setInputFiles(files);
  await page.locator("#start").click();
  return newRows(page, before, files.map((f) => f.name));
}

/**
 * Drops `files` on #dropzone, as a browser does: dragenter, dragover and
 * drop events carrying a DataTransfer with the files.
 */
export async function dropFiles(page, files) {
  const payload = files.map((f) => ({ name: f.name, type: f.mimeType, bytes: f.buffer.toString("base64") }));
  await page.evaluate((items) => {
    const transfer = new DataTransfer();
    for (const { name, type, bytes } of items) {
      const raw = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
      transfer.items.add(new File([raw], name, { type }));
    }
    const zone = document.querySelector("#dropzone");
    for (const type of ["dragenter", "dragover", "drop"]) {
      zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, payload);
}

/** Polls `check` until it returns a truthy value (bounded, named). */
export async function waitFor(page, check, what, timeout = 15000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
    await page.waitForTimeout(50);
  }
}
