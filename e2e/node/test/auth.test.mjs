// Connecting: a valid token is accepted; a missing, malformed, forged,
// expired or `alg: none` token is refused with connect_error "unauthorized".

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { signJwt, startServer } from "../lib/jobcast.mjs";

describe("Socket.IO authentication", () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server?.stop();
  });

  async function refused(token, opts) {
    await assert.rejects(
      server.connect(token, opts),
      (err) => {
        assert.equal(err.message, "unauthorized", `connect_error message: ${err.message}`);
        return true;
      },
    );
  }

  it("accepts a token minted by `jobcast token` (websocket)", async () => {
    const token = await server.token("alice");
    const socket = await server.connect(token);
    assert.ok(socket.connected);
    assert.ok(socket.id, "the socket has an id");
    // The connection works: an event with an ack gets an answer.
    const ack = await socket.feed.ack("join_user", {});
    assert.equal(ack.ok, true, JSON.stringify(ack));
    socket.close();
  });

  it("accepts a token over long-polling only", async () => {
    const token = await server.token("alice");
    const socket = await server.connect(token, { transports: ["polling"] });
    assert.equal(socket.io.engine.transport.name, "polling");
    socket.close();
  });

  it("refuses a connection without auth", async () => {
    await refused(undefined);
  });

  it("refuses an auth payload without a token", async () => {
    await refused(undefined, { auth: {} });
    await refused(undefined, { auth: { token: "" } });
    await refused(undefined, { auth: { token: 42 } });
  });

  it("refuses garbage", async () => {
    await refused("not-a-jwt");
    await refused("a.b.c");
  });

  it("refuses a token signed with another server's secret", async () => {
    const otherDir = await mkdtemp(path.join(tmpdir(), "jobcast-e2e-other-"));
    try {
      const forged = await server.token("alice", { dir: otherDir });
      await refused(forged);
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it("refuses a token whose claims were altered after signing", async () => {
    const token = await server.token("alice");
    const [h, , s] = token.split(".");
    const claims = Buffer.from(
      JSON.stringify({ sub: "mallory", role: "admin", exp: Math.floor(Date.now() / 1000) + 3600 }),
    ).toString("base64url");
    await refused(`${h}.${claims}.${s}`);
  });

  it("refuses an expired token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await server.signedToken({ sub: "alice", iat: now - 7200, exp: now - 3600 });
    await refused(expired);
    // The same secret with a future exp is accepted (so the refusal is the expiry).
    const fresh = await server.signedToken({ sub: "alice", iat: now, exp: now + 3600 });
    const socket = await server.connect(fresh);
    socket.close();
  });

  it("refuses an alg:none token and an HS256 token without exp", async () => {
    const now = Math.floor(Date.now() / 1000);
    await refused(signJwt({ alg: "none", typ: "JWT" }, { sub: "alice", exp: now + 3600 }, ""));
    await refused(await server.signedToken({ sub: "alice" }));
  });
});
