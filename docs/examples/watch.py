"""Follows one job to its end over Socket.IO, surviving reconnects and server
restarts without missing or repeating an event.

    pip install "python-socketio[asyncio-client]"
    python watch.py http://127.0.0.1:8080 "$TOKEN" JOB_ID
"""
import asyncio
import json
import sys

import socketio

TERMINAL = {"completed", "failed", "cancelled"}


async def watch(base: str, token: str, job_id: str) -> int:
    sio = socketio.AsyncClient(reconnection=True)
    last_seq = 0  # the last seq applied: the resume point after a reconnect
    done = asyncio.Event()
    outcome = {"code": 0}

    def apply(event: dict) -> None:
        nonlocal last_seq
        if event["seq"] <= last_seq:
            return  # never happens within one join; cheap insurance
        last_seq = event["seq"]
        print(f'#{event["seq"]} {event["type"]} {event["status"]} '
              f'{event["progress"]:.0f}% {event["message"]}')
        if event["status"] in TERMINAL:
            print("result:", json.dumps(event["data"]))
            done.set()

    @sio.on("job_update")
    async def on_job_update(event: dict) -> None:
        if event["job_id"] == job_id:
            apply(event)

    async def join() -> None:
        # Join from the last seq seen: the ack replays what was missed and
        # live updates continue right after it.
        ack = await sio.call("join_job", {"job_id": job_id, "after_seq": last_seq})
        if not ack["ok"]:
            print(f'join_job refused: {ack["error"]["code"]}: {ack["error"]["message"]}',
                  file=sys.stderr)
            outcome["code"] = 1
            done.set()
            return
        for event in ack["events"]:
            apply(event)

    @sio.event
    async def connect() -> None:
        # Handlers run on the client's reader; a call() from here would wait
        # for an ack that reader cannot deliver, so join in the background.
        sio.start_background_task(join)

    try:
        await sio.connect(base, auth={"token": token})
    except socketio.exceptions.ConnectionError as error:
        print(f"cannot connect: {error}", file=sys.stderr)
        return 1
    await done.wait()
    await sio.disconnect()
    return outcome["code"]


if __name__ == "__main__":
    base_url, bearer, job = sys.argv[1:4]
    sys.exit(asyncio.run(watch(base_url, bearer, job)))
