"""cancel_job and answer with python-socketio."""

from conftest import assert_contiguous, assert_same_events


async def test_cancel_a_running_job(server, connect, user):
    _, token = user
    client = await connect(token)
    job = await server.create_job(token, {"steps": 200, "step_ms": 50})
    join = await client.ack("join_job", {"job_id": job["job_id"], "after_seq": 0})
    assert join["ok"] is True, join
    await client.until("progress", lambda: any(e["type"] == "progress" for e in client.of(job["job_id"])))
    ack = await client.ack("cancel_job", {"job_id": job["job_id"]})
    assert ack["ok"] is True, ack
    assert ack["job"]["status"] == "cancelled"
    await client.until("a cancelled job_update",
                       lambda: any(e["type"] == "cancelled" for e in client.of(job["job_id"])))
    events = join["events"] + client.of(job["job_id"])
    assert events[-1]["type"] == "cancelled" and events[-1]["status"] == "cancelled"
    stored = await server.events(token, job["job_id"])
    assert_contiguous([e["seq"] for e in events], 1, stored[-1]["seq"], "cancelled job")
    assert_same_events(events, stored, "socket vs REST")
    assert (await server.job(token, job["job_id"]))["status"] == "cancelled"
    again = await client.ack("cancel_job", {"job_id": job["job_id"]})
    assert again["ok"] is False and again["error"]["code"] == "conflict", again


async def test_cancel_a_finished_job_is_conflict(server, connect, user):
    _, token = user
    job = await server.create_job(token, {"steps": 2, "step_ms": 0})
    await server.wait_job(token, job["job_id"], "completed", lambda j: j["status"] == "completed")
    client = await connect(token)
    ack = await client.ack("cancel_job", {"job_id": job["job_id"]})
    assert ack["ok"] is False and ack["error"]["code"] == "conflict", ack
    assert (await server.job(token, job["job_id"]))["status"] == "completed"


async def test_answer_a_clarification(server, connect, user):
    _, token = user
    client = await connect(token)
    job = await server.create_job(token, {"steps": 10, "step_ms": 20, "ask": True})
    join = await client.ack("join_job", {"job_id": job["job_id"], "after_seq": 0})
    assert join["ok"] is True, join

    def events():
        return join["events"] + client.of(job["job_id"])

    await client.until("a clarification", lambda: any(e["type"] == "clarification" for e in events()))
    question = next(e for e in events() if e["type"] == "clarification")
    assert question["status"] == "waiting_input"
    assert {"clarification_id", "question", "field", "suggestion"} <= set(question["data"]), question
    assert (await server.job(token, job["job_id"]))["status"] == "waiting_input"
    wrong = await client.ack("answer", {"job_id": job["job_id"], "clarification_id": "nope", "answer": 1})
    assert wrong["ok"] is False and wrong["error"]["code"] == "not_found", wrong
    answer = {"continue": True, "by": "python"}
    ack = await client.ack("answer", {"job_id": job["job_id"],
                                      "clarification_id": question["data"]["clarification_id"],
                                      "answer": answer})
    assert ack == {"ok": True}, ack
    await client.until_terminal(job["job_id"])
    all_events = events()
    assert "answered" in [e["type"] for e in all_events]
    assert all_events[-1]["type"] == "completed"
    snapshot = await server.job(token, job["job_id"])
    assert snapshot["status"] == "completed"
    assert snapshot["result"]["answer"] == answer, snapshot["result"]
    assert_contiguous([e["seq"] for e in all_events], 1, all_events[-1]["seq"], "asked job")
    assert_same_events(all_events, await server.events(token, job["job_id"]), "socket vs REST")
