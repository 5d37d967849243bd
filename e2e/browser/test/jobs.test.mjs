// New jobs from the page: files picked with the file input and dropped on
// the drop zone reach completed with a full bar, their results show what the
// server found; the options form follows the kind and what is set in it
// reaches the job; more than 10 files are refused before anything is sent.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

import { BOOKS, INVOICE, bookFile, invoiceFile, textFile } from "../lib/fixtures.mjs";
import {
  barValue,
  dropFiles,
  newRows,
  pageTest,
  row,
  rowIds,
  rowStatus,
  setOptions,
  signIn,
  submitFiles,
  useBrowserAndServer,
  waitFor,
} from "../lib/browser.mjs";

const env = useBrowserAndServer(import.meta.url);

/** Opens a job's result from its row's Result button. */
async function openResult(page, id) {
  const button = row(page, id).locator("button.job-result");
  assert.equal(await button.isVisible(), true, `the Result button of job ${id}`);
  await button.click();
  await page.locator("#result").waitFor({ state: "visible" });
}

async function closeResult(page) {
  await page.locator("#result-close").click();
  await page.locator("#result").waitFor({ state: "hidden" });
}

pageTest(env, "two PDFs and a text invoice reach completed and show their results", { timeout: 120000 }, async ({ page, server, shot }) => {
  const token = await server.token("alice");
  await signIn(page, server.url, token);

  // Two submits: a batch has one kind.
  const pdfIds = await submitFiles(page, "pdf.sentences", BOOKS.map((b) => bookFile(b)));
  const [invoiceId] = await submitFiles(page, "invoice.extract", [invoiceFile()]);
  assert.equal(new Set([...pdfIds, invoiceId]).size, 3, "three rows");
  for (const [i, id] of pdfIds.entries()) {
    assert.equal((await row(page, id).locator(".job-file").textContent()).trim(), BOOKS[i].name);
    assert.equal((await row(page, id).locator(".job-kind").textContent()).trim(), "pdf.sentences");
  }
  assert.equal((await row(page, invoiceId).locator(".job-kind").textContent()).trim(), "invoice.extract");

  for (const id of [...pdfIds, invoiceId]) await rowStatus(page, id, "completed", 60000);
  await shot("three-completed");
  for (const id of [...pdfIds, invoiceId]) {
    assert.equal(await barValue(page, id), 100, `the bar of job ${id}`);
    assert.match(await row(page, id).locator(".job-percent").textContent(), /^\s*100\s*%\s*$/);
    assert.equal(await row(page, id).locator("button.job-cancel").isVisible(), false, "no Cancel on a completed job");
  }

  for (const [i, id] of pdfIds.entries()) {
    const book = BOOKS[i];
    const job = await server.job(token, id);
    await openResult(page, id);
    assert.match(await page.locator("#result-title").textContent(), new RegExp(book.name.replace(".", "\\.")));
    const shown = (await page.locator("#result-sentences li").allTextContents()).map((s) => s.trim());
    assert.equal(shown.length, book.sentences.length, `${book.name}: the number of sentences shown`);
    assert.ok(shown.includes(book.sentences[2]), `${book.name}: shows "${book.sentences[2]}"`);
    assert.deepEqual(shown, job.result.sentences, `${book.name}: the list is the server's result`);
    assert.equal(await page.locator("#result-copy").isVisible(), true, "Copy is offered");
    const download = page.waitForEvent("download", { timeout: 10000 });
    await page.locator("#result-download").click();
    const file = await download;
    assert.equal(file.suggestedFilename(), "sentences.txt");
    const text = await readFile(await file.path(), "utf8");
    assert.deepEqual(text.trim().split("\n"), book.sentences, "the downloaded sentences");
    await shot(`result-${book.name}`);
    await closeResult(page);
  }

  const invoiceJob = await server.job(token, invoiceId);
  await openResult(page, invoiceId);
  const field = async (name) =>
    (await page.locator(`#result-invoice tr[data-field="${name}"] td`).textContent()).trim();
  assert.equal(await field("invoice_number"), INVOICE.number);
  assert.match(await field("total"), /^(GBP\s*|£\s*)?60(\.00)?(\s*GBP)?$/, "the total shown");
  assert.match(await field("currency"), /GBP/);
  assert.match(await field("vendor"), new RegExp(INVOICE.vendor));
  const confidence = (await page.locator("#result-confidence").textContent()).trim();
  assert.equal(Number(confidence), invoiceJob.result.confidence_score, `#result-confidence "${confidence}"`);
  assert.equal(invoiceJob.result.requires_review, false);
  assert.equal((await page.locator("#result-review").textContent()).trim(), "No review needed");
  const lines = await page.locator("#result-lines tbody tr").evaluateAll((trs) => trs.map((tr) => tr.textContent));
  assert.equal(lines.length, INVOICE.lines.length, "one line item row each");
  assert.match(lines[0], /Widget A/);
  await shot("result-invoice");
  await closeResult(page);
});

pageTest(env, "the options form follows the kind; a file dropped on #dropzone is sent with the option set", { timeout: 90000 }, async ({ page, server, shot }) => {
  const token = await server.token("dora");
  await signIn(page, server.url, token);
  const { body } = await server.api("GET", "/api/kinds", token);
  const optionsOf = (kind) => body.kinds.find((k) => k.kind === kind).options;

  // Each kind shows a labelled control for each of its options, and only those.
  for (const kind of ["pdf.sentences", "invoice.extract", "demo.steps", "pdf.sentences"]) {
    await page.locator("#kind").selectOption(kind);
    const expected = optionsOf(kind).map((o) => `opt-${o.name}`).sort();
    await waitFor(
      page,
      async () => JSON.stringify((await page.locator('[id^="opt-"]:is(input, select, textarea)').evaluateAll((els) => els.map((e) => e.id))).sort()) === JSON.stringify(expected),
      `the options of ${kind}: ${expected}`,
    );
    for (const option of optionsOf(kind)) {
      const control = page.locator(`#opt-${option.name}`);
      assert.equal(await control.isVisible(), true, `#opt-${option.name} is visible`);
      const label = await control.evaluate((el) => [...el.labels].map((l) => l.textContent.trim()).join(" "));
      assert.match(label, new RegExp(option.label.replace(/[()]/g, "\\$&")), `#opt-${option.name} is labelled`);
    }
  }
  assert.equal(await page.locator("#opt-max_words").isVisible(), true, "pdf.sentences offers max_words");
  await setOptions(page, { max_words: 4 });

  const before = new Set(await rowIds(page));
  const file = bookFile(BOOKS[1], "dropped.pdf");
  await dropFiles(page, [file]);
  await waitFor(page, async () => (await page.locator("#file-list li").allTextContents()).some((t) => t.includes("dropped.pdf")), "#file-list to name the dropped file");
  assert.equal(await page.locator("#file-list li").count(), 1);
  await shot("dropped");
  await page.locator("#start").click();
  const [id] = await newRows(page, before, ["dropped.pdf"]);
  await rowStatus(page, id, "completed", 60000);
  assert.equal(await barValue(page, id), 100);

  const job = await server.job(token, id);
  assert.equal(job.filename, "dropped.pdf");
  assert.equal(job.kind, "pdf.sentences");
  assert.deepEqual(job.options, { max_words: 4 }, "the option set in the form reached the job");
  assert.ok(job.result.sentences.length > BOOKS[1].sentences.length, "long sentences were split");
  assert.ok(job.result.sentences.every((s) => s.split(/\s+/).length <= 4), JSON.stringify(job.result.sentences));
  await row(page, id).locator("button.job-result").click();
  const shown = (await page.locator("#result-sentences li").allTextContents()).map((s) => s.trim());
  assert.deepEqual(shown, job.result.sentences);
});

pageTest(env, "more than 10 files are refused before anything is sent", { timeout: 45000 }, async ({ page, server, shot }) => {
  const token = await server.token("erin");
  await signIn(page, server.url, token);
  await page.locator("#kind").selectOption("demo.steps");
  const files = Array.from({ length: 11 }, (_, i) => textFile(`f${i}.txt`));
  await page.locator("#files").setInputFiles(files);
  await page.locator("#start").click();
  await page.locator("#submit-error").filter({ hasText: /10/ }).waitFor({ state: "visible" });
  await page.waitForTimeout(500);
  assert.equal(await page.locator("li.job").count(), 0, "no row");
  assert.equal((await server.api("GET", "/api/jobs", token)).body.jobs.length, 0, "no job on the server");
  await shot("eleven-files-refused");
});
