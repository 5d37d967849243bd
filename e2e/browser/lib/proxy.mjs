// A TCP proxy between the browser and the server, to drop the network while
// the server keeps running:
// - `cut()`: every connection is reset (RST) and new ones are refused, as
//   when a link goes down and the host says so;
// - `blackhole()`: connections stay open but nothing gets through, and new
//   ones hang, as when a link silently stops (only a heartbeat notices);
// - `restore()`: new connections go through again (those held during a
//   blackhole are dropped, as a NAT that lost their state would).

import net from "node:net";

import { within } from "../../lib/server.mjs";

export async function startProxy(targetPort) {
  let mode = "open";
  const pairs = new Set();
  let listener;
  let port = 0;

  const onConnection = (client) => {
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair = { client, upstream, heldInSilence: mode === "blackhole" };
    pairs.add(pair);
    const forward = (from, to) =>
      from.on("data", (chunk) => {
        if (mode === "open" && !pair.heldInSilence) to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    // One side closing closes the other, except in silence: then the other
    // side hears nothing (until `restore` drops the pair).
    const closed = (side, other) => () => {
      if (pair.heldInSilence) return;
      pairs.delete(pair);
      other.destroy();
    };
    client.on("error", () => {}).on("close", closed(client, upstream));
    upstream.on("error", () => {}).on("close", closed(upstream, client));
  };

  async function listen() {
    listener = net.createServer(onConnection);
    await within(
      10000,
      `the proxy to listen on port ${port || "(any)"}`,
      new Promise((resolve, reject) => {
        listener.once("error", reject);
        listener.listen(port, "127.0.0.1", () => resolve());
      }),
    );
    port = listener.address().port;
  }

  async function closeListener() {
    const l = listener;
    listener = null;
    if (l) await within(10000, "the proxy to stop listening", new Promise((resolve) => l.close(() => resolve())));
  }

  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get mode() {
      return mode;
    },
    /** Resets every connection and refuses new ones. */
    async cut() {
      mode = "cut";
      const closing = closeListener();
      for (const { client, upstream } of pairs) {
        client.resetAndDestroy();
        upstream.resetAndDestroy();
      }
      pairs.clear();
      await closing;
    },
    /** Lets nothing through, and says nothing. */
    blackhole() {
      mode = "blackhole";
      for (const pair of pairs) pair.heldInSilence = true;
    },
    /** Lets new connections through again. */
    async restore() {
      const was = mode;
      mode = "open";
      if (was === "blackhole") {
        for (const pair of [...pairs]) {
          if (pair.heldInSilence) {
            pair.client.resetAndDestroy();
            pair.upstream.resetAndDestroy();
            pairs.delete(pair);
          }
        }
      }
      if (!listener) await listen();
    },
    async close() {
      mode = "closed";
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      pairs.clear();
      await closeListener();
    },
  };
}
