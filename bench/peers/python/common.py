"""What both Python peers share: the JWT check and the event's shape."""

import base64
import hashlib
import hmac
import json
import time


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def verify(token, secret: str) -> bool:
    """HS256 only; the signature and the expiry are checked."""
    try:
        head, body, sig = str(token).split(".")
        if json.loads(b64decode(head)).get("alg") != "HS256":
            return False
        expected = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, b64decode(sig)):
            return False
        return json.loads(b64decode(body)).get("exp", 0) > time.time()
    except (ValueError, TypeError, json.JSONDecodeError):
        return False


def event(job: str, seq: int) -> dict:
    return {"job_id": job, "seq": seq, "type": "progress", "data": {"t_us": time.time_ns() // 1000}}
