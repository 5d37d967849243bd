// The documents the tests upload, made by the tests (no binary file is kept
// in the repository), with what the server must find in them.
// test/fixtures.test.mjs checks over REST that the server does read them so,
// which tells a broken fixture from a broken page.

import { textPdf } from "./pdf.mjs";

/**
 * Two short "books" for pdf.sentences (several pages each, a sentence
 * running over two lines, and one over a page break), and their sentences.
 */
export const BOOKS = [
  {
    name: "novel-one.pdf",
    pages: [
      ["It was a bright cold day in April. The clocks were striking", "thirteen."],
      ["Mr. Smith walked home slowly. He did not look back."],
    ],
    sentences: [
      "It was a bright cold day in April.",
      "The clocks were striking thirteen.",
      "Mr. Smith walked home slowly.",
      "He did not look back.",
    ],
  },
  {
    name: "novel-two.pdf",
    pages: [
      ["The ship left the harbour at dawn. Nobody waved. The captain", "stood at the rail and watched the"],
      ["lights go out one by one. By noon the coast was gone.", "The sea was calm and grey."],
      ["Night came quickly."],
    ],
    sentences: [
      "The ship left the harbour at dawn.",
      "Nobody waved.",
      "The captain stood at the rail and watched the lights go out one by one.",
      "By noon the coast was gone.",
      "The sea was calm and grey.",
      "Night came quickly.",
    ],
  },
];

export function bookFile(book, name = book.name) {
  return { name, mimeType: "application/pdf", buffer: textPdf(book.pages) };
}

/** A text invoice in a layout the builtin extractor reads, and its fields. */
export const INVOICE = {
  name: "invoice-001.txt",
  number: "INV-2024-001",
  date: "2024-03-15",
  due: "2024-04-14",
  vendor: "ACME Supplies Ltd",
  customer: "Globex Corporation",
  currency: "GBP",
  subtotal: 50,
  tax: 10,
  total: 60,
  lines: [
    { description: "Widget A", quantity: 2, unit_price: 10, amount: 20 },
    { description: "Service B", quantity: 1, unit_price: 30, amount: 30 },
  ],
  text: `ACME Supplies Ltd
12 Market Street, London
VAT: GB123456789

Invoice Number: INV-2024-001
Invoice Date: 2024-03-15
Due Date: 2024-04-14

Bill To:
Globex Corporation
500 Oak Avenue, Springfield

Description            Qty   Unit Price    Amount
Widget A                 2       10.00      20.00
Service B                1       30.00      30.00

Subtotal: 50.00
Tax: 10.00
Total: 60.00
Currency: GBP
`,
};

export function invoiceFile(name = INVOICE.name) {
  return { name, mimeType: "text/plain", buffer: Buffer.from(INVOICE.text) };
}

/**
 * The same invoice without its "Total:" line: the builtin extractor is
 * unsure of the total, and with human_in_loop asks for it (suggesting
 * subtotal + tax).
 */
export const INVOICE_NO_TOTAL = {
  name: "invoice-no-total.txt",
  text: INVOICE.text.replace("Total: 60.00\n", ""),
};

export function invoiceNoTotalFile() {
  return { name: INVOICE_NO_TOTAL.name, mimeType: "text/plain", buffer: Buffer.from(INVOICE_NO_TOTAL.text) };
}

/** A small text file for demo.steps jobs. */
export function textFile(name = "steps.txt") {
  return { name, mimeType: "text/plain", buffer: Buffer.from("one\ntwo\nthree\n") };
}
