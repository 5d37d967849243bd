// The benchmark's workload on Node socket.io v4, as the seeds' Node stacks
// run it: a JWT (HS256) checked on connect, `join_job` with an ack joins the
// room `job:<id>`, and `POST /publish {"jobs","events","interval_us"}` emits
// each job's events to its room. Nothing is stored.
//
// Usage: node server.mjs PORT SECRET

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

import { Server } from "socket.io";

const [port = "18300", secret] = process.argv.slice(2);
if (!secret) throw new Error("usage: node server.mjs PORT SECRET");

function verify(token) {
  const parts = String(token ?? "").split(".");
  if (parts.length !== 3) return false;
  const header = JSON.parse(Buffer.from(parts[0], "base64url").toString());
  if (header.alg !== "HS256") return false;
  const expected = createHmac("sha256", secret).update(`${parts[0]}.${parts[1]}`).digest();
  const given = Buffer.from(parts[2], "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return false;
  const claims = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  return typeof claims.exp === "number" && claims.exp * 1000 > Date.now();
}

const nowUs = () => Math.round((performance.timeOrigin + performance.now()) * 1000);

const http = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/publish") {
    res.writeHead(404).end();
    return;
  }
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    const { jobs, events, interval_us: intervalUs = 0 } = JSON.parse(body);
    for (const job of jobs) {
      let seq = 0;
      const room = `job:${job}`;
      const step = () => {
        seq += 1;
        io.to(room).emit("job_update", { job_id: job, seq, type: "progress", data: { t_us: nowUs() } });
        if (seq < events) {
          if (intervalUs > 0) setTimeout(step, intervalUs / 1000);
          else setImmediate(step);
        }
      };
      setImmediate(step);
    }
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});

const io = new Server(http, { transports: ["websocket", "polling"] });
io.use((socket, next) => (verify(socket.handshake.auth?.token) ? next() : next(new Error("unauthorized"))));
io.on("connection", (socket) => {
  socket.on("join_job", (body, ack) => {
    socket.join(`job:${body?.job_id}`);
    if (typeof ack === "function") ack({ ok: true, job: { job_id: body?.job_id, last_seq: 0 } });
  });
});

http.listen(Number(port), "127.0.0.1", () => console.log(`listening on http://127.0.0.1:${port}`));
