"""Connecting with python-socketio: a valid token is accepted; a missing,
malformed, forged, expired or alg:none token gets connect_error "unauthorized"."""

import tempfile
import time

import pytest

from conftest import Refused, sign_jwt


def unauthorized(refusal: Refused) -> None:
    data = refusal.data
    message = data.get("message") if isinstance(data, dict) else data
    assert message == "unauthorized", f"connect_error payload: {data!r}"


async def test_a_minted_token_connects_over_websocket(server, connect, user):
    _, token = user
    client = await connect(token)
    assert client.connected
    assert client.transport == "websocket"
    ack = await client.ack("join_user", {})
    assert ack["ok"] is True, ack


async def test_a_minted_token_connects_over_polling_only(server, connect, user):
    _, token = user
    client = await connect(token, transports=["polling"])
    assert client.connected
    assert client.transport == "polling"


async def test_no_auth_is_unauthorized(server, connect):
    with pytest.raises(Refused) as refused:
        await connect(None)
    unauthorized(refused.value)


@pytest.mark.parametrize("auth", [{}, {"token": ""}, {"token": 42}, {"token": "not-a-jwt"}, {"token": "a.b.c"}])
async def test_bad_auth_payloads_are_unauthorized(server, connect, auth):
    with pytest.raises(Refused) as refused:
        await connect(None, auth=auth)
    unauthorized(refused.value)


async def test_a_token_from_another_secret_is_unauthorized(server, connect):
    with tempfile.TemporaryDirectory(prefix="jobcast-e2e-other-") as other:
        forged = server.token("alice", data_dir=other)
    with pytest.raises(Refused) as refused:
        await connect(forged)
    unauthorized(refused.value)


async def test_an_expired_token_is_unauthorized(server, connect):
    now = int(time.time())
    with pytest.raises(Refused) as refused:
        await connect(server.signed_token({"sub": "alice", "iat": now - 7200, "exp": now - 3600}))
    unauthorized(refused.value)
    # The same secret and a future exp connect: the expiry was the reason.
    ok = await connect(server.signed_token({"sub": "alice", "iat": now, "exp": now + 3600}))
    assert ok.connected


async def test_alg_none_and_altered_claims_are_unauthorized(server, connect):
    now = int(time.time())
    with pytest.raises(Refused) as refused:
        await connect(sign_jwt({"alg": "none", "typ": "JWT"}, {"sub": "alice", "exp": now + 3600}, ""))
    unauthorized(refused.value)
    header, _, signature = server.token("alice").split(".")
    altered = sign_jwt({"alg": "HS256"}, {"sub": "mallory", "role": "admin", "exp": now + 3600}, "x").split(".")[1]
    with pytest.raises(Refused) as refused:
        await connect(f"{header}.{altered}.{signature}")
    unauthorized(refused.value)
