"""join_job with python-socketio: a whole job arrives in order with no gap and
no duplicate (replay then live, or snapshot then live), over websocket and
long-polling alone; another user's job is not_found; bad payloads are
bad_request."""

import pytest

from conftest import UNKNOWN_ULID, assert_contiguous, assert_same_events

EVENT_KEYS = {"job_id", "seq", "type", "status", "stage", "progress", "message", "eta_ms", "data", "timestamp"}


def ack_before_updates(client, job_id: str) -> None:
    kinds = [
        kind for kind, item in client.timeline
        if (kind == "ack" and item[0] == "join_job") or (kind == "update" and item["job_id"] == job_id)
    ]
    assert kinds and kinds[0] == "ack", f"a job_update arrived before the join_job ack: {kinds[:5]}"


@pytest.mark.parametrize("transports", [None, ["polling"]], ids=["websocket", "polling-only"])
async def test_whole_job_replay_then_live(server, connect, user, transports):
    _, token = user
    client = await connect(token, transports=transports)
    job = await server.create_job(token, {"steps": 20, "step_ms": 40})
    ack = await client.ack("join_job", {"job_id": job["job_id"], "after_seq": 0})
    assert ack["ok"] is True, ack
    assert ack["job"]["job_id"] == job["job_id"]
    assert ack["job"]["room"] == f"job:{job['job_id']}"
    assert ack["events"][0]["seq"] == 1 and ack["events"][0]["type"] == "queued"
    await client.until_terminal(job["job_id"], ack["events"])
    ack_before_updates(client, job["job_id"])
    events = ack["events"] + client.of(job["job_id"])
    for e in events:
        assert EVENT_KEYS <= set(e), f"job_update lacks {EVENT_KEYS - set(e)}: {e}"
        assert e["job_id"] == job["job_id"]
    last = events[-1]
    assert (last["type"], last["status"], last["progress"]) == ("completed", "completed", 100)
    assert_contiguous([e["seq"] for e in events], 1, last["seq"], "replay + live")
    assert last["seq"] == 28, "20 steps: queued, started, stage_start, 20 progress, 4 partial, completed"
    assert_same_events(events, await server.events(token, job["job_id"]), "socket vs REST")
    if transports:
        assert client.transport == "polling"


async def test_snapshot_then_live(server, connect, user):
    _, token = user
    client = await connect(token)
    job = await server.create_job(token, {"steps": 30, "step_ms": 40})
    await server.wait_job(token, job["job_id"], "mid-way", lambda j: j["last_seq"] >= 5)
    ack = await client.ack("join_job", {"job_id": job["job_id"]})
    assert ack["ok"] is True, ack
    assert ack["events"] == []
    assert ack["job"]["status"] == "running"
    start = ack["job"]["last_seq"]
    await client.until_terminal(job["job_id"])
    ack_before_updates(client, job["job_id"])
    live = client.of(job["job_id"])
    assert_contiguous([e["seq"] for e in live], start + 1, live[-1]["seq"], "live after the snapshot")
    assert_same_events(live, await server.events(token, job["job_id"], start), "live vs REST")


async def test_another_users_job_is_not_found(server, connect, user):
    _, alice = user
    bob = server.token("bob-" + user[0])
    bobs_job = await server.create_job(bob, {"steps": 30, "step_ms": 20})
    client = await connect(alice)
    for payload in ({"job_id": bobs_job["job_id"]}, {"job_id": bobs_job["job_id"], "after_seq": 0},
                    {"job_id": UNKNOWN_ULID}):
        ack = await client.ack("join_job", payload)
        assert ack["ok"] is False and ack["error"]["code"] == "not_found", (payload, ack)
        assert "job" not in ack and "events" not in ack
    for event, payload in (("cancel_job", {"job_id": bobs_job["job_id"]}),
                           ("answer", {"job_id": bobs_job["job_id"], "clarification_id": "continue-1", "answer": 1}),
                           ("leave_job", {"job_id": bobs_job["job_id"]})):
        ack = await client.ack(event, payload)
        if event == "leave_job":
            # Leaving a room one never joined is harmless either way, but must leak nothing.
            assert ack.get("ok") is True or ack["error"]["code"] == "not_found", ack
        else:
            assert ack["ok"] is False and ack["error"]["code"] == "not_found", (event, ack)
    done = await server.wait_job(bob, bobs_job["job_id"], "finished", lambda j: j["status"] == "completed")
    assert done["status"] == "completed", "bob's job was not disturbed"
    assert client.of(bobs_job["job_id"]) == [], "no foreign job_update"


BAD = [
    ("join_job", {}),
    ("join_job", {"job_id": "not-a-ulid"}),
    ("join_job", {"job_id": ""}),
    ("join_job", {"job_id": 42}),
    ("join_job", {"job_id": UNKNOWN_ULID, "after_seq": -1}),
    ("join_job", {"job_id": UNKNOWN_ULID, "after_seq": "3"}),
    ("join_job", UNKNOWN_ULID),
    ("join_job", None),
    ("leave_job", {}),
    ("cancel_job", {"job_id": "nope"}),
    ("answer", {"job_id": UNKNOWN_ULID}),
    ("not_an_event", {"x": 1}),
]


async def test_bad_payloads_are_bad_request(server, connect, user):
    _, token = user
    client = await connect(token)
    for event, payload in BAD:
        ack = await client.ack(event, payload)
        assert isinstance(ack, dict) and ack.get("ok") is False, (event, payload, ack)
        assert ack["error"]["code"] == "bad_request", (event, payload, ack)
        assert isinstance(ack["error"]["message"], str) and ack["error"]["message"]
    assert client.connected, "bad payloads do not cost the connection"
    job = await server.create_job(token, {"steps": 1, "step_ms": 0})
    ack = await client.ack("join_job", {"job_id": job["job_id"], "after_seq": 0})
    assert ack["ok"] is True, ack
