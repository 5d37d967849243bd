// The jobs on the page: one row per job, kept live over the socket.
//
// Each job's events are applied strictly in seq order (JobState): a
// duplicate is dropped, a gap is filled from the server before going on.
// On every (re)connection one join_user resumes every unfinished job on the
// page after the last seq it applied and lists the others, so a restart or
// a network drop leaves no stale bar and no duplicated row.

import { JobState, attemptText, formatEta, openQuestion } from "./jobstate.js";

/** The REST events page size (GET /api/jobs/{id}/events, default limit). */
const EVENTS_PAGE = 1000;
/** Resume points one join_user carries at most (the server's limit). */
const RESUME_PER_CALL = 500;

export class Board {
  /**
   * `list`: the <ul>; `template`: the row <template>; `empty`: the "no job"
   * line; `actions`: callbacks {cancel(id, button), retry(id, button),
   * answer(id, button, cid, value), result(state)}.
   */
  constructor(list, template, empty, actions) {
    this.list = list;
    this.template = template;
    this.empty = empty;
    this.actions = actions;
    this.jobs = new Map();
    this.socket = null;
    this.api = null;
    /** Jobs whose join is in flight, and those that need one more after it. */
    this.catchingUp = new Set();
    this.again = new Set();
    /** Unknown jobs being fetched, and jobs whose question is being read. */
    this.fetching = new Set();
    this.asking = new Set();
  }

  attach(socket, api) {
    this.socket = socket;
    this.api = api;
    socket.on("job_update", (event) => this.onEvent(event));
  }

  clear() {
    this.jobs.clear();
    this.again.clear();
    this.fetching.clear();
    this.list.replaceChildren();
    this.empty.hidden = false;
  }

  has(id) {
    return this.jobs.has(id);
  }

  /** Shows a job (or refreshes it), newest first; joins it when connected. */
  add(snapshot, { join = true } = {}) {
    let entry = this.jobs.get(snapshot.job_id);
    if (entry) {
      entry.state.refresh(snapshot);
    } else {
      const row = this.template.content.firstElementChild.cloneNode(true);
      entry = { state: new JobState(snapshot), row };
      this.jobs.set(snapshot.job_id, entry);
      this.wire(entry);
      this.list.prepend(row);
      this.empty.hidden = true;
    }
    this.render(entry);
    if (join && this.socket?.connected && !entry.state.terminal) {
      this.join(entry.state.id); // which also finds an open question
    } else if (entry.state.job.status === "waiting_input" && !entry.state.question) {
      this.loadQuestion(entry);
    }
    return entry;
  }

  /**
   * After every (re)connection: one `join_user` resumes every unfinished job
   * on the page from its last applied seq (the events missed meanwhile
   * follow as job_updates, whether or not the job has finished since) and
   * lists the user's unfinished jobs, page by page.
   */
  async resync() {
    const socket = this.socket;
    const points = [...this.jobs.values()]
      .filter((entry) => !entry.state.terminal)
      .map((entry) => [entry.state.id, entry.state.lastSeq]);
    try {
      let after = null;
      let listed = false;
      for (let sent = 0; ; sent += RESUME_PER_CALL) {
        const payload = { jobs: Object.fromEntries(points.slice(sent, sent + RESUME_PER_CALL)) };
        if (after) payload.after = after;
        const ack = await socket.request("join_user", payload);
        if (socket !== this.socket) return;
        if (!ack?.ok) {
          // rate_limited (or a passing failure): try the whole resync again;
          // jobs already resumed on this connection are left as they are.
          setTimeout(() => {
            if (socket === this.socket && socket.connected) this.resync();
          }, 1000 + Math.random() * 1000);
          return;
        }
        if (!listed) {
          for (const snapshot of ack.jobs) this.add(snapshot, { join: false });
          after = ack.next ?? null;
          listed = !after;
        }
        for (const id of ack.unknown ?? []) this.notice(id, "Cannot follow this job: not found");
        if (listed && sent + RESUME_PER_CALL >= points.length) return;
      }
    } catch {
      // Disconnected meanwhile: the next connection resyncs.
    }
  }

  /**
   * Joins a job after the last seq applied, and applies the replay. A gap
   * seen while the join is in flight asks for one more join after it, so an
   * event that overtook the replay is fetched again rather than lost.
   */
  async join(id) {
    const entry = this.jobs.get(id);
    if (!entry || !this.socket?.connected) return;
    if (this.catchingUp.has(id)) {
      this.again.add(id);
      return;
    }
    this.catchingUp.add(id);
    this.again.delete(id);
    try {
      const ack = await this.socket.request("join_job", {
        job_id: id,
        after_seq: entry.state.lastSeq,
      });
      if (this.jobs.get(id) !== entry) return; // signed out or cleared meanwhile
      if (!ack?.ok) {
        if (ack?.error?.code === "rate_limited") {
          // Many jobs rejoined at once: try again a little later.
          setTimeout(() => this.join(id), 1000 + Math.random() * 1000);
        } else {
          this.notice(id, `Cannot follow this job: ${ack?.error?.message ?? "refused"}`);
        }
        return;
      }
      for (const event of ack.events) entry.state.apply(event);
      // The snapshot completes what events do not carry (attempt, result,
      // times); it is taken only if not older than what was applied.
      entry.state.refresh(ack.job);
      this.render(entry);
      if (entry.state.terminal) this.leave(id);
      if (entry.state.job.status === "waiting_input" && !entry.state.question) {
        await this.loadQuestion(entry);
      }
    } catch {
      // Disconnected meanwhile: the next connection resyncs.
    } finally {
      this.catchingUp.delete(id);
    }
    if (this.again.delete(id)) await this.join(id);
  }

  onEvent(event) {
    const entry = this.jobs.get(event.job_id);
    if (!entry) {
      // Only the user's running jobs send events: one the page does not
      // show yet (created or retried elsewhere, or a reply that overtook
      // its upload's answer) is fetched and shown; its join fills the rest.
      const id = event.job_id;
      if (this.api && !this.fetching.has(id)) {
        this.fetching.add(id);
        this.api.job(id).then(
          (snapshot) => {
            if (this.fetching.delete(id)) this.add(snapshot);
          },
          () => this.fetching.delete(id),
        );
      }
      return;
    }
    const outcome = entry.state.apply(event);
    if (outcome === "gap") {
      this.join(event.job_id);
      return;
    }
    if (outcome === "applied") {
      this.render(entry);
      if (entry.state.terminal) this.leave(event.job_id);
    }
  }

  /**
   * A finished job sends nothing more (a retry starts again through the
   * user's room, or a new join): free its room, since a connection may
   * watch at most 100 jobs.
   */
  leave(id) {
    if (this.socket?.connected) this.socket.request("leave_job", { job_id: id }).catch(() => {});
  }

  /**
   * A job waiting for input whose question the page has not seen (after a
   * reload, or a snapshot that jumped past it): read its stored events and
   * take the last clarification not followed by an answer.
   */
  async loadQuestion(entry) {
    const api = this.api;
    const id = entry.state.id;
    if (!api || this.asking.has(id)) return;
    this.asking.add(id);
    try {
      const events = [];
      for (let after = 0; ; ) {
        const page = (await api.events(id, after)).events;
        events.push(...page);
        if (page.length < EVENTS_PAGE) break;
        after = page[page.length - 1].seq;
      }
      if (this.jobs.get(id) !== entry || entry.state.question) return;
      if (entry.state.job.status !== "waiting_input") return; // answered meanwhile
      entry.state.question = openQuestion(events);
      this.render(entry);
    } catch (e) {
      this.notice(id, `Cannot load the question: ${e.message}`);
    } finally {
      this.asking.delete(id);
    }
  }

  wire(entry) {
    const { row } = entry;
    const id = () => entry.state.id;
    const cancel = row.querySelector(".job-cancel");
    const retry = row.querySelector(".job-retry");
    const send = row.querySelector(".job-answer-send");
    cancel.addEventListener("click", () => this.actions.cancel(id(), cancel));
    retry.addEventListener("click", () => this.actions.retry(id(), retry));
    row.querySelector(".job-result").addEventListener("click", () => this.actions.result(entry.state));
    row.querySelector(".job-clarification").addEventListener("submit", (e) => {
      e.preventDefault();
      const question = entry.state.question;
      if (!question) return;
      const text = row.querySelector(".job-answer").value;
      this.actions.answer(id(), send, question.clarification_id, parseAnswer(text, question.suggestion));
    });
  }

  /** Shows `text` on a job's row (empty: clears it). */
  notice(id, text) {
    const entry = this.jobs.get(id);
    if (!entry) return;
    entry.notice = text ? { text, status: entry.state.job.status } : null;
    this.render(entry);
  }

  render(entry) {
    const { state, row } = entry;
    const job = state.job;
    const name = job.filename ?? job.job_id;
    row.dataset.jobId = job.job_id;
    row.dataset.status = job.status;
    row.dataset.lastSeq = String(state.lastSeq);
    row.querySelector(".job-file").textContent = name;
    row.querySelector(".job-kind").textContent = job.kind;
    row.querySelector(".job-status").textContent = job.status.replace("_", " ");
    const bar = row.querySelector(".job-bar");
    bar.value = job.progress ?? 0;
    bar.setAttribute("aria-label", `${name} progress`);
    row.querySelector(".job-percent").textContent = `${Math.round(job.progress ?? 0)}%`;
    row.querySelector(".job-stage").textContent = job.stage ?? "";
    row.querySelector(".job-message").textContent = job.message ?? "";
    row.querySelector(".job-eta").textContent = state.terminal ? "" : formatEta(job.eta_ms);
    row.querySelector(".job-attempt").textContent = attemptText(state);
    // A failure's error, else the last notice (a refused action, a join
    // that failed) until the job's status changes.
    if (entry.notice && entry.notice.status !== job.status) entry.notice = null;
    const error = job.status === "failed" && job.error ? `${job.error.code}: ${job.error.message}` : "";
    row.querySelector(".job-error").textContent = error || (entry.notice?.text ?? "");
    row.querySelector(".job-cancel").hidden = !["queued", "running", "waiting_input"].includes(job.status);
    row.querySelector(".job-retry").hidden = !["failed", "cancelled"].includes(job.status);
    row.querySelector(".job-result").hidden = job.status !== "completed";
    const form = row.querySelector(".job-clarification");
    const asking = job.status === "waiting_input" && state.question;
    if (asking && form.hidden) {
      const input = row.querySelector(".job-answer");
      const suggestion = state.question.suggestion;
      input.value = suggestion === null || suggestion === undefined
        ? ""
        : typeof suggestion === "string" ? suggestion : JSON.stringify(suggestion);
    }
    form.hidden = !asking;
    if (asking) row.querySelector(".job-question").textContent = state.question.question;
  }
}

/**
 * An answer as JSON when it parses (true, 12.5, "x"), else as text; as text
 * always when the question suggested a text (so "2024" stays a string).
 */
export function parseAnswer(text, suggestion = null) {
  const trimmed = text.trim();
  if (typeof suggestion === "string") return trimmed;
  try {
    return JSON.parse(trimmed);
  } catch {
    return trimmed;
  }
}
