"""The benchmark's workload on Flask-SocketIO with eventlet, the seeds' stack.

Run as shipped except the two limits NOTES.md 6 names, raised so the
scenarios can run at all: eventlet's 1,024 concurrent sockets
(max_size) and its listen backlog of 50.

Usage: python flask_server.py PORT SECRET
"""

import eventlet
import eventlet.wsgi

eventlet.monkey_patch()

import sys  # noqa: E402

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO, ConnectionRefusedError, join_room  # noqa: E402

from common import event, verify  # noqa: E402

PORT, SECRET = int(sys.argv[1]), sys.argv[2]
app = Flask(__name__)
sio = SocketIO(app, async_mode="eventlet")


@sio.on("connect")
def connect(auth):
    if not verify((auth or {}).get("token"), SECRET):
        raise ConnectionRefusedError("unauthorized")


@sio.on("join_job")
def join_job(body):
    job = (body or {}).get("job_id")
    join_room(f"job:{job}")
    return {"ok": True, "job": {"job_id": job, "last_seq": 0}}


def emit_job(job, events, interval_us):
    for seq in range(1, events + 1):
        sio.emit("job_update", event(job, seq), to=f"job:{job}")
        sio.sleep(interval_us / 1e6)


@app.post("/publish")
def publish():
    body = request.get_json()
    for job in body["jobs"]:
        sio.start_background_task(emit_job, job, body["events"], body.get("interval_us", 0))
    return jsonify(ok=True)


if __name__ == "__main__":
    print(f"listening on http://127.0.0.1:{PORT}", flush=True)
    listener = eventlet.listen(("127.0.0.1", PORT), backlog=4096)
    eventlet.wsgi.server(listener, app, log_output=False, max_size=20000)
