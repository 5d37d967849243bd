// The dashboard's entry point: sign-in, the connection and its dot, and the
// wiring between the form, the jobs board, the result view and the history.

import { Api, ApiError } from "./api.js";
import { Board } from "./board.js";
import { MAX_FILES, readOptions, renderFiles, renderOptions } from "./form.js";
import { History } from "./history.js";
import { renderResult } from "./result.js";
import { Socket, socketUrl } from "./socket.js";

const TOKEN_KEY = "jobcast.token";
/** How the saved token was obtained: "dev" (one-click sign-in) or "token". */
const HOW_KEY = "jobcast.signin";
const $ = (selector) => document.querySelector(selector);

const ui = {
  conn: $("#conn"),
  connLabel: $("#conn .conn-label"),
  whoami: $("#whoami"),
  signout: $("#signout"),
  signin: $("#signin"),
  signinForm: $("#signin-form"),
  token: $("#token"),
  devSignin: $("#dev-signin"),
  signinError: $("#signin-error"),
  workspace: $("#workspace"),
  submit: $("#submit"),
  files: $("#files"),
  dropzone: $("#dropzone"),
  fileList: $("#file-list"),
  kind: $("#kind"),
  kindHelp: $("#kind-help"),
  options: $("#options"),
  start: $("#start"),
  submitError: $("#submit-error"),
  result: $("#result"),
};

const session = { api: null, socket: null, kinds: [], files: [], how: "token" };

const board = new Board($("#jobs"), $("#job-template"), $("#jobs-empty"), {
  cancel: (id, button) =>
    act(id, button, async () => {
      const ack = await session.socket.request("cancel_job", { job_id: id });
      if (ack?.ok) board.add(ack.job, { join: false });
      return ack;
    }),
  retry: (id, button) =>
    act(id, button, async () => {
      board.add(await session.api.retry(id));
      return { ok: true };
    }),
  answer: (id, button, cid, answer) =>
    act(id, button, () => session.socket.request("answer", { job_id: id, clarification_id: cid, answer })),
  result: (state) => renderResult(ui.result, state.job),
});

const history = new History($("#history"), async (job) => {
  // The list's snapshot may be stale (or lack the result): read it afresh.
  let fresh = job;
  try {
    fresh = await session.api.job(job.job_id);
  } catch {
    // Show what the list had.
  }
  if (fresh.status === "completed") {
    renderResult(ui.result, fresh);
  } else {
    // A failed, cancelled or unfinished job is shown as a row to follow,
    // retry or cancel.
    board.add(fresh).row.scrollIntoView({ block: "nearest" });
  }
});

/**
 * Runs a job action from its row's button (disabled meanwhile, against
 * double clicks); a refusal is shown on the job's row.
 */
async function act(id, button, action) {
  button.disabled = true;
  try {
    const ack = await action();
    if (ack && ack.ok === false) throw new Error(ack.error?.message ?? "refused");
    board.notice(id, "");
  } catch (e) {
    board.notice(id, e.message === "not connected" ? "Not connected: try again in a moment." : e.message);
  } finally {
    button.disabled = false;
  }
}

/** The events after which a job's line in the past jobs list changes. */
const HISTORY_CHANGES = new Set(["queued", "started", "clarification", "answered", "retrying", "completed", "failed", "cancelled"]);

const CONN_LABELS = { connected: "Connected", reconnecting: "Reconnecting…", down: "Disconnected" };

/** The dot: connected (green), reconnecting (yellow), down (red). */
function setConn(state, label = CONN_LABELS[state]) {
  ui.conn.dataset.state = state;
  ui.connLabel.textContent = label;
}

/** The claims of a JWT, for display only (the server decides), or {}. */
function claims(token) {
  try {
    const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const parsed = JSON.parse(atob(payload));
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

/** Clocks differ: a token is called expired only well past its `exp`. */
const CLOCK_SKEW_S = 60;

async function signIn(token, how = "token") {
  ui.signinError.textContent = "";
  const { sub, exp } = claims(token);
  if (Number.isFinite(exp) && exp + CLOCK_SKEW_S < Date.now() / 1000) {
    // Saves a request the server would refuse (and the browser's console
    // line about its 401).
    ui.signinError.textContent = `This token is refused: it expired on ${new Date(exp * 1000).toLocaleString()}.`;
    return false;
  }
  const api = new Api(token);
  let kinds;
  try {
    ({ kinds } = await api.kinds());
  } catch (e) {
    ui.signinError.textContent =
      e instanceof ApiError && e.status === 401 ? "The server refused this token." : e.message;
    return false;
  }
  localStorage.setItem(TOKEN_KEY, token);
  localStorage.setItem(HOW_KEY, how);
  session.how = how;
  session.api = api;
  session.kinds = kinds;
  ui.kind.replaceChildren(
    ...kinds.map((k) => {
      const option = document.createElement("option");
      option.value = k.kind;
      option.textContent = k.kind;
      return option;
    }),
  );
  const preferred = kinds.find((k) => k.kind === "pdf.sentences") ?? kinds[0];
  if (preferred) ui.kind.value = preferred.kind;
  showKind();
  ui.whoami.textContent = typeof sub === "string" ? sub : "";
  ui.signout.hidden = false;
  ui.signin.hidden = true;
  ui.workspace.hidden = false;
  board.clear();
  connect(token);
  history.attach(api);
  return true;
}

function connect(token) {
  session.socket?.close(); // a second sign-in replaces the first connection
  const socket = new Socket(socketUrl(window.location), { token });
  session.socket = socket;
  board.attach(socket, session.api);
  socket.on("connect", () => {
    setConn("connected");
    board.resync();
    history.refresh(); // statuses may have changed while disconnected
  });
  socket.on("reconnecting", () => setConn("reconnecting"));
  socket.on("disconnect", () => setConn("reconnecting"));
  socket.on("refused", () => {
    signOut("The server refused this token (it may have expired). Sign in again.");
  });
  socket.on("token_expired", () => renewToken(socket));
  socket.on("job_update", (event) => {
    if (HISTORY_CHANGES.has(event.type)) history.refresh();
  });
  setConn("reconnecting", "Connecting…");
  socket.open();
}


/**
 * The server closed the socket because its token expired. A development
 * sign-in gets a fresh token the same way and reconnects (the board rejoins
 * every job from its last seq on "connect"); a pasted token cannot be
 * renewed here, so the page asks for a new one.
 */
async function renewToken(socket) {
  setConn("reconnecting", "Renewing the sign-in…");
  if (session.how === "dev") {
    try {
      const { token } = await Api.devSignIn();
      if (session.socket !== socket) return; // signed out or in meanwhile
      session.api.token = token;
      localStorage.setItem(TOKEN_KEY, token);
      socket.renew({ token });
      return;
    } catch (e) {
      console.warn("development sign-in failed", e);
    }
  }
  if (session.socket === socket) signOut("Your token expired. Sign in again with a fresh token.");
}

function signOut(message = "") {
  session.socket?.close();
  session.socket = null;
  session.api = null;
  history.detach();
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(HOW_KEY);
  setConn("down");
  board.clear();
  ui.whoami.textContent = "";
  ui.signout.hidden = true;
  ui.workspace.hidden = true;
  ui.result.hidden = true;
  ui.signin.hidden = false;
  ui.signinError.textContent = message;
  offerDevSignIn();
}

async function offerDevSignIn() {
  try {
    const { available } = await Api.devOffer();
    ui.devSignin.hidden = !available;
  } catch {
    ui.devSignin.hidden = true;
  }
}

function currentKind() {
  return session.kinds.find((k) => k.kind === ui.kind.value);
}

function showKind() {
  const kind = currentKind();
  renderOptions(ui.options, kind);
  ui.kindHelp.textContent = kind ? `Accepts: ${kind.accepts.join(", ")}` : "";
  ui.files.accept = (kind?.accepts ?? [])
    .map((a) => ({ pdf: ".pdf,application/pdf", text: ".txt,text/plain" })[a] ?? "")
    .filter(Boolean)
    .join(",");
}

function chooseFiles(files) {
  session.files = [...files];
  renderFiles(ui.fileList, session.files);
  ui.submitError.textContent =
    session.files.length > MAX_FILES ? `At most ${MAX_FILES} files at once (${session.files.length} chosen).` : "";
}

async function submit(e) {
  e.preventDefault();
  ui.submitError.textContent = "";
  const files = session.files;
  if (files.length === 0) {
    ui.submitError.textContent = "Choose at least one file.";
    return;
  }
  if (files.length > MAX_FILES) {
    ui.submitError.textContent = `At most ${MAX_FILES} files at once (${files.length} chosen).`;
    return;
  }
  const kind = currentKind();
  const { options, error } = readOptions(ui.options, kind);
  if (error) {
    ui.submitError.textContent = error;
    return;
  }
  ui.start.disabled = true;
  try {
    const { jobs } = await session.api.create(kind.kind, files, options);
    for (const job of jobs) board.add(job);
    chooseFiles([]);
    ui.files.value = "";
    history.reset();
  } catch (err) {
    ui.submitError.textContent = err.message;
  } finally {
    ui.start.disabled = false;
  }
}

ui.signinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const token = ui.token.value.trim();
  if (!token) {
    ui.signinError.textContent = "Paste a token first.";
    return;
  }
  signIn(token).then((ok) => {
    if (ok) ui.token.value = "";
  });
});
// Enter signs in; Shift+Enter is a new line.
ui.token.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    ui.signinForm.requestSubmit();
  }
});
ui.devSignin.addEventListener("click", async () => {
  try {
    const { token } = await Api.devSignIn();
    await signIn(token, "dev");
  } catch (e) {
    ui.signinError.textContent = e.message;
  }
});
ui.signout.addEventListener("click", () => signOut());
// Back online: do not wait for the backoff to run out.
window.addEventListener("online", () => session.socket?.retryNow());
ui.kind.addEventListener("change", showKind);
ui.files.addEventListener("change", () => chooseFiles(ui.files.files));
ui.dropzone.addEventListener("dragover", (e) => {
  e.preventDefault();
  ui.dropzone.classList.add("over");
});
ui.dropzone.addEventListener("dragleave", () => ui.dropzone.classList.remove("over"));
ui.dropzone.addEventListener("drop", (e) => {
  e.preventDefault();
  ui.dropzone.classList.remove("over");
  chooseFiles(e.dataTransfer?.files ?? []);
});
ui.submit.addEventListener("submit", submit);
$("#result-close").addEventListener("click", () => {
  ui.result.hidden = true;
});

const saved = localStorage.getItem(TOKEN_KEY);
if (saved) {
  signIn(saved, localStorage.getItem(HOW_KEY) === "dev" ? "dev" : "token").then((ok) => {
    if (!ok) signOut(`The saved session ended: ${ui.signinError.textContent || "its token was refused"} Sign in again.`);
  });
} else {
  offerDevSignIn();
}
