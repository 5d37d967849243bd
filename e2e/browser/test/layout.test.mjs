// Accessibility and layout: at a phone's width (375×740) nothing scrolls
// sideways — the sign-in page, the signed-in page with jobs, an invoice's
// result — and the result's table headers keep their words whole; every
// input, select, textarea and button has an accessible name (checked in the
// page, and in Chromium's own accessibility tree); Tab reaches the file
// picker, the kind and Start, the file input shows its focus on the drop
// zone and opens the picker with Enter, and the keyboard alone can start a
// job.

import assert from "node:assert/strict";

import { BOOKS, bookFile, invoiceFile, textFile } from "../lib/fixtures.mjs";
import { ARTIFACTS, connected, pageTest, rowStatus, signIn, submitFiles, useBrowserAndServer, waitFor } from "../lib/browser.mjs";

const env = useBrowserAndServer(import.meta.url);
const PHONE = { width: 375, height: 740 };

/** How far the document is wider than the window (0 or less: no sideways scroll). */
const overflow = (page) =>
  page.evaluate(() => ({
    by: document.documentElement.scrollWidth - window.innerWidth,
    widest: [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .filter((el) => !el.closest(".table-wrap, .sr-only, [hidden]"))
      .slice(0, 5)
      .map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className ? `.${String(el.className).replace(/ /g, ".")}` : ""} right=${Math.round(el.getBoundingClientRect().right)}`),
  }));

async function assertNoSidewaysScroll(page, where) {
  const { by, widest } = await overflow(page);
  assert.ok(by <= 0, `${where}: the page is ${by}px wider than the ${PHONE.width}px window (${widest.join("; ")})`);
}

/**
 * The form controls without an accessible name, computed in the page:
 * aria-labelledby, aria-label, a <label>, a title, or a button's text.
 * Hidden controls count too (they are shown at some point).
 */
const unnamedControls = (page) =>
  page.evaluate(() => {
    const text = (el) => (el?.textContent ?? "").replace(/\s+/g, " ").trim();
    const name = (el) => {
      const by = el.getAttribute("aria-labelledby");
      if (by) {
        const t = by.split(/\s+/).map((id) => text(document.getElementById(id))).join(" ").trim();
        if (t) return t;
      }
      if ((el.getAttribute("aria-label") ?? "").trim()) return el.getAttribute("aria-label").trim();
      const labels = [...(el.labels ?? [])].map(text).join(" ").trim();
      if (labels) return labels;
      if (el.tagName === "BUTTON" && text(el)) return text(el);
      if (el.tagName === "INPUT" && ["submit", "button", "reset"].includes(el.type) && el.value) return el.value;
      return (el.getAttribute("title") ?? "").trim();
    };
    const controls = [...document.querySelectorAll("input, select, textarea, button")];
    return {
      count: controls.length,
      unnamed: controls.filter((el) => !name(el)).map((el) => el.outerHTML.slice(0, 120)),
    };
  });

/** Controls in Chromium's accessibility tree that have no name. */
async function unnamedInAxTree(page, context) {
  const cdp = await context.newCDPSession(page);
  try {
    const { nodes } = await cdp.send("Accessibility.getFullAXTree");
    const roles = new Set(["button", "textbox", "combobox", "listbox", "checkbox", "spinbutton", "radio", "slider", "link", "progressbar"]);
    const controls = nodes.filter((n) => !n.ignored && roles.has(n.role?.value));
    return {
      count: controls.length,
      unnamed: controls.filter((n) => !(n.name?.value ?? "").trim()).map((n) => `${n.role.value} (backend node ${n.backendDOMNodeId})`),
    };
  } finally {
    await cdp.detach().catch(() => {});
  }
}

pageTest(env, "at 375×740 nothing scrolls sideways, and every control has an accessible name", { timeout: 90000, viewport: PHONE }, async ({ page, context, server, shot }) => {
  await page.goto(server.url);
  await page.locator("#token").waitFor({ state: "visible" });
  await assertNoSidewaysScroll(page, "the sign-in page");
  assert.deepEqual((await unnamedControls(page)).unnamed, [], "sign-in page: unnamed controls");
  await shot("phone-signin");

  await signIn(page, server.url, await server.token("ivy"));
  const pdfIds = await submitFiles(page, "pdf.sentences", [bookFile(BOOKS[0], "a-book-with-a-rather-long-file-name-for-a-phone.pdf")]);
  const [invoiceId] = await submitFiles(page, "invoice.extract", [invoiceFile()]);
  const [askId] = await submitFiles(page, "demo.steps", [textFile("asks-a-question.txt")], { steps: 4, step_ms: 10, ask: true });
  for (const id of pdfIds) await rowStatus(page, id, "completed", 60000);
  await rowStatus(page, invoiceId, "completed", 60000);
  await rowStatus(page, askId, "waiting_input", 30000);
  await page.locator(`li.job[data-job-id="${askId}"] form.job-clarification`).waitFor({ state: "visible" });
  await waitFor(
    page,
    async () => (await page.locator(`#history-table tbody tr[data-job-id="${askId}"]`).getAttribute("data-status").catch(() => null)) === "waiting_input",
    "past jobs to list the jobs, the question's as waiting_input",
  );

  await assertNoSidewaysScroll(page, "signed in, with jobs and a question");
  await shot("phone-jobs");
  const inPage = await unnamedControls(page);
  assert.ok(inPage.count > 15, `controls found: ${inPage.count}`);
  assert.deepEqual(inPage.unnamed, [], "signed-in page: unnamed controls");
  const inTree = await unnamedInAxTree(page, context);
  assert.ok(inTree.count > 10, `controls in the accessibility tree: ${inTree.count}`);
  assert.deepEqual(inTree.unnamed, [], "accessibility tree: unnamed controls");

  // The widest view: an invoice's result with its tables.
  await page.locator(`li.job[data-job-id="${invoiceId}"] button.job-result`).click();
  await page.locator("#result-invoice").waitFor({ state: "visible" });
  await assertNoSidewaysScroll(page, "an invoice's result");
  assert.deepEqual((await unnamedControls(page)).unnamed, [], "result view: unnamed controls");
  await shot("phone-invoice-result");
  await page.locator("#result-close").click();
  // Answer the question, so no job is left waiting.
  await page.locator(`li.job[data-job-id="${askId}"] button.job-answer-send`).click();
  await rowStatus(page, askId, "completed", 30000);
});

pageTest(env, "Tab reaches the file picker, the kind and Start, in that order; the keyboard alone starts a job", { timeout: 60000 }, async ({ page, server, shot }) => {
  // Listen for file pickers from the start: Playwright turns on Chromium's
  // picker interception when the first listener is added, without waiting
  // for it, so a listener added just before the key press can miss the
  // picker that key opens.
  const pickers = [];
  page.on("filechooser", (picker) => pickers.push(picker));
  const nextPicker = async (what) => {
    const seen = pickers.length;
    return waitFor(page, () => pickers[seen], what, 5000).catch(() => null);
  };
  await signIn(page, server.url, await server.token("jack"));
  await page.locator("#kind").selectOption("demo.steps");
  // From the top of the page, Tab by Tab.
  await page.evaluate(() => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
  });
  const reached = [];
  for (let i = 0; i < 40; i++) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName.toLowerCase());
    reached.push(id);
    if (id === "start") break;
  }
  for (const id of ["files", "kind", "start"]) assert.ok(reached.includes(id), `Tab reaches #${id} (reached: ${reached.join(" ")})`);
  assert.ok(
    reached.indexOf("files") < reached.indexOf("kind") && reached.indexOf("kind") < reached.indexOf("start"),
    `file picker, kind, Start in that order: ${reached.join(" ")}`,
  );

  // The file input draws its focus ring on the drop zone.
  const ring = () =>
    page.locator("#dropzone").evaluate((el) => {
      const s = getComputedStyle(el);
      return `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} | ${s.boxShadow} | ${s.borderColor}`;
    });
  await page.locator("#start").focus();
  const unfocused = await ring();
  await page.locator("#files").focus();
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Tab"); // a keyboard focus (:focus-visible)
  assert.equal(await page.evaluate(() => document.activeElement?.id), "files");
  const focused = await ring();
  assert.notEqual(focused, unfocused, "the drop zone shows the file input's focus");
  await shot("keyboard-focus-on-files");

  // Enter on the focused file input opens the browser's file picker; a
  // file is chosen there; then Tab on to Start and Enter.
  const opened = nextPicker("the file picker opened by Enter");
  await page.keyboard.press("Enter");
  const picker = await opened;
  assert.ok(picker, "Enter on the focused file input opens the file picker");
  assert.equal(picker.isMultiple(), true, "the picker takes several files");
  await picker.setFiles([textFile("by-keyboard.txt")]);
  await waitFor(page, async () => (await page.locator("#file-list").textContent()).includes("by-keyboard.txt"), "#file-list to name the chosen file");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "files", "the focus stays on the file input");
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate(() => document.activeElement?.id)) === "start") break;
    await page.keyboard.press("Tab");
  }
  assert.equal(await page.evaluate(() => document.activeElement?.id), "start");
  await page.keyboard.press("Enter");
  const id = await waitFor(page, () => page.locator("li.job").first().getAttribute("data-job-id"), "a row for the job started by keyboard");
  assert.equal((await page.locator(`li.job[data-job-id="${id}"] .job-file`).textContent()).trim(), "by-keyboard.txt");
  await rowStatus(page, id, "completed", 30000);
  await connected(page);

  // A click anywhere on the drop zone opens the picker too.
  const byClick = nextPicker("the file picker opened by a click");
  await page.locator("#dropzone").click();
  const clicked = await byClick;
  assert.ok(clicked, "a click on the drop zone opens the file picker");
  await clicked.setFiles([]);
});

/**
 * The headers and labels of the tables (a result's fields and line items,
 * past jobs) whose words are split over two lines, as "Custom|er": each
 * single-word header whose text takes more than one line box.
 */
const wordsBrokenInHeaders = (page) =>
  page.evaluate(() =>
    [...document.querySelectorAll("#result th, #history-table th")]
      .filter((th) => th.offsetParent !== null)
      .filter((th) => {
        const text = th.textContent.trim();
        if (!text || /\s/.test(text)) return false;
        const range = document.createRange();
        range.selectNodeContents(th);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        return lines.size > 1;
      })
      .map((th) => `${th.closest("table")?.id || "table"}: "${th.textContent.trim()}"`),
  );

pageTest(env, "at 375×740 an invoice's result is readable: no header word split over two lines", { timeout: 60000, viewport: PHONE }, async ({ page, server, shot }) => {
  await signIn(page, server.url, await server.token("kim"));
  const [id] = await submitFiles(page, "invoice.extract", [invoiceFile()]);
  await rowStatus(page, id, "completed", 60000);
  await page.locator(`li.job[data-job-id="${id}"] button.job-result`).click();
  await page.locator("#result-invoice").waitFor({ state: "visible" });
  await page.locator("#result-lines").waitFor({ state: "visible" });
  await assertNoSidewaysScroll(page, "an invoice's result");
  const broken = await wordsBrokenInHeaders(page);
  if (broken.length) await page.locator("#result").screenshot({ path: `${ARTIFACTS}/layout-phone-invoice-headers.png` }).catch(() => {});
  assert.deepEqual(broken, [], "header words split mid-word at 375 px");
  await shot("phone-invoice-readable");
});
