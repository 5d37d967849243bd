// The result view, fit for each kind: sentences as a list with copy and
// download; an invoice as a table of fields with its confidence and whether
// it needs review; anything else as JSON.

export function renderResult(section, job) {
  const title = section.querySelector("#result-title");
  const body = section.querySelector("#result-body");
  title.textContent = `${job.filename ?? job.job_id} — ${job.kind}`;
  const result = job.result ?? {};
  if (job.kind === "pdf.sentences" && Array.isArray(result.sentences)) {
    body.replaceChildren(...sentences(result));
  } else if (job.kind === "invoice.extract" && result.extracted_data) {
    body.replaceChildren(...invoice(result));
  } else {
    const pre = document.createElement("pre");
    pre.id = "result-json";
    pre.textContent = JSON.stringify(result, null, 2);
    body.replaceChildren(pre);
  }
  section.hidden = false;
  section.focus();
}

/** The object URL of the last sentences download, freed when replaced. */
let lastUrl = null;

function sentences(result) {
  const summary = element("p", "hint",
    `${result.sentences.length} sentences, ${result.pages ?? "?"} pages, ${result.words ?? "?"} words`);
  const text = result.sentences.join("\n") + "\n";
  const copy = element("button", "", "Copy");
  copy.type = "button";
  copy.id = "result-copy";
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      copy.textContent = "Copied";
    } catch {
      copy.textContent = "Copy failed: select the list instead";
    }
  });
  const download = element("a", "button", "Download");
  download.id = "result-download";
  if (lastUrl) URL.revokeObjectURL(lastUrl);
  lastUrl = URL.createObjectURL(new Blob([text], { type: "text/plain;charset=utf-8" }));
  download.href = lastUrl;
  download.download = "sentences.txt";
  const actions = element("div", "actions");
  actions.append(copy, download);
  const list = element("ol");
  list.id = "result-sentences";
  list.append(...result.sentences.map((s) => element("li", "", s)));
  return [summary, actions, list];
}

const FIELDS = [
  ["invoice_number", "Invoice number"],
  ["invoice_date", "Invoice date"],
  ["due_date", "Due date"],
  ["vendor", "Vendor"],
  ["customer", "Customer"],
  ["currency", "Currency"],
  ["subtotal", "Subtotal"],
  ["tax", "Tax"],
  ["total", "Total"],
];

function invoice(result) {
  const data = result.extracted_data;
  const confidence = element("p");
  confidence.append("Confidence: ");
  const score = element("strong", "", Number(result.confidence_score ?? 0).toFixed(2));
  score.id = "result-confidence";
  confidence.append(score);
  const review = element("p", result.requires_review ? "review needed" : "review",
    result.requires_review ? "Needs review" : "No review needed");
  review.id = "result-review";
  const table = element("table");
  table.id = "result-invoice";
  const rows = FIELDS.map(([name, label]) => {
    const row = element("tr");
    row.dataset.field = name;
    const th = element("th", "", label);
    th.scope = "row";
    row.append(th, element("td", "", show(data[name])));
    return row;
  });
  table.append(element("tbody"));
  table.tBodies[0].append(...rows);
  const lines = element("table");
  lines.id = "result-lines";
  const head = element("thead");
  const headRow = element("tr");
  for (const name of ["Description", "Quantity", "Unit price", "Amount"]) {
    const th = element("th", "", name);
    th.scope = "col";
    headRow.append(th);
  }
  head.append(headRow);
  const body = element("tbody");
  for (const item of data.line_items ?? []) {
    const row = element("tr");
    for (const key of ["description", "quantity", "unit_price", "amount"]) {
      row.append(element("td", "", show(item[key])));
    }
    body.append(row);
  }
  lines.append(head, body);
  const wrapFields = element("div", "table-wrap");
  wrapFields.append(table);
  const wrapLines = element("div", "table-wrap");
  wrapLines.append(lines);
  const extra = element("p", "hint", result.invoice_id ? `Saved as invoice ${result.invoice_id}` : "Not saved");
  return [confidence, review, wrapFields, element("h3", "", "Line items"), wrapLines, extra];
}

/** A field's value as text: parties by name, address and tax id. */
function show(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") {
    return [value.name, value.address, value.tax_id].filter(Boolean).join(", ") || "—";
  }
  return String(value);
}

function element(tag, className = "", text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}
