"""Fixtures for the Python end-to-end suite.

`server` starts a real `jobcast serve --listen 127.0.0.1:0 --workers 2` with a
fresh JOBCAST_DATA_DIR, reads its address from the first stdout line, and
stops it with SIGTERM at the end. Tokens come from `jobcast token`, REST calls
go through aiohttp, and sockets are the official python-socketio AsyncClient.
Every wait is bounded and says what it was waiting for when it fails.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import aiohttp
import pytest
import socketio

HERE = Path(__file__).resolve().parent
BINARY = os.environ.get("JOBCAST_BIN") or str(HERE.parent.parent / "target" / "debug" / "jobcast")
TERMINAL_TYPES = {"completed", "failed", "cancelled"}
UNKNOWN_ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
FIRST_LINE = re.compile(r"^jobcast \S+ listening on (http://127\.0\.0\.1:\d+)\s*$")

_users = itertools.count(1)


class Server:
    """One running `jobcast serve`."""

    def __init__(self, env: dict[str, str] | None = None, workers: int = 2,
                 data_dir: str | None = None, listen: str = "127.0.0.1:0"):
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="jobcast-e2e-py-")
        self.workers = workers
        self.extra_env = env or {}
        self.env = {
            **os.environ,
            "JOBCAST_DATA_DIR": self.data_dir,
            "JOBCAST_LOG": os.environ.get("JOBCAST_LOG", "warn"),
            **self.extra_env,
        }
        if not os.path.exists(BINARY):
            raise RuntimeError(f"no jobcast binary at {BINARY}: run `cargo build -p jobcast` first")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--listen", listen, "--workers", str(workers)],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._stderr: list[str] = []
        threading.Thread(target=self._drain, args=(self.proc.stderr, self._stderr), daemon=True).start()
        line_box: list[str] = []
        got_line = threading.Event()

        def first_line() -> None:
            assert self.proc.stdout is not None
            line_box.append(self.proc.stdout.readline())
            got_line.set()
            # Keep draining stdout so the server never blocks on a full pipe.
            for _ in self.proc.stdout:
                pass

        threading.Thread(target=first_line, daemon=True).start()
        if not got_line.wait(30):
            self._kill()
            raise RuntimeError(f"jobcast printed no address within 30 s; stderr:\n{self.stderr()}")
        line = line_box[0]
        match = FIRST_LINE.match(line)
        if not match:
            self.proc.wait(5)
            self._kill()
            raise RuntimeError(
                f"unexpected first stdout line {line!r} (exit code {self.proc.returncode}); "
                f"stderr:\n{self.stderr()}"
            )
        self.url = match.group(1)

    @staticmethod
    def _drain(stream, sink: list[str]) -> None:
        for line in stream:
            sink.append(line)
            if len(sink) > 5000:
                del sink[:1000]

    def stderr(self) -> str:
        return "".join(self._stderr)

    def _kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def stop(self, keep_data: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not keep_data:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def restart(self) -> "Server":
        """SIGTERM, then a new process on the same address and data directory."""
        self.stop(keep_data=True)
        return Server(self.extra_env, self.workers, self.data_dir, self.url.removeprefix("http://"))

    # -- tokens ---------------------------------------------------------------

    def token(self, user: str, role: str | None = None, data_dir: str | None = None) -> str:
        args = [BINARY, "token", "--user", user]
        if role:
            args += ["--role", role]
        env = {**self.env, "JOBCAST_DATA_DIR": data_dir or self.data_dir}
        out = subprocess.run(args, env=env, capture_output=True, text=True, timeout=30, check=True)
        token = out.stdout.strip().splitlines()[-1].strip()
        assert token.count(".") == 2, f"not a JWT: {out.stdout!r}"
        return token

    def signed_token(self, claims: dict[str, Any], header: dict[str, Any] | None = None) -> str:
        """An HS256 token signed with this server's secret (for expired tokens)."""
        secret = (Path(self.data_dir) / "jwt-secret").read_text().strip()
        return sign_jwt(header or {"alg": "HS256", "typ": "JWT"}, claims, secret)

    # -- REST -----------------------------------------------------------------

    async def api(self, method: str, route: str, token: str | None, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as session:
            async with session.request(
                method, self.url + route, headers=headers, json=body, timeout=aiohttp.ClientTimeout(total=30)
            ) as res:
                text = await res.text()
                try:
                    return res.status, json.loads(text) if text else None
                except ValueError:
                    return res.status, text

    async def create_job(self, token: str, options: dict[str, Any] | None = None, text: str = "one\ntwo\n") -> dict:
        status, body = await self.api(
            "POST", "/api/jobs", token, {"kind": "demo.steps", "text": text, "options": options or {}}
        )
        assert status == 202, f"POST /api/jobs answered {status}: {body}"
        return body["jobs"][0]

    async def job(self, token: str, job_id: str) -> dict:
        status, body = await self.api("GET", f"/api/jobs/{job_id}", token)
        assert status == 200, f"GET /api/jobs/{job_id} answered {status}: {body}"
        return body

    async def events(self, token: str, job_id: str, after_seq: int = 0) -> list[dict]:
        status, body = await self.api("GET", f"/api/jobs/{job_id}/events?after_seq={after_seq}", token)
        assert status == 200, f"GET events answered {status}: {body}"
        return body["events"]

    async def wait_job(self, token: str, job_id: str, what: str, check: Callable[[dict], bool], timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            job = await self.job(token, job_id)
            if check(job):
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout} s waiting for job {job_id} {what}; last: {job}")
            await asyncio.sleep(0.05)


class Refused(Exception):
    """The server refused the connection; `data` is the connect_error payload."""

    def __init__(self, data: Any):
        super().__init__(f"connect_error {data!r}")
        self.data = data


class Client:
    """A python-socketio AsyncClient that records every job_update and ack."""

    def __init__(self, server: Server, reconnection: bool = False):
        self.server = server
        self.sio = socketio.AsyncClient(reconnection=reconnection, reconnection_delay=0.05,
                                        reconnection_delay_max=0.2)
        self.timeline: list[tuple[str, Any]] = []
        self.updates: dict[str, list[dict]] = {}
        self.connect_errors: list[Any] = []
        self._changed = asyncio.Event()

        @self.sio.on("job_update")
        def on_update(event: dict) -> None:
            self.timeline.append(("update", event))
            self.updates.setdefault(event["job_id"], []).append(event)
            self._changed.set()

        self.disconnects: list[Any] = []

        @self.sio.on("disconnect")
        def on_disconnect(reason: Any = None) -> None:
            self.disconnects.append(reason)

        @self.sio.on("connect_error")
        def on_connect_error(data: Any) -> None:
            self.connect_errors.append(data)

    async def connect(self, token: str | None, *, auth: Any = "from-token", transports: list[str] | None = None) -> None:
        if auth == "from-token":
            auth = None if token is None else {"token": token}
        try:
            await self.sio.connect(
                self.server.url,
                socketio_path="/socket.io/",
                auth=auth,
                transports=transports,
                wait_timeout=10,
            )
        except socketio.exceptions.ConnectionError as e:
            if self.connect_errors:
                raise Refused(self.connect_errors[-1]) from e
            raise

    @property
    def connected(self) -> bool:
        return self.sio.connected

    @property
    def transport(self) -> str:
        return self.sio.transport()

    async def close(self) -> None:
        await self.sio.disconnect()

    def of(self, job_id: str) -> list[dict]:
        return self.updates.get(job_id, [])

    async def ack(self, event: str, payload: Any = ..., timeout: float = 10) -> Any:
        """Emits `event` and returns its acknowledgement (bounded)."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future = loop.create_future()

        def callback(*args: Any) -> None:
            value = args[0] if args else None
            self.timeline.append(("ack", (event, value)))
            if not answer.done():
                answer.set_result(value)

        data = None if payload is ... else payload
        await self.sio.emit(event, data, callback=callback)
        try:
            return await asyncio.wait_for(answer, timeout)
        except asyncio.TimeoutError:
            raise AssertionError(f"no acknowledgement of {event} {payload!r} within {timeout} s") from None

    async def until(self, what: str, check: Callable[[], bool], timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out after {timeout} s waiting for {what}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(left, 0.25))
            except asyncio.TimeoutError:
                pass

    async def until_terminal(self, job_id: str, replay: list[dict] | None = None, timeout: float = 30) -> None:
        if any(e["type"] in TERMINAL_TYPES for e in replay or []):
            return
        try:
            await self.until(
                f"a terminal job_update of job {job_id}",
                lambda: any(e["type"] in TERMINAL_TYPES for e in self.of(job_id)),
                timeout,
            )
        except AssertionError as e:
            got = " ".join(f"{x['seq']}:{x['type']}" for x in self.of(job_id))
            raise AssertionError(f"{e} — received: {got}") from None


def sign_jwt(header: dict[str, Any], claims: dict[str, Any], secret: str) -> str:
    def b64(obj: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    unsigned = f"{b64(header)}.{b64(claims)}"
    if header.get("alg") == "none":
        return unsigned + "."
    sig = hmac.new(secret.encode(), unsigned.encode(), hashlib.sha256).digest()
    return unsigned + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def assert_contiguous(seqs: list[int], first: int, last: int, what: str) -> None:
    expected = list(range(first, last + 1))
    if seqs == expected:
        return
    have = set(seqs)
    missing = [s for s in expected if s not in have]
    dups = sorted({s for s in seqs if seqs.count(s) > 1})
    disorder = next((i for i in range(1, len(seqs)) if seqs[i] < seqs[i - 1]), None)
    shown = seqs if len(seqs) <= 60 else seqs[:30] + ["…"] + seqs[-10:]
    raise AssertionError(
        f"{what}: expected seqs {first}..{last} each once in order; missing {missing}, duplicated {dups}"
        + (f", out of order at index {disorder}" if disorder is not None else "")
        + f"; got {len(seqs)} seqs {shown}"
    )


def assert_same_events(received: list[dict], stored: list[dict], what: str) -> None:
    def key(e: dict) -> str:
        return f"{e['seq']}:{e['type']}:{e['status']}"

    a = [key(e) for e in received]
    b = [key(e) for e in stored]
    assert a == b, f"{what}: received\n  {' '.join(a)}\nbut stored\n  {' '.join(b)}"


@pytest.fixture(scope="session")
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def user(server: Server) -> tuple[str, str]:
    """A user of its own for each test (name, token), so tests never share jobs."""
    name = f"user{next(_users)}-{os.getpid()}"
    return name, server.token(name)


@pytest.fixture
async def connect(server: Server):
    """`await connect(token, transports=..., reconnection=...)`: a connected
    Client (or `Refused`), disconnected at the end of the test."""
    opened: list[Client] = []

    async def open_client(token: str | None, **kwargs: Any) -> Client:
        target = kwargs.pop("server", server)
        client = Client(target, reconnection=kwargs.pop("reconnection", False))
        opened.append(client)
        await client.connect(token, **kwargs)
        return client

    yield open_client
    for c in opened:
        try:
            await asyncio.wait_for(c.close(), 10)
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass
