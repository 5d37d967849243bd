"""Disconnect mid-job, reconnect, rejoin with the last seq seen: over the whole
job every event arrives exactly once, in order, the same as GET /events."""

import asyncio

from conftest import TERMINAL_TYPES, assert_contiguous, assert_same_events


async def test_three_disconnects_during_a_job_lose_and_repeat_nothing(server, connect, user):
    _, token = user
    job = await server.create_job(token, {"steps": 80, "step_ms": 40})
    job_id = job["job_id"]
    client = await connect(token)
    seen: list[dict] = []

    async def join(after_seq: int) -> dict:
        ack = await client.ack("join_job", {"job_id": job_id, "after_seq": after_seq})
        assert ack["ok"] is True, ack
        return ack

    ack = await join(0)
    seen += ack["events"]
    for drop_at in (10, 30, 50):
        await client.until(f"seq {drop_at}", lambda: any(e["seq"] >= drop_at for e in client.of(job_id)))
        await client.sio.disconnect()
        seen += client.of(job_id)
        client.updates.clear()
        last_seen = seen[-1]["seq"]
        # The job moves on while the client is away.
        await server.wait_job(token, job_id, "past the drop", lambda j: j["last_seq"] >= last_seen + 5)
        await client.connect(token)
        ack = await join(last_seen)
        assert ack["events"], "the replay holds what was missed"
        assert ack["events"][0]["seq"] == last_seen + 1, "the replay starts right after the last seq seen"
        seen += ack["events"]
    await client.until_terminal(job_id, [e for e in seen if e["seq"] > 50])
    seen += client.of(job_id)
    assert seen[-1]["type"] in TERMINAL_TYPES
    assert_contiguous([e["seq"] for e in seen], 1, seen[-1]["seq"], "whole job across 3 reconnects")
    assert_same_events(seen, await server.events(token, job_id), "socket vs REST")


async def test_automatic_reconnection_after_the_transport_drops(server, connect, user):
    """python-socketio's own reconnection; the app rejoins on every connect."""
    _, token = user
    job = await server.create_job(token, {"steps": 60, "step_ms": 40})
    job_id = job["job_id"]
    client = await connect(token, reconnection=True)
    received: list[dict] = []
    state = {"last": 0, "connects": 0, "errors": []}

    def take(event: dict) -> None:
        if event["job_id"] == job_id:
            received.append(event)
            state["last"] = max(state["last"], event["seq"])

    client.sio.on("job_update", take)

    async def rejoin() -> None:
        state["connects"] += 1
        ack = await client.ack("join_job", {"job_id": job_id, "after_seq": state["last"]})
        if not ack.get("ok"):
            state["errors"].append(ack)
            return
        for e in ack["events"]:
            take(e)

    client.sio.on("connect", lambda: asyncio.ensure_future(rejoin()))
    await rejoin()
    for drop_at in (10, 30):
        await client.until(f"seq {drop_at}", lambda: state["last"] >= drop_at)
        before = state["connects"]
        # Close the websocket under the client: to it, the network dropped.
        await client.sio.eio.ws.close()
        await client.until("the automatic reconnection and rejoin",
                           lambda: state["connects"] > before and client.connected, timeout=15)
    await client.until("the terminal event", lambda: any(e["type"] in TERMINAL_TYPES for e in received), 30)
    assert state["errors"] == [], state["errors"]
    assert_contiguous([e["seq"] for e in received], 1, received[-1]["seq"], "whole job across 2 drops")
    assert_same_events(received, await server.events(token, job_id), "socket vs REST")
