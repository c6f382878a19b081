"""Secret redaction for evidence, reports and attached logs.

Standard library only: this module is also copied into the probe plugins, which run inside the
framework's own interpreter where the harness is not installed.

Three layers, applied at write time:
1. values under secret-like keys (token, secret, password, app key, AES key, ...) are replaced;
2. known secret values handed to the redactor are replaced wherever they occur in a string;
3. inside strings: ``Bearer ...`` credentials, secret-named query parameters, userinfo passwords
   and key-like path segments of URLs (``/v1/robots/<id>/<app_key>/events``).
"""

from __future__ import annotations

import re
from typing import Any, Iterable

MASK = "***"

_SECRET_KEY = re.compile(
    r"(token|secret|passw(or)?d|passwd|app_?key|appkey|aes_?key|encoding_?aes|api_?key|apikey|"
    r"authorization|credential|private_?key|signature|cookie|session_?key|client_?secret|jwt)",
    re.IGNORECASE,
)
# Keys that contain a secret-like word but hold no secret.
_NOT_SECRET_KEY = re.compile(r"^(token_type|max_tokens|tokens?_(used|count)|has_token|redacted_.*)$", re.IGNORECASE)

_BEARER = re.compile(r"(?i)\b(bearer|token|basic)\s+([A-Za-z0-9._~+/=-]{8,})")
_QUERY_SECRET = re.compile(
    r"(?i)([?&;](?:access_?token|token|secret|key|app_?key|appkey|api_?key|sign(?:ature)?|password|passwd|aes_?key|code)=)([^&#\s\"']+)"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+:)([^/\s@]+)(@)")
_URL = re.compile(r"(?i)\b[a-z][a-z0-9+.-]*://[^\s\"'<>]+")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_KEYLIKE_SEGMENT = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-]{16,}$")


def is_secret_key(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not _NOT_SECRET_KEY.match(key)


def _redact_url(url: str) -> str:
    scheme_host, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    if not slash:
        return url
    path_part, q, query = path.partition("?")
    segments = [
        MASK if (_KEYLIKE_SEGMENT.match(seg) and not _UUID.match(seg)) else seg for seg in path_part.split("/")
    ]
    return f"{scheme_host}://{host}/{'/'.join(segments)}{q}{query}"


class Redactor:
    """Redacts secrets from JSON-like values. ``known`` are exact secret values to mask anywhere."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        # Longest first so that a secret containing another is masked whole; very short values
        # would mask ordinary words, so they are left to the key-based rule.
        self.known = sorted({k for k in known if isinstance(k, str) and len(k) >= 6}, key=len, reverse=True)

    def add_known(self, *values: str) -> None:
        self.known = sorted({*self.known, *(v for v in values if isinstance(v, str) and len(v) >= 6)}, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.known:
            if secret in value:
                value = value.replace(secret, MASK)
        if "://" in value:
            value = _USERINFO.sub(lambda m: m.group(1) + MASK + m.group(3), value)
            value = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, value)
            value = _URL.sub(lambda m: _redact_url(m.group(0)), value)
        elif "=" in value:
            value = _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, value)
        if " " in value:
            value = _BEARER.sub(lambda m: m.group(1) + " " + MASK, value)
        return value

    def value(self, value: Any, key: str | None = None) -> Any:
        if key is not None and is_secret_key(key) and value not in (None, "", [], {}) and not isinstance(value, bool):
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.value(v) for v in value]
        return value


_DEFAULT = Redactor()


def redact(value: Any, known: Iterable[str] = ()) -> Any:
    """Redact one JSON-like value (see module docstring)."""
    return (Redactor(known) if known else _DEFAULT).value(value)
