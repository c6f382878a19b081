"""HS256 JSON Web Tokens for the authentication cases (standard library only).

AstrBot's dashboard signs ``{"username", "exp"}`` with HS256 and ``dashboard.jwt_secret``. The suite
needs tokens the login endpoint never hands out: one that expired, one signed with another secret
(a token of a different AstrBot instance), and one with a valid signature but no ``username``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_hs256(payload: dict[str, Any], secret: str) -> str:
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = _b64(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        _b64(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64(sig)


def decode_unverified(token: str) -> dict[str, Any]:
    """The payload of a JWT without checking its signature (for describing tokens in reports)."""
    try:
        return json.loads(_unb64(token.split(".")[1]))
    except (IndexError, ValueError):
        return {}


def verify_hs256(token: str, secret: str) -> bool:
    try:
        signing_input, sig = token.rsplit(".", 1)
    except ValueError:
        return False
    expected = hmac.new(secret.encode("utf-8"), signing_input.encode("ascii"), hashlib.sha256).digest()
    return hmac.compare_digest(expected, _unb64(sig))


def dashboard_token(secret: str, username: str, *, lifetime: float = 3600.0, now: float | None = None) -> str:
    """A token shaped like AstrBot's login token; a negative ``lifetime`` gives an expired one."""
    now = time.time() if now is None else now
    return encode_hs256({"username": username, "exp": int(now + lifetime)}, secret)
