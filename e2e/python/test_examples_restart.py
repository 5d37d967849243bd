"""The documented Python example (docs/examples/watch.py) against a real
server, and a SIGTERM restart mid-job with python-socketio reconnecting by
itself: no event missed or repeated."""

import asyncio
import re
import sys
from pathlib import Path

import pytest

from conftest import TERMINAL_TYPES, UNKNOWN_ULID, Server, assert_contiguous, assert_same_events

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "watch.py"
LINE = re.compile(r"^#(\d+) (\S+) (\S+) ", re.M)


async def run_example(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, str(EXAMPLE), *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def finish(proc: asyncio.subprocess.Process, timeout: float = 60) -> tuple[int, str, str]:
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except asyncio.TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        raise AssertionError(f"watch.py did not finish in {timeout} s; stdout:\n{out.decode()}\nstderr:\n{err.decode()}")
    return proc.returncode, out.decode(), err.decode()


def printed(stdout: str) -> list[dict]:
    return [{"seq": int(seq), "type": kind, "status": status} for seq, kind, status in LINE.findall(stdout)]


async def test_watch_py_follows_a_job(server, user):
    _, token = user
    job = await server.create_job(token, {"steps": 20, "step_ms": 30})
    code, out, err = await finish(await run_example(server.url, token, job["job_id"]))
    assert code == 0, err
    events = printed(out)
    assert_contiguous([e["seq"] for e in events], 1, events[-1]["seq"], "watch.py output")
    assert_same_events(events, await server.events(token, job["job_id"]), "watch.py vs REST")
    assert re.search(r'^result: \{.*"steps": 20', out, re.M), out


async def test_watch_py_with_a_bad_token_exits_1(server):
    code, out, err = await finish(await run_example(server.url, "not-a-token", UNKNOWN_ULID), 30)
    assert code == 1, (out, err)


@pytest.fixture
def own_server():
    box = {"server": Server()}
    yield box
    box["server"].stop()


async def test_sigterm_restart_mid_job_misses_nothing(own_server, connect):
    server: Server = own_server["server"]
    token = server.token("alice")
    job = await server.create_job(token, {"steps": 120, "step_ms": 50})
    job_id = job["job_id"]
    example = await run_example(server.url, token, job_id)
    client = await connect(token, reconnection=True, server=server)
    received: list[dict] = []
    state = {"last": 0, "connects": 1, "errors": []}

    def take(event: dict) -> None:
        if event["job_id"] != job_id:
            return
        received.append(event)  # repeats are kept, so the check sees them
        state["last"] = max(state["last"], event["seq"])

    client.sio.on("job_update", take)

    async def join() -> None:
        ack = await client.ack("join_job", {"job_id": job_id, "after_seq": state["last"]})
        if not ack.get("ok"):
            state["errors"].append(ack)
            return
        for e in ack["events"]:
            take(e)

    def on_connect() -> None:
        state["connects"] += 1
        client.sio.start_background_task(join)

    client.sio.on("connect", on_connect)
    await join()
    try:
        await client.until("seq 20 before the restart", lambda: state["last"] >= 20)
        # Restart in a thread: the event loop keeps serving the client meanwhile.
        server = await asyncio.to_thread(server.restart)
        own_server["server"] = server
        try:
            await client.until("a reconnection after the restart",
                               lambda: state["connects"] >= 2 and client.connected, timeout=15)
        except AssertionError as e:
            raise AssertionError(
                f"{e}: python-socketio did not reconnect after the server's SIGTERM drain "
                f"(disconnect reasons seen: {client.disconnects}); SPEC 8 says sockets are told to reconnect"
            ) from None
        await client.until("the terminal event after the restart",
                           lambda: any(e["type"] in TERMINAL_TYPES for e in received), timeout=60)
        assert state["errors"] == [], state["errors"]
        stored = await server.events(token, job_id)
        assert stored[-1]["type"] == "completed"
        assert_contiguous([e["seq"] for e in received], 1, stored[-1]["seq"], "across the restart")
        assert_same_events(received, stored, "socket vs REST across the restart")
        code, out, err = await finish(example, 60)
        assert code == 0, err
        assert_same_events(printed(out), stored, "watch.py across the restart vs REST")
    finally:
        if example.returncode is None:
            example.kill()
            await example.wait()
