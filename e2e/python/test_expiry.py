"""A token's lifetime on an open socket, with python-socketio: when the token
expires the server emits `disconnect_reason` (code token_expired) and
disconnects; reconnecting with a fresh token and after_seq brings exactly
what was missed."""

import asyncio
import time

from conftest import TERMINAL_TYPES, assert_contiguous, assert_same_events


async def test_an_expired_token_closes_the_socket_and_a_fresh_one_resumes(server, connect, user):
    name, token = user
    job = await server.create_job(token, {"steps": 400, "step_ms": 40})
    job_id = job["job_id"]
    # Accepted for about 2 more seconds: `exp` is set back by the 5 s leeway.
    short = server.signed_token({"sub": name, "exp": int(time.time()) + 2 - 5})
    client = await connect(short)
    reasons: list[dict] = []
    client.sio.on("disconnect_reason", reasons.append)
    ack = await client.ack("join_job", {"job_id": job_id, "after_seq": 0})
    assert ack["ok"] is True, ack
    seen = list(ack["events"])

    deadline = time.monotonic() + 15
    while client.connected and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert not client.connected, "the socket outlived its token"
    assert [r.get("code") for r in reasons] == ["token_expired"], reasons
    seen += client.of(job_id)
    assert seen and seen[-1]["type"] not in TERMINAL_TYPES, "stopped mid-job"
    client.updates.clear()

    last_seen = seen[-1]["seq"]
    await client.connect(token)
    ack = await client.ack("join_job", {"job_id": job_id, "after_seq": last_seen})
    assert ack["ok"] is True, ack
    seen += ack["events"]
    await client.until_terminal(job_id, ack["events"], timeout=60)
    seen += client.of(job_id)
    assert seen[-1]["type"] in TERMINAL_TYPES
    assert_contiguous([e["seq"] for e in seen], 1, seen[-1]["seq"], "whole job across the expiry")
    assert_same_events(seen, await server.events(token, job_id), "socket vs REST")
