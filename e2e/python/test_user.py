"""join_user with python-socketio."""

import asyncio

from conftest import UNKNOWN_ULID, assert_contiguous, assert_same_events


async def test_user_room_streams_every_job(server, connect, user):
    _, token = user
    other = server.token("other-" + user[0])
    client = await connect(token)
    ack = await client.ack("join_user", {})
    assert ack["ok"] is True and ack["jobs"] == [] and ack["next"] is None, ack
    jobs = [await server.create_job(token, {"steps": 10, "step_ms": 30}) for _ in range(3)]
    foreign = await server.create_job(other, {"steps": 3, "step_ms": 10})
    for job in jobs:
        await client.until_terminal(job["job_id"])
        got = client.of(job["job_id"])
        assert got[-1]["type"] == "completed"
        assert_contiguous([e["seq"] for e in got], 1, got[-1]["seq"], f"user room, {job['job_id']}")
        assert_same_events(got, await server.events(token, job["job_id"]), "user room vs REST")
    await server.wait_job(other, foreign["job_id"], "finished", lambda j: j["status"] == "completed")
    await client.ack("join_user", {})  # a round trip
    assert client.of(foreign["job_id"]) == [], "another user's events are not sent"


async def test_join_user_lists_unfinished_jobs(server, connect, user):
    _, token = user
    finished = await server.create_job(token, {"steps": 1, "step_ms": 0})
    await server.wait_job(token, finished["job_id"], "done", lambda j: j["status"] == "completed")
    running = [await server.create_job(token, {"steps": 40, "step_ms": 40}) for _ in range(3)]
    client = await connect(token)
    ack = await client.ack("join_user", {})
    assert ack["ok"] is True, ack
    listed = {j["job_id"]: j for j in ack["jobs"]}
    assert {j["job_id"] for j in running} <= set(listed), ack["jobs"]
    assert finished["job_id"] not in listed
    for job in running:
        await client.until_terminal(job["job_id"])
        start = listed[job["job_id"]]["last_seq"]
        seqs = [e["seq"] for e in client.of(job["job_id"])]
        assert len(set(seqs)) == len(seqs), f"duplicates: {seqs}"
        after = [s for s in seqs if s > start]
        assert_contiguous(after, start + 1, after[-1], "after the listed snapshot")


async def test_user_room_and_job_room_deliver_each_event_once(server, connect, user):
    _, token = user
    client = await connect(token)
    assert (await client.ack("join_user", {}))["ok"] is True
    job = await server.create_job(token, {"steps": 30, "step_ms": 30})
    ack = await client.ack("join_job", {"job_id": job["job_id"], "after_seq": 0})
    assert ack["ok"] is True, ack
    await client.until_terminal(job["job_id"], ack["events"])
    live = [e["seq"] for e in client.of(job["job_id"])]
    assert len(set(live)) == len(live), f"a job_update came twice: {live}"
    stored = await server.events(token, job["job_id"])
    union = sorted(set(live) | {e["seq"] for e in ack["events"]})
    assert_contiguous(union, 1, stored[-1]["seq"], "replay + live")
    replay_end = ack["events"][-1]["seq"]
    assert_contiguous([s for s in live if s > replay_end], replay_end + 1, stored[-1]["seq"], "live after replay")


async def test_join_job_while_in_the_user_room_loses_no_event(server, connect, user):
    """The user room has delivered the job from seq 1; a join_job without
    after_seq while the job emits fast must not open a gap in that stream."""
    _, token = user
    for round_ in range(6):
        client = await connect(token)
        assert (await client.ack("join_user", {}))["ok"] is True
        job = await server.create_job(token, {"steps": 200, "step_ms": 1})
        await client.until("seq 20 via the user room", lambda: any(e["seq"] >= 20 for e in client.of(job["job_id"])))
        ack = await client.ack("join_job", {"job_id": job["job_id"]})
        assert ack["ok"] is True, ack
        await client.until_terminal(job["job_id"], timeout=60)
        seqs = [e["seq"] for e in client.of(job["job_id"])]
        assert_contiguous(seqs, 1, seqs[-1],
                          f"round {round_}: user-room stream around a join_job (snapshot last_seq {ack['job']['last_seq']})")
        await client.close()


async def test_one_join_user_resumes_every_job_after_a_reconnect(server, connect, user):
    """A client cut off mid-stream reconnects and names, in one join_user,
    the last seq it applied of each job: it gets every event it missed (of
    jobs that finished meanwhile too), each once and in order, then live
    ones. Another user's job named there is reported unknown, and sends
    nothing."""
    _, token = user
    other = server.token("other-" + user[0])
    foreign = await server.create_job(other, {"steps": 20, "step_ms": 20})
    first = await connect(token)
    assert (await first.ack("join_user", {}))["ok"] is True
    jobs = [await server.create_job(token, {"steps": 5, "step_ms": 20}) for _ in range(12)]
    ids = [j["job_id"] for j in jobs]
    await first.until("20 events through the user room", lambda: sum(len(first.of(i)) for i in ids) >= 20)
    seen = {i: [e["seq"] for e in first.of(i)] for i in ids}
    await first.close()
    for i, seqs in seen.items():
        if seqs:
            assert_contiguous(seqs, 1, seqs[-1], f"first connection, {i}")
    await asyncio.sleep(0.5)  # the jobs go on meanwhile; some finish

    second = await connect(token)
    resume = {i: (seqs[-1] if seqs else 0) for i, seqs in seen.items()}
    resume[foreign["job_id"]] = 0
    resume[UNKNOWN_ULID] = 0
    ack = await second.ack("join_user", {"jobs": resume})
    assert ack["ok"] is True, ack
    terminal_types = {"completed", "failed", "cancelled"}

    def caught_up() -> list[str]:
        done = []
        for i in ids:
            if any(e["type"] in terminal_types for e in first.of(i) + second.of(i)):
                done.append(i)
        return done

    try:
        await second.until("every job terminal", lambda: len(caught_up()) == len(ids), 60)
    except AssertionError:
        pass
    assert len(caught_up()) == len(ids), f"{len(caught_up())} of {len(ids)} jobs caught up after one join_user"
    for i in ids:
        seqs = seen[i] + [e["seq"] for e in second.of(i)]
        stored = await server.events(token, i)
        assert_contiguous(seqs, 1, stored[-1]["seq"], f"job {i} across the reconnect")
    assert sorted(ack["unknown"]) == sorted([foreign["job_id"], UNKNOWN_ULID]), ack["unknown"]
    await server.wait_job(other, foreign["job_id"], "finished", lambda j: j["status"] == "completed")
    await second.ack("join_user", {})  # a round trip
    assert second.of(foreign["job_id"]) == [], "another user's events are not sent"
    refused = await second.ack("join_user", {"jobs": {"not-a-job": 1}})
    assert refused["ok"] is False and refused["error"]["code"] == "bad_request", refused
