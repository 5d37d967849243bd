"""The benchmark's workload on python-socketio (AsyncServer) under uvicorn.

Usage: python asgi_server.py PORT SECRET
"""

import asyncio
import json
import sys

import socketio
import uvicorn

from common import event, verify

PORT, SECRET = int(sys.argv[1]), sys.argv[2]
sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins=[])


@sio.event
async def connect(sid, environ, auth):
    if not verify((auth or {}).get("token"), SECRET):
        raise socketio.exceptions.ConnectionRefusedError("unauthorized")


@sio.event
async def join_job(sid, body):
    job = (body or {}).get("job_id")
    await sio.enter_room(sid, f"job:{job}")
    return {"ok": True, "job": {"job_id": job, "last_seq": 0}}


async def emit_job(job: str, events: int, interval_us: int):
    for seq in range(1, events + 1):
        await sio.emit("job_update", event(job, seq), room=f"job:{job}")
        await asyncio.sleep(interval_us / 1e6)


async def publish(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    request = json.loads(body)
    for job in request["jobs"]:
        asyncio.get_running_loop().create_task(
            emit_job(job, request["events"], request.get("interval_us", 0)))
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": b'{"ok":true}'})


app = socketio.ASGIApp(sio, other_asgi_app=publish)

if __name__ == "__main__":
    print(f"listening on http://127.0.0.1:{PORT}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=PORT, log_level="warning", backlog=4096)
