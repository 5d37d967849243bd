// Follows one job to its end over Socket.IO, surviving reconnects and server
// restarts without missing or repeating an event.
//   npm install socket.io-client@4
//   node watch.mjs http://127.0.0.1:8080 "$TOKEN" JOB_ID
// The same code runs in a browser (import socket.io-client from a bundle).
import { io } from "socket.io-client";

const [base, token, jobId] = process.argv.slice(2);
const TERMINAL = ["completed", "failed", "cancelled"];
let lastSeq = 0; // the last seq applied: the resume point after a reconnect

const socket = io(base, { auth: { token } }); // reconnects by itself

function apply(event) {
  if (event.seq <= lastSeq) return; // never happens within one join; cheap insurance
  lastSeq = event.seq;
  const eta = event.eta_ms == null ? "" : ` eta ${Math.round(event.eta_ms / 1000)}s`;
  console.log(`#${event.seq} ${event.type} ${event.status} ${event.progress.toFixed(0)}% ${event.message}${eta}`);
  if (TERMINAL.includes(event.status)) {
    console.log("result:", JSON.stringify(event.data));
    socket.close();
  }
}

socket.on("job_update", (event) => {
  if (event.job_id === jobId) apply(event);
});

// On the first connection and on every reconnection: join from the last seq
// seen. The ack replays what was missed; live updates continue right after.
socket.on("connect", async () => {
  const ack = await socket.emitWithAck("join_job", { job_id: jobId, after_seq: lastSeq });
  if (!ack.ok) {
    console.error(`join_job refused: ${ack.error.code}: ${ack.error.message}`);
    socket.close();
    process.exitCode = 1;
    return;
  }
  ack.events.forEach(apply);
});

socket.on("connect_error", (error) => {
  if (error.message === "unauthorized") {
    console.error("the server refused the token");
    socket.close();
    process.exitCode = 1;
  } // anything else: socket.io-client retries with backoff
});
