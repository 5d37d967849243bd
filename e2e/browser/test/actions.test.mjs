// A job's row acts on it: Cancel a running job, Retry it as attempt 2, and
// answer the questions jobs ask (demo.steps' "Continue counting?", and
// invoice.extract asking for a total it could not find).

import assert from "node:assert/strict";

import { INVOICE, invoiceNoTotalFile, textFile } from "../lib/fixtures.mjs";
import {
  barValue,
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

pageTest(env, "a running job is cancelled from its row, then retried as attempt 2", { timeout: 90000 }, async ({ page, server, shot }) => {
  const token = await server.token("carol");
  await signIn(page, server.url, token);
  const [id] = await submitFiles(page, "demo.steps", [textFile("long-count.txt")], { steps: 200, step_ms: 100 });
  // The page sends only options that differ from their default (step_ms
  // is 100 by default): the job counts 200 steps of 100 ms.
  const { body } = await server.api("GET", "/api/kinds", token);
  const stepMs = body.kinds.find((k) => k.kind === "demo.steps").options.find((o) => o.name === "step_ms");
  const { options } = await server.job(token, id);
  assert.equal(options.steps, 200, "the steps set in the form reached the job");
  assert.equal(options.step_ms ?? stepMs.default, 100, "the job's step time");

  // ".job-attempt" says which attempt this is: its first number.
  const attemptShown = async () => Number(/\d+/.exec(await row(page, id).locator(".job-attempt").textContent())?.[0]);
  await rowStatus(page, id, "running");
  await waitFor(page, async () => (await barValue(page, id)) > 1, "the bar to move");
  const cancel = row(page, id).locator("button.job-cancel");
  assert.equal(await cancel.isVisible(), true, "Cancel is offered while running");
  assert.equal(await row(page, id).locator("button.job-retry").isVisible(), false, "no Retry while running");
  await cancel.click();
  await rowStatus(page, id, "cancelled");
  const cancelled = await server.job(token, id);
  assert.equal(cancelled.status, "cancelled");
  assert.ok((await barValue(page, id)) < 100, "the bar stopped short of 100");
  const retry = row(page, id).locator("button.job-retry");
  assert.equal(await retry.isVisible(), true, "Retry is offered once cancelled");
  assert.equal(await cancel.isVisible(), false, "no Cancel once cancelled");
  assert.equal(await attemptShown(), 1, "attempt 1");
  await shot("cancelled");

  await retry.click();
  await waitFor(page, async () => (await attemptShown()) === 2, "the row to show attempt 2").catch(async (e) => {
    throw new Error(`${e.message}; ${await describeRow(page, id)}`);
  });
  await rowStatus(page, id, "running");
  const again = await server.job(token, id);
  assert.equal(again.attempt, 2);
  assert.equal(again.status, "running");
  // The bar is attempt 2's (not left over from attempt 1): read before the
  // server's progress, it is not ahead of it.
  const start = await barValue(page, id);
  const serverProgress = (await server.job(token, id)).progress;
  assert.ok(start <= serverProgress, `bar ${start} vs attempt 2's progress ${serverProgress} (attempt 1 stopped at ${cancelled.progress})`);
  // It really runs again: the bar moves in attempt 2.
  await waitFor(page, async () => (await barValue(page, id)) > start + 1, `the bar to move in attempt 2 (from ${start})`);
  assert.equal(await row(page, id).locator("button.job-retry").isVisible(), false, "no Retry while running again");
  await shot("retried");
  await row(page, id).locator("button.job-cancel").click();
  await rowStatus(page, id, "cancelled");
  assert.deepEqual(await rowIds(page), [id], "one row for the job, whatever happened to it");
});

pageTest(env, "a job's question appears in its row; the typed answer lets it finish", { timeout: 60000 }, async ({ page, server, shot }) => {
  const token = await server.token("frank");
  await signIn(page, server.url, token);
  const [id] = await submitFiles(page, "demo.steps", [textFile("ask.txt")], { steps: 6, step_ms: 50, ask: true });
  assert.deepEqual((await server.job(token, id)).options, { steps: 6, step_ms: 50, ask: true });
  await rowStatus(page, id, "waiting_input");
  const box = row(page, id).locator("form.job-clarification");
  await box.waitFor({ state: "visible" });
  assert.equal((await box.locator(".job-question").textContent()).trim(), "Continue counting?");
  assert.equal(await box.locator("input.job-answer").inputValue(), "true", "the suggestion is offered");
  await shot("question");

  // After a reload the question is still there (read from the stored events).
  await page.reload();
  await connected(page);
  await rowStatus(page, id, "waiting_input");
  await box.waitFor({ state: "visible" });
  assert.equal((await box.locator(".job-question").textContent()).trim(), "Continue counting?");

  // Answer with the keyboard: select the suggestion, type over it, Enter.
  await box.locator("input.job-answer").focus();
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.type("false");
  await page.keyboard.press("Enter");
  await rowStatus(page, id, "completed");
  assert.equal(await box.isVisible(), false, "the question is gone");
  assert.equal(await barValue(page, id), 100);
  const job = await server.job(token, id);
  assert.equal(job.result.answer, false, "the typed answer reached the job as JSON");
});

pageTest(env, "invoice.extract asks for a missing total; the answer sent from the row completes the invoice", { timeout: 60000 }, async ({ page, server, shot }) => {
  const token = await server.token("gina");
  await signIn(page, server.url, token);
  const [id] = await submitFiles(page, "invoice.extract", [invoiceNoTotalFile()], { human_in_loop: true, confidence_threshold: 1 });
  assert.deepEqual((await server.job(token, id)).options, { human_in_loop: true, confidence_threshold: 1 });
  await rowStatus(page, id, "waiting_input", 45000);
  const box = row(page, id).locator("form.job-clarification");
  await box.waitFor({ state: "visible" });
  assert.match(await box.locator(".job-question").textContent(), /total/i);
  const answer = box.locator("input.job-answer");
  assert.equal(Number(await answer.inputValue()), INVOICE.total, "the suggested total is offered");
  await shot("invoice-question");
  await answer.fill(`${INVOICE.total}.00`);
  await box.locator("button.job-answer-send").click();
  await rowStatus(page, id, "completed", 45000);
  assert.equal(await box.isVisible(), false);

  const job = await server.job(token, id);
  assert.equal(job.result.extracted_data.total, INVOICE.total);
  const answered = (await server.events(token, id)).filter((e) => e.type === "answered");
  assert.equal(answered.length, 1, "one answer reached the job");
  await row(page, id).locator("button.job-result").click();
  await page.locator("#result").waitFor({ state: "visible" });
  assert.match(
    (await page.locator('#result-invoice tr[data-field="total"] td').textContent()).trim(),
    /^(GBP\s*|£\s*)?60(\.00)?(\s*GBP)?$/,
  );
  assert.equal(Number((await page.locator("#result-confidence").textContent()).trim()), job.result.confidence_score);
  assert.equal((await page.locator("#result-review").textContent()).trim(), job.result.requires_review ? "Needs review" : "No review needed");
  await shot("invoice-answered");
});
