// One job as the page knows it: its snapshot, the last seq applied, and the
// open question if it asks one. Pure: no DOM, no network, so that the rules
// that keep bars honest (no duplicate, no gap, no step back) are testable
// in Node.

export const TERMINAL = new Set(["completed", "failed", "cancelled"]);

export class JobState {
  constructor(snapshot) {
    this.job = { ...snapshot };
    this.lastSeq = snapshot.last_seq ?? 0;
    /** The open clarification: {clarification_id, question, field, suggestion}. */
    this.question = null;
    /** Attempts handed back by a draining worker, among the events applied. */
    this.handedBack = 0;
    /** Whether every event since the job was created was applied (so that
     * `handedBack` is the job's whole count, not only what the page saw). */
    this.seenAll = this.lastSeq <= 1;
  }

  get id() {
    return this.job.job_id;
  }

  get terminal() {
    return TERMINAL.has(this.job.status);
  }

  /**
   * Applies one event. Returns "applied", "duplicate" (already seen: seq at
   * or below the last one) or "gap" (events are missing before it: the
   * caller catches up from the store, then applies again).
   */
  apply(event) {
    if (event.seq <= this.lastSeq) return "duplicate";
    if (event.seq > this.lastSeq + 1) return "gap";
    this.lastSeq = event.seq;
    const job = this.job;
    job.status = event.status;
    job.stage = event.stage;
    job.progress = event.progress;
    job.message = event.message;
    job.eta_ms = event.eta_ms;
    job.last_seq = event.seq;
    switch (event.type) {
      case "clarification":
        this.question = event.data ?? null;
        break;
      case "answered":
      case "cancelled":
        this.question = null;
        break;
      case "retrying":
        job.attempt = (job.attempt ?? 1) + 1;
        if (isHandBack(event.data)) {
          // A drain: no attempt used, the limit moves on with the attempt.
          this.handedBack += 1;
          job.max_attempts = handedBackLimit(event.data) ?? (job.max_attempts ?? 1) + 1;
        }
        job.max_attempts = Math.max(job.max_attempts ?? 1, job.attempt);
        job.error = null;
        job.result = null;
        job.finished_at = null;
        this.question = null;
        break;
      case "completed":
        job.result = event.data ?? null;
        job.finished_at = event.timestamp;
        this.question = null;
        break;
      case "failed":
        job.error = event.data ?? null;
        job.finished_at = event.timestamp;
        this.question = null;
        break;
      default:
        break;
    }
    if (TERMINAL.has(job.status)) this.question = null;
    return "applied";
  }

  /**
   * Takes a fresher snapshot (from a join ack or REST) if it is not older
   * than what was applied. The open question is kept only while the job
   * still waits for input.
   */
  refresh(snapshot) {
    if ((snapshot.last_seq ?? 0) < this.lastSeq) return false;
    if ((snapshot.last_seq ?? 0) > this.lastSeq) this.seenAll = false;
    this.job = { ...snapshot };
    this.lastSeq = snapshot.last_seq ?? 0;
    if (this.job.status !== "waiting_input") this.question = null;
    return true;
  }
}

/**
 * Whether a `retrying` event's data (`{"handed_back": true, "max_attempts":
 * N}`) says a draining worker handed the attempt back.
 */
export function isHandBack(data) {
  return data !== null && typeof data === "object" && data.handed_back === true;
}

/** The job's new limit a hand-back carries, if it is a usable count. */
function handedBackLimit(data) {
  const n = data.max_attempts;
  return Number.isSafeInteger(n) && n >= 0 && n <= 0xffffffff ? n : null;
}

/**
 * "attempt 2 of 3"; for a job a drain handed back, "attempt 3 of 5 (2 handed
 * back)", or "attempt 3 of 5 (handed back)" when the page did not see every
 * hand-back: those attempts were not used, so the limit grew with them.
 */
export function attemptText(state) {
  const job = state.job;
  const count = `attempt ${job.attempt} of ${job.max_attempts}`;
  if (state.handedBack === 0) return count;
  return state.seenAll ? `${count} (${state.handedBack} handed back)` : `${count} (handed back)`;
}

/** The question still open at the end of `events`, or null. */
export function openQuestion(events) {
  let question = null;
  for (const event of events) {
    if (event.type === "clarification") question = event.data ?? null;
    else if (["answered", "retrying", "completed", "failed", "cancelled"].includes(event.type)) {
      question = null;
    }
  }
  return question;
}

/** "ETA 12 s", "ETA 3 min", or "" when unknown. */
export function formatEta(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return "";
  const s = Math.round(ms / 1000);
  if (s < 60) return `ETA ${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `ETA ${m} min`;
  return `ETA ${Math.floor(m / 60)} h ${m % 60} min`;
}
