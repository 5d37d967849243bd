// The REST API (SPEC §5) as the page uses it. Every refusal becomes an
// ApiError carrying the server's code and message, to show as they are.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  async call(method, path, { json, form } = {}) {
    const headers = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body;
    if (json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(json);
    } else if (form) {
      body = form;
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body });
    } catch (e) {
      throw new ApiError(0, "unreachable", `The server cannot be reached (${e.message}).`);
    }
    const text = await response.text();
    let parsed = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!response.ok) {
      const error = parsed?.error;
      throw new ApiError(
        response.status,
        error?.code ?? "http_error",
        error?.message ?? `HTTP ${response.status}`,
      );
    }
    return parsed;
  }

  kinds() {
    return this.call("GET", "/api/kinds");
  }

  /** One job per file; all or nothing. */
  create(kind, files, options) {
    const form = new FormData();
    form.append("kind", kind);
    form.append("options", JSON.stringify(options));
    for (const file of files) form.append("file", file, file.name);
    return this.call("POST", "/api/jobs", { form });
  }

  list({ status, limit, cursor } = {}) {
    const query = new URLSearchParams();
    if (status) query.set("status", status);
    if (limit) query.set("limit", String(limit));
    if (cursor) query.set("cursor", cursor);
    return this.call("GET", `/api/jobs?${query}`);
  }

  job(id) {
    return this.call("GET", `/api/jobs/${encodeURIComponent(id)}`);
  }

  events(id, afterSeq = 0) {
    return this.call("GET", `/api/jobs/${encodeURIComponent(id)}/events?after_seq=${afterSeq}`);
  }

  retry(id) {
    return this.call("POST", `/api/jobs/${encodeURIComponent(id)}/retry`);
  }

  static devOffer() {
    return new Api(null).call("GET", "/api/dev/sign-in");
  }

  static devSignIn() {
    return new Api(null).call("POST", "/api/dev/sign-in");
  }
}
