// "Past jobs": the user's jobs from the REST list, newest first, ten a page,
// with a status filter. Pages are walked with the server's cursors; the
// cursors of the pages seen are kept to go back.

const PAGE = 10;

export class History {
  constructor(section, onOpen) {
    this.section = section;
    this.onOpen = onOpen;
    this.api = null;
    this.cursors = [null];
    this.page = 0;
    this.wanted = 0;
    /** Only the answer to the latest request is drawn (they may cross). */
    this.request = 0;
    this.refreshTimer = null;
    this.status = section.querySelector("#history-status");
    this.body = section.querySelector("#history-table tbody");
    this.empty = section.querySelector("#history-empty");
    this.prev = section.querySelector("#history-prev");
    this.older = section.querySelector("#history-next");
    this.status.addEventListener("change", () => this.reset());
    this.prev.addEventListener("click", () => this.go(this.page - 1));
    this.older.addEventListener("click", () => this.go(this.page + 1));
  }

  attach(api) {
    this.api = api;
    this.reset();
  }

  reset() {
    this.cursors = [null];
    this.go(0);
  }

  /** Redraws the current page soon; a burst of calls makes one request. */
  refresh() {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.go(this.wanted), 250);
  }

  detach() {
    clearTimeout(this.refreshTimer);
    this.api = null;
    this.request += 1;
    this.body.replaceChildren();
  }

  async go(page) {
    if (!this.api || page < 0 || page >= this.cursors.length) return;
    const request = ++this.request;
    this.wanted = page; // a refresh meanwhile redraws this page, not the old one
    let list;
    try {
      list = await this.api.list({ status: this.status.value, limit: PAGE, cursor: this.cursors[page] });
    } catch (e) {
      if (request !== this.request) return;
      this.empty.hidden = false;
      this.empty.textContent = `Cannot load past jobs: ${e.message}`;
      return;
    }
    if (request !== this.request) return;
    this.page = page;
    this.cursors.length = page + 1;
    if (list.next_cursor) this.cursors.push(list.next_cursor);
    this.render(list.jobs);
    this.prev.disabled = page === 0;
    this.older.disabled = !list.next_cursor;
  }

  render(jobs) {
    this.empty.hidden = jobs.length > 0;
    this.empty.textContent = "No jobs.";
    this.body.replaceChildren(
      ...jobs.map((job) => {
        const row = document.createElement("tr");
        row.dataset.jobId = job.job_id;
        row.dataset.status = job.status;
        for (const text of [job.kind, job.filename ?? "—", job.status, new Date(job.created_at).toLocaleString()]) {
          const cell = document.createElement("td");
          cell.textContent = text;
          row.append(cell);
        }
        const cell = document.createElement("td");
        const open = document.createElement("button");
        open.type = "button";
        open.className = "history-open";
        open.textContent = "Open";
        open.setAttribute("aria-label", `Open ${job.filename ?? job.job_id}`);
        open.addEventListener("click", () => this.onOpen(job));
        cell.append(open);
        row.append(cell);
        return row;
      }),
    );
  }
}
