// The documents the dashboard tests upload, checked over REST alone: the
// server reads the generated PDFs into the expected sentences and the text
// invoices into the expected fields. When these fail, the page tests that
// use them would fail for a reason that is not the page's.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { startServer } from "../../lib/server.mjs";
import { BOOKS, INVOICE, bookFile, invoiceFile, invoiceNoTotalFile } from "../lib/fixtures.mjs";
import { paginate, textPdf } from "../lib/pdf.mjs";

let server;
let token;
before(async () => {
  server = await startServer();
  token = await server.token("fixtures");
});
after(async () => {
  await server?.stop();
});

const finished = (job) => ["completed", "failed", "cancelled"].includes(job.status);

test("the PDF writer: header, objects at the offsets its xref names, trailer", { timeout: 10000 }, () => {
  const pdf = textPdf([["One (a) \\ b", "two"], ["three"]]).toString("latin1");
  assert.match(pdf, /^%PDF-1\.4\n/);
  assert.match(pdf, /%%EOF\n$/);
  const xref = Number(/startxref\n(\d+)\n%%EOF\n$/.exec(pdf)[1]);
  assert.equal(pdf.slice(xref, xref + 5), "xref\n");
  const [, first, count] = /^xref\n(\d+) (\d+)\n/.exec(pdf.slice(xref));
  assert.equal(Number(first), 0);
  const entries = pdf.slice(xref).split("\n").slice(2, 2 + Number(count));
  assert.equal(entries[0], "0000000000 65535 f ");
  entries.slice(1).forEach((entry, i) => {
    assert.match(entry, /^\d{10} 00000 n $/);
    const at = Number(entry.slice(0, 10));
    assert.equal(pdf.slice(at, at + `${i + 1} 0 obj\n`.length), `${i + 1} 0 obj\n`, `object ${i + 1} at ${at}`);
  });
  assert.match(pdf, new RegExp(`/Size ${count} `));
  // One text block per page, a Td and a Tj per line, literal strings escaped.
  assert.equal(pdf.match(/\nBT\n/g).length, 2);
  assert.match(pdf, /BT\n\/F1 11 Tf\n56 790 Td\n\(One \\\(a\\\) \\\\ b\) Tj\n0 -14 Td\n\(two\) Tj\nET\n/);
  assert.match(pdf, /\/BaseFont \/Helvetica \/Encoding \/WinAnsiEncoding/);
  // Each content stream's /Length is its byte count.
  for (const m of pdf.matchAll(/<< \/Length (\d+) >>\nstream\n/g)) {
    const start = m.index + m[0].length;
    assert.equal(pdf.slice(start + Number(m[1]), start + Number(m[1]) + 9), "endstream");
  }
  assert.deepEqual(paginate(["a", "b", "c"], 2), [["a", "b"], ["c"]]);
});

test("pdf.sentences reads the generated PDFs into the expected sentences", { timeout: 60000 }, async () => {
  const jobs = await server.upload(token, "pdf.sentences", BOOKS.map((b) => bookFile(b)));
  for (const [i, book] of BOOKS.entries()) {
    const job = await server.waitJob(token, jobs[i].job_id, "to finish", finished, 45000);
    assert.equal(job.status, "completed", `${book.name}: ${JSON.stringify(job.error)}`);
    assert.equal(job.result.pages, book.pages.length, `${book.name}: pages`);
    assert.deepEqual(job.result.sentences, book.sentences, `${book.name}: sentences`);
  }
});

test("invoice.extract reads the text invoice's fields with full confidence", { timeout: 60000 }, async () => {
  const [created] = await server.upload(token, "invoice.extract", [invoiceFile()]);
  const job = await server.waitJob(token, created.job_id, "to finish", finished, 45000);
  assert.equal(job.status, "completed", JSON.stringify(job.error));
  const data = job.result.extracted_data;
  assert.equal(data.invoice_number, INVOICE.number);
  assert.equal(data.invoice_date, INVOICE.date);
  assert.equal(data.due_date, INVOICE.due);
  assert.equal(data.vendor.name, INVOICE.vendor);
  assert.equal(data.customer.name, INVOICE.customer);
  assert.equal(data.currency, INVOICE.currency);
  assert.equal(data.subtotal, INVOICE.subtotal);
  assert.equal(data.tax, INVOICE.tax);
  assert.equal(data.total, INVOICE.total);
  assert.deepEqual(data.line_items, INVOICE.lines);
  assert.equal(job.result.confidence_score, 1);
  assert.equal(job.result.requires_review, false);
});

test("invoice.extract asks for the missing total when told to ask (human_in_loop, threshold 1)", { timeout: 60000 }, async () => {
  const [created] = await server.upload(token, "invoice.extract", [invoiceNoTotalFile()], {
    human_in_loop: true,
    confidence_threshold: 1,
  });
  const job = await server.waitJob(token, created.job_id, "to wait for input", (j) => j.status === "waiting_input" || finished(j), 45000);
  assert.equal(job.status, "waiting_input", JSON.stringify(job.error));
  const asked = (await server.events(token, job.job_id)).filter((e) => e.type === "clarification");
  assert.equal(asked.length, 1);
  assert.equal(asked[0].data.field, "total");
  assert.match(asked[0].data.question, /total/i);
  assert.equal(asked[0].data.suggestion, INVOICE.total, "the suggestion is subtotal + tax");
  const { status } = await server.api("POST", `/api/jobs/${job.job_id}/cancel`, token);
  assert.equal(status, 200);
});
