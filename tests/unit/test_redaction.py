"""Planted secrets: every pattern an adversarial review planted must stay out of evidence and reports.

Each planted pattern is written through :class:`harness.evidence.EvidenceWriter` (with a ``FileSink``
and with a ``MemorySink``) with the run's known secrets configured; the raw secret, and for known
values every encoded form of it, must appear nowhere in what was written. Counter-cases: ids the
checker compares stay intact, ordinary text is untouched, masks are comparable. The last section
(``# reports``) renders every pattern through the report writers.
"""

from __future__ import annotations

import base64
import html
import importlib.util
import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.evidence import EvidenceWriter, FileSink, MemorySink
from harness.evidence.redact import MASK, MASK_PREFIX, Redactor, is_masked, is_secret_key, redact

pytestmark = pytest.mark.unit

RUN_ID = "run-redaction-1"

# ---- the run's known secrets (configured tokens, app secrets, keys, passwords) ---------------------------

KNOWN_TOKEN = "Kn0wnAcc3ss/T0ken+Value=="  # "/", "+" and "=" make every encoding differ from the plain form
KNOWN_SECRET = 'app-s3cret "quoted" \\ value/42'  # JSON escaping differs too
KNOWN_AES = "KnownAESkey0123456789abcdefghijklmnopqrstuv"
KNOWN_PASSWORD = "hunter2-Pa55word!"
KNOWN_WEBHOOK = "whsec_K9x2mQ7vL4pR8tZ1"
KNOWN = (KNOWN_TOKEN, KNOWN_SECRET, KNOWN_AES, KNOWN_PASSWORD, KNOWN_WEBHOOK)
assert len(KNOWN_AES) == 43


def encoded_forms(secret: str) -> list[str]:
    """The forms of a known secret that must never reach a file."""
    raw = secret.encode()
    forms = {secret, urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret),
             json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], html.escape(secret)}
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        full = enc(raw).decode()
        forms |= {full, full.rstrip("=")}
    return sorted(forms)


# ---- unknown secrets of every shape (each distinct, so a leak names its pattern) --------------------------

TG_TOKEN_1 = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"
TG_TOKEN_2 = "987654321:BBFzq8sT3kWm1YxNv0LpQr7Uj2HcEa9Gd4i"
TG_TOKEN_3 = "55501234:AAGx-Yz_0123456789abcdefghijklmnopq"
for _tg in (TG_TOKEN_1, TG_TOKEN_2, TG_TOKEN_3):
    assert len(_tg.split(":")[1]) == 35, _tg
JWT_1 = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4ifQ"
         ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
JWT_2 = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJsYW5nYm90IiwiZXhwIjoxNzAwMDAwMDAwfQ.dGhpcy1pcy1hLXNpZ25hdHVyZQ"
JWT_3 = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.eyJ1aWQiOjQyfQ.c2lnbmF0dXJlLWZvci1kZWVwLW5lc3Q"
AES_1 = "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789AbCdEfG"
AES_2 = "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXwVuT"
for _aes in (AES_1, AES_2):
    assert len(_aes) == 43, _aes
SLACK_BOT = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
SLACK_USER = "xoxp-210987654321-3210987654321-ZyXwVuTsRqPoNmLkJiHgFeDc"
BASIC_CRED = base64.b64encode(b"admin:basic-pw-77x").decode()
OPENAI_KEY = "sk-proj-4fT9kLmN2pQ8rS6tU0vW1xY3zA5bC7dE"


@dataclass
class Planted:
    id: str
    fields: dict[str, Any]
    leaks: list[str]
    #: whether the written record must show a mask (False when the secret is dropped, e.g. unreadable bytes)
    masked: bool = True
    text: str = field(default="")  # the pattern as report text (verdict reasons, logs); default: str(fields)


class _Secretive:
    """An object whose repr carries a secret."""

    def __repr__(self) -> str:
        return f"<Session token={JWT_2} user=bob>"


def P(id: str, fields: dict[str, Any], *leaks: str, masked: bool = True) -> Planted:  # noqa: N802
    return Planted(id, fields, list(leaks), masked)


def known(secret: str) -> list[str]:
    return encoded_forms(secret)


PLANTED: list[Planted] = [
    # -- Telegram bot tokens
    P("telegram-bot-url-path", {"message": f"GET https://api.telegram.org/bot{TG_TOKEN_1}/getMe -> 200"},
      TG_TOKEN_1, TG_TOKEN_1.split(":")[1]),
    P("telegram-file-path", {"message": f"download https://api.telegram.org/file/bot{TG_TOKEN_2}/photos/file_7.jpg"},
      TG_TOKEN_2, TG_TOKEN_2.split(":")[1]),
    P("telegram-file-path-under-url-key", {"media": {"url": f"https://api.telegram.org/file/bot{TG_TOKEN_3}/voice/v.ogg"}},
      TG_TOKEN_3, TG_TOKEN_3.split(":")[1]),
    P("telegram-token-free-text", {"message": f"configured bot token {TG_TOKEN_2} for the adapter"},
      TG_TOKEN_2.split(":")[1]),
    # -- query strings, forms and key=value free text
    P("query-corpsecret", {"message": "GET https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=CorpS3cretValue9"},
      "CorpS3cretValue9"),
    P("form-client-secret", {"body": "grant_type=client_credentials&client_id=cli&client_secret=Cl1entSecretV4lue"},
      "Cl1entSecretV4lue"),
    P("query-refresh-token", {"message": "POST /oauth/token?refresh_token=rt-8f7e6d5c4b3a2910&grant_type=refresh_token"},
      "rt-8f7e6d5c4b3a2910"),
    P("query-access-token", {"ws": "ws://127.0.0.1:6700/onebot/v11/ws?access_token=AccessT0kenQuery77"},
      "AccessT0kenQuery77"),
    P("query-key", {"message": "https://maps.example/api?key=AIzaSyD-planted-key-value-0001&q=x"},
      "AIzaSyD-planted-key-value-0001", "planted-key-value-0001"),
    P("query-sign", {"message": "callback https://oapi.example/robot/send?timestamp=1700&sign=S1gnValueXyZ%2B%3D"},
      "S1gnValueXyZ"),
    P("query-signature", {"message": "https://h/cb?signature=abcdef0123456789abcd&nonce=1"}, "abcdef0123456789abcd"),
    P("free-text-key-value", {"message": "adapter config: app_secret=FreeTextApp5ecret verification_token=VerifT0ken88"},
      "FreeTextApp5ecret", "VerifT0ken88"),
    P("yaml-like-encoding-aes-key", {"log": "platform:\n  encoding_aes_key: Yml4esKey99887766\n  corp_id: ww1"},
      "Yml4esKey99887766"),
    P("python-repr-dict", {"message": "creating bot with {'app_id': 'a1', 'app_secret': 'ReprS3cret-abc123'}"},
      "ReprS3cret-abc123"),
    # -- credentials and headers
    P("jwt-free-text", {"message": f"session established, jwt={JWT_1[:10]}... full {JWT_1}"}, JWT_1, JWT_1.split(".")[2]),
    P("jwt-under-plain-key", {"note": JWT_2}, JWT_2),
    P("authorization-bearer-line", {"log": "> GET /api/v1/bots\n> Authorization: Bearer BeArEr-t0ken-12345.abc\n> Host: h"},
      "BeArEr-t0ken-12345.abc"),
    P("bearer-free-text", {"message": "retrying with Bearer Zm9vYmFyYmF6cXV4MTIz after 401"}, "Zm9vYmFyYmF6cXV4MTIz"),
    P("basic-auth", {"message": f"Authorization: Basic {BASIC_CRED}"}, BASIC_CRED, "basic-pw-77x"),
    P("token-scheme", {"message": "curl -H 'Authorization: token TokScheme0123456789' https://h"}, "TokScheme0123456789"),
    P("cookie-header", {"log": "Cookie: sessionid=Sess1onCookieV4l; csrftoken=CsrfT0kenV4l\nAccept: */*"},
      "Sess1onCookieV4l", "CsrfT0kenV4l"),
    P("set-cookie-header", {"log": "HTTP/1.1 200 OK\nSet-Cookie: auth=SetC00kieValue42; Path=/; HttpOnly\n"},
      "SetC00kieValue42"),
    P("x-api-key-header", {"log": "X-Api-Key: XApiKeyValue-5566"}, "XApiKeyValue-5566"),
    P("header-pairs", {"headers": [["Cookie", "sid=PairCookie778"], ["Content-Type", "text/plain"]]}, "PairCookie778"),
    # -- value shapes
    P("aes-key-free-text", {"message": f"EncodingAESKey set to {AES_1} for the callback"}, AES_1),
    P("aes-key-in-list", {"lines": ["callback config", f"key {AES_2}."]}, AES_2),
    P("slack-bot-token", {"message": f"slack client init with {SLACK_BOT}"}, SLACK_BOT, SLACK_BOT[5:]),
    P("slack-user-token", {"detail": {"note": f"user token={SLACK_USER};"}}, SLACK_USER),
    P("openai-key", {"message": f"provider error for key {OPENAI_KEY}: 401"}, OPENAI_KEY),
    P("userinfo-password", {"message": "connect https://admin:Us3rInfoPassw0rd@db.example/x"}, "Us3rInfoPassw0rd"),
    P("userinfo-password-under-url-key", {"url": "redis://default:R3disPassw0rd@127.0.0.1:6379/0"}, "R3disPassw0rd"),
    P("keylike-url-segment", {"message": "POST http://127.0.0.1:9/v1/robots/r1/Ak3yL1k3Val9e8x7z6/events"},
      "Ak3yL1k3Val9e8x7z6"),
    P("query-secret-under-url-key", {"image": {"url": "https://cdn.example/x.png?access_token=UrlKeyT0ken55"}},
      "UrlKeyT0ken55"),
    # -- common secret key names
    P("key-refresh-token", {"detail": {"refresh_token": "rt-KeyName-0001"}}, "rt-KeyName-0001"),
    P("key-client-secret", {"detail": {"client_secret": "cs-KeyName-0002"}}, "cs-KeyName-0002"),
    P("key-corpsecret", {"config": {"corpsecret": "corp-KeyName-0003", "corp_secret": "corp-KeyName-0003b"}},
      "corp-KeyName-0003"),
    P("key-encoding-aes-key", {"config": {"encoding_aes_key": "aes-KeyName-0004", "EncodingAESKey": "aes-KeyName-0004b"}},
      "aes-KeyName-0004"),
    P("key-x-api-key", {"headers": {"X-Api-Key": "xak-KeyName-0005", "authorization": "Bot auth-KeyName-0005b"}},
      "xak-KeyName-0005", "auth-KeyName-0005b"),
    P("key-cookie-set-cookie", {"headers": {"cookie": "a=ck-KeyName-0006", "set-cookie": "b=sck-KeyName-0006b"}},
      "ck-KeyName-0006", "sck-KeyName-0006b"),
    P("key-private-signing-webhook", {"config": {"private_key": "pk-KeyName-0007", "signing_secret": "ss-KeyName-0007b",
                                                 "webhook_secret": "wh-KeyName-0007c"}},
      "pk-KeyName-0007", "ss-KeyName-0007b", "wh-KeyName-0007c"),
    P("key-bot-verification-token", {"config": {"bot_token": "bt-KeyName-0008", "verification_token": "vt-KeyName-0008b",
                                                "app_secret": "as-KeyName-0008c", "aes_key": "ak-KeyName-0008d"}},
      "bt-KeyName-0008", "vt-KeyName-0008b", "as-KeyName-0008c", "ak-KeyName-0008d"),
    # -- containers and objects
    P("exception-text", {"error": ValueError(f"login failed: access_token={JWT_3[:40]}xyz")}, JWT_3[:40]),
    P("exception-known-secret", {"error": RuntimeError(f"auth rejected {KNOWN_PASSWORD}")}, *known(KNOWN_PASSWORD)),
    P("exception-in-list", {"errors": [KeyError("x"), OSError(f"connect ws://u:ExcPassw0rd1@h/ws failed")]}, "ExcPassw0rd1"),
    P("object-repr", {"session": _Secretive()}, JWT_2),
    P("tuple", {"args": ("send", f"Bearer TupleBearer0987654")}, "TupleBearer0987654"),
    P("set", {"tags": {"plain", f"refresh_token=SetRefresh0987"}}, "SetRefresh0987"),
    P("frozenset", {"tags": frozenset({SLACK_USER, "x"})}, SLACK_USER),
    P("dict-key-known-secret", {"by_token": {KNOWN_TOKEN: "bot-1"}}, *known(KNOWN_TOKEN)),
    P("dict-key-jwt", {"sessions": {JWT_1: {"user": "u1"}}}, JWT_1),
    P("dict-key-non-str", {"map": {("token", KNOWN_WEBHOOK): 1, 7: "seven"}}, *known(KNOWN_WEBHOOK)),
    P("json-object-in-string", {"raw": json.dumps({"action": "send", "params": {"token": "JsonStrT0ken-321"}})},
      "JsonStrT0ken-321"),
    P("json-array-in-string", {"raw": json.dumps([{"type": "auth", "password": "JsonArrPassw0rd"}, 1])}, "JsonArrPassw0rd"),
    P("deep-nested-key", {"a": [{"b": [{"c": [{"d": {"access_token": "DeepNestedT0ken-1"}}]}]}]}, "DeepNestedT0ken-1"),
    P("deep-nested-free-text", {"a": [[{"b": [{"text": f"see {JWT_3}"}]}]]}, JWT_3),
    P("bytes-utf8", {"frame": f"GET /ws?access_token=BytesT0ken-654 HTTP/1.1".encode()}, "BytesT0ken-654"),
    P("bytearray-known", {"frame": bytearray(f"secret is {KNOWN_SECRET}".encode())}, *known(KNOWN_SECRET)),
    P("bytes-not-utf8", {"frame": b"\xff\xfe" + b"access_token=BinT0ken-0001"}, "BinT0ken-0001", masked=False),
    # -- known values in every form
    P("known-plain", {"message": f"token is {KNOWN_TOKEN}."}, *known(KNOWN_TOKEN)),
    P("known-url-encoded", {"message": f"GET /cb?state={urllib.parse.quote(KNOWN_TOKEN, safe='')}&x=1"},
      *known(KNOWN_TOKEN)),
    P("known-quote-plus", {"body": f"state={urllib.parse.quote_plus(KNOWN_SECRET)}&x=1"}, *known(KNOWN_SECRET)),
    P("known-base64", {"message": f"blob {base64.b64encode(KNOWN_TOKEN.encode()).decode()} end"}, *known(KNOWN_TOKEN)),
    P("known-base64-urlsafe-nopad", {"message": base64.urlsafe_b64encode(KNOWN_SECRET.encode()).decode().rstrip("=")},
      *known(KNOWN_SECRET)),
    P("known-base64-inside-longer-blob", {"message": base64.b64encode(b"user:" + KNOWN_PASSWORD.encode()).decode()},
      *known(KNOWN_PASSWORD), base64.b64encode(b"user:" + KNOWN_PASSWORD.encode()).decode()[8:]),
    P("known-json-escaped", {"log": "sent " + json.dumps({"p": KNOWN_SECRET})[:-1] + " (truncated"}, *known(KNOWN_SECRET)),
    P("known-aes-free-text", {"message": f"aes {KNOWN_AES}"}, *known(KNOWN_AES)),
    P("known-under-id-key", {"event": {"message_id": KNOWN_WEBHOOK, "file_id": f"x{KNOWN_TOKEN}"}},
      *known(KNOWN_WEBHOOK), *known(KNOWN_TOKEN)),
    P("known-in-short-string-list", {"argv": ["--token", KNOWN_PASSWORD]}, *known(KNOWN_PASSWORD)),
]
assert len({p.id for p in PLANTED}) == len(PLANTED) >= 47


def _plain(value: Any) -> Any:
    """The pattern as plain JSON data with every secret still in it (for the report test)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return repr(value)


for _p in PLANTED:
    _p.text = json.dumps(_plain(_p.fields), ensure_ascii=False)


def _writer(sink) -> EvidenceWriter:
    return EvidenceWriter(sink, run_id=RUN_ID, framework="langbot", framework_version="4.11.2", producer="unit",
                          secrets=KNOWN)


def _assert_clean(text: str, planted: Planted, where: str) -> None:
    for leak in planted.leaks:
        assert leak not in text, f"{planted.id}: {leak!r} reached {where}: {text[:600]}"


@pytest.mark.parametrize("planted", PLANTED, ids=[p.id for p in PLANTED])
def test_planted_secret_never_reaches_evidence(planted: Planted, tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    w = _writer(FileSink(path))
    out = w.write("finding", adapter="onebot-v11", **planted.fields)
    w.close()
    assert out["record"] == "finding"  # written, not lost as a writer-error
    data = path.read_bytes()
    text = data.decode("utf-8")
    _assert_clean(text, planted, "the evidence file")
    for leak in planted.leaks:
        assert leak.encode() not in data
    (line,) = text.splitlines()
    assert json.loads(line)["record"] == "finding"
    if planted.masked:
        assert MASK_PREFIX in text, f"{planted.id}: nothing masked"

    sink = MemorySink()
    _writer(sink).write("finding", adapter="onebot-v11", **planted.fields)
    _assert_clean(json.dumps(sink.records, ensure_ascii=False), planted, "a MemorySink")
    _assert_clean(json.dumps(sink.records), planted, "a MemorySink (ASCII JSON)")


def test_at_least_47_distinct_patterns() -> None:
    assert len(PLANTED) >= 47
    assert len({leak for p in PLANTED for leak in p.leaks}) >= 47


# ---- counter-cases ----------------------------------------------------------------------------------------

PLATFORM_IDS = {
    "message_id": "AgACAgIAAxkBAAIBY2ZhZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0123456789",
    "file_id": "BQACAgIAAxkBAAMFZkXyZ0123456789abcdefABCDEF0123456789-_abcdefghij",
    "chat_id": "oABCDefghIJKLmnopQRSTuvwxYZ0123456789abcdef",  # 43 characters, like an AES key
    "user_id": "wmAbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    "group_id": "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
    "sender_id": "ou_7d8a6e6df7621556ce0d21922b676706ccs",
    "bot_uuid": "1d6e4a3e-0b8f-4f0c-9a62-3f5d2a1b7c9e",
    "id": "Ak3yL1k3Val9e8x7z6Ak3yL1k3Val9e8x7z6Abcde",
    "self_id": "1234567890123456789",
    "operator_id": "k9J8h7G6f5D4s3A2k9J8h7G6f5D4s3A2k9J8h7G6f5D",
    "echo": "call-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXwVuT",
    "call_id": "c_0123456789abcdefABCDEF0123456789",
    "file": "AgACAgIAAxkBAAIBY2ZhZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0123456789",
    "url": "http://127.0.0.1:8080/media/AgACAgIAAxkBAAIBY2ZhZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXo0123456789/photo.jpg",
    "messageId": "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXwVuT",
    "message_ids": ["Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBaZyXwVuT", "AgACAgIAAxkBAAIBY2ZhZGVmZ2hp0123456789"],
}


def test_platform_ids_are_not_masked() -> None:
    sink = MemorySink()
    _writer(sink).write("event", adapter="onebot-v11", capabilities=["event:message.received"],
                        event={**PLATFORM_IDS, "components": [{"type": "Image", **{k: PLATFORM_IDS[k] for k in ("file", "url")}},
                                                              {"type": "Source", "id": PLATFORM_IDS["id"]}]},
                        match={f"event.{k}": v for k, v in PLATFORM_IDS.items() if isinstance(v, str)})
    (rec,) = sink.records
    assert {k: rec["event"][k] for k in PLATFORM_IDS} == PLATFORM_IDS
    assert rec["event"]["components"][0]["url"] == PLATFORM_IDS["url"]
    assert rec["event"]["components"][1]["id"] == PLATFORM_IDS["id"]
    assert rec["match"] == {f"event.{k}": v for k, v in PLATFORM_IDS.items() if isinstance(v, str)}


ORDINARY = [
    "hello  world\nline2", "a|b <i>x</i> & y", "12:30 meeting; room=4", "see http://127.0.0.1:8080/media/cat.png",
    "ws://h/bots/1d6e4a3e-0b8f-4f0c-9a62-3f5d2a1b7c9e/onebot/v11/ws", "invalid token: expected three parts",
    "the token expired, Basic authentication required", "max_tokens=512 temperature=0.2", "event:message.received",
    "api:send_message returned {'status': 'ok', 'retcode': 0}", "acceptance:sweep", "keyboard monkey turkey",
    "2024-05-01T12:30:00.123Z", "http://127.0.0.1:9/v1/robots/r1/events?page=2&size=10", "user=bob&group=10001",
    "secret santa party", "Bearer", "the password field is required", "file_0.jpg", "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_is_untouched(text: str) -> None:
    r = Redactor(KNOWN, fingerprint_key=RUN_ID)
    assert r.text(text) == text
    assert r.value({"message": text, "n": 5, "ok": True, "none": None, "f": 1.5}) == {
        "message": text, "n": 5, "ok": True, "none": None, "f": 1.5}


def test_ordinary_records_are_untouched() -> None:
    value = {"text": "hello  world\nline2", "url": "http://127.0.0.1:8080/media/cat.png",
             "bot_uuid": "1d6e4a3e-0b8f-4f0c-9a62-3f5d2a1b7c9e", "max_tokens": 5, "total_tokens": 120,
             "token_type": "bearer", "tokens_used": 9, "has_token": True, "password": "", "token": None,
             "components": [{"type": "Plain", "text": "hi"}, {"type": "Face", "id": "14"}]}
    assert redact(value) == value


def test_equal_secrets_get_equal_masks_and_different_ones_differ() -> None:
    r = Redactor(KNOWN, fingerprint_key=RUN_ID)
    once = r.text(f"a {KNOWN_TOKEN}")
    assert once == r.text(f"a {KNOWN_TOKEN}")
    # the same secret masks the same in every form and through every rule
    out = r.value({"token": KNOWN_TOKEN, "message": f"x {urllib.parse.quote(KNOWN_TOKEN, safe='')} "
                                                  f"{base64.b64encode(KNOWN_TOKEN.encode()).decode()}"})
    mask = out["token"]
    assert is_masked(mask) and mask != MASK and out["message"] == f"x {mask} {mask}" and once == f"a {mask}"
    # the probe's writer and the harness's writer (same run id) agree; another run's key differs
    s1, s2, s3 = MemorySink(), MemorySink(), MemorySink()
    EvidenceWriter(s1, run_id=RUN_ID, secrets=KNOWN).write("finding", adapter="a", message=KNOWN_SECRET)
    EvidenceWriter(s2, run_id=RUN_ID, producer="probe", secrets=KNOWN).write("finding", adapter="a", message=KNOWN_SECRET)
    assert s1.records[0]["message"] == s2.records[0]["message"] and is_masked(s1.records[0]["message"])
    masks = {Redactor(fingerprint_key=RUN_ID).mask(s) for s in (*KNOWN, "s1-abcdef", "s2-abcdef", "s3-abcdef")}
    assert len(masks) == len(KNOWN) + 3
    others = [Redactor(fingerprint_key=f"run-{i}").mask(KNOWN_TOKEN) for i in range(6)]
    assert len(set(others)) > 1
    EvidenceWriter(s3, run_id="another-run", secrets=KNOWN).write("finding", adapter="a", message=KNOWN_SECRET)
    assert is_masked(s3.records[0]["message"])


def test_masks_and_helpers() -> None:
    assert MASK == MASK_PREFIX == "***"
    assert is_masked("***") and is_masked("***#0a9f") and not is_masked("x ***#0a9f") and not is_masked("***#xyz1")
    assert not is_masked(None)
    for name in ("refresh_token", "access_token", "client_secret", "corpsecret", "corp_secret", "app_secret",
                 "encoding_aes_key", "EncodingAESKey", "aes_key", "cookie", "set-cookie", "Set-Cookie", "x-api-key",
                 "X-Api-Key", "authorization", "private_key", "signing_secret", "verification_token", "bot_token",
                 "webhook_secret", "password", "passwd", "appKey", "api_key", "jwt", "sign"):
        assert is_secret_key(name), name
    for name in ("token_type", "max_tokens", "tokens_used", "token_count", "has_token", "prompt_tokens",
                 "message_id", "file_id", "key", "monkey", "signal", "design", "text"):
        assert not is_secret_key(name), name
    r = Redactor(["short", "abcdef"])
    assert r.known == ["abcdef"]  # shorter than 6: would mask ordinary words
    r.add_known("zyxwvu-123", 5, None, "abc")
    assert r.known == ["zyxwvu-123", "abcdef"] and isinstance(r.known, list)
    assert r.text("x short abcdef") .startswith("x short ***#")


def test_value_returns_plain_json_data() -> None:
    class Color:
        def __repr__(self) -> str:
            return "Color(red)"

    r = Redactor(KNOWN, fingerprint_key=RUN_ID)
    out = r.value({"t": (1, 2.5, "x"), "s": {3}, "fs": frozenset({"b", "a"}), 2: "two", None: "n", True: "y",
                   "b": b"hello", "bad": b"\xff\x00", "ba": bytearray(b"ok"), "o": Color(), "big": 2**70,
                   "nan": float("nan"), "e": ValueError("boom"), "nested": [{"k": (None, False)}]})
    json.dumps(out)  # plain JSON data (NaN aside: the writer's serializer owns it)
    assert out["t"] == [1, 2.5, "x"] and out["s"] == [3] and out["fs"] == ["a", "b"]
    assert out["2"] == "two" and out["null"] == "n" and out["true"] == "y"
    assert out["b"] == "hello" and out["bad"] == "<2 bytes>" and out["ba"] == "ok"
    assert out["o"] == "Color(red)" and out["big"] == 2**70 and out["e"] == "ValueError: boom"
    assert out["nested"] == [{"k": [None, False]}]
    assert out["nan"] != out["nan"]


def test_json_in_string_keeps_ids_and_stays_json() -> None:
    r = Redactor(KNOWN, fingerprint_key=RUN_ID)
    frame = json.dumps({"action": "send_msg", "params": {"message_id": PLATFORM_IDS["message_id"], "access_token": "abc123456"},
                        "echo": PLATFORM_IDS["echo"]})
    out = json.loads(r.text(frame))
    assert out["params"]["message_id"] == PLATFORM_IDS["message_id"] and out["echo"] == PLATFORM_IDS["echo"]
    assert is_masked(out["params"]["access_token"])
    untouched = json.dumps({"a": [1, 2], "b": "hello"}, indent=2)
    assert r.text(untouched) == untouched  # nothing to mask: the original text, formatting and all


def test_cyclic_value_raises_for_the_writer_to_record() -> None:
    cyc: list = ["x"]
    cyc.append(cyc)
    with pytest.raises(ValueError):
        Redactor().value(cyc)


def test_importable_as_a_plain_module(tmp_path: Path) -> None:
    src = Path(__file__).resolve().parents[2] / "harness" / "evidence" / "redact.py"
    (tmp_path / "redact.py").write_text(src.read_text("utf-8"), "utf-8")
    spec = importlib.util.spec_from_file_location("redact", tmp_path / "redact.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    r = mod.Redactor([KNOWN_TOKEN], fingerprint_key=RUN_ID)
    assert r.text(KNOWN_TOKEN) == Redactor([KNOWN_TOKEN], fingerprint_key=RUN_ID).text(KNOWN_TOKEN)
    assert mod.is_masked(r.value({"token": "x"})["token"])


_SAFE = st.text(st.characters(codec="ascii", exclude_characters="*#", exclude_categories=("Cc",)), max_size=40)
_SECRET = st.builds(lambda head, tail: head + tail, st.sampled_from("ABCDEFGHKMNPQRSTUVWXYZ"),
                    st.text(st.sampled_from("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_/+=.:@ "),
                            min_size=5, max_size=40))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=_SECRET, prefix=_SAFE, suffix=_SAFE, form=st.integers(0, 20))
def test_known_secret_never_survives_in_any_form(secret: str, prefix: str, suffix: str, form: int) -> None:
    forms = encoded_forms(secret)
    planted = forms[form % len(forms)]
    r = Redactor([secret], fingerprint_key=RUN_ID)
    out = r.text(prefix + planted + suffix)
    assert planted not in out
    assert secret not in json.dumps(r.value({"message": prefix + planted + suffix, "k": [prefix, planted]}))


# ---- reports ----------------------------------------------------------------------------------------------

def test_reports_never_carry_a_planted_secret(tmp_path: Path) -> None:
    from harness.levels import Level, Status
    from harness.report import write_reports
    from harness.verdicts import AdapterResult, CheckResult, Verdict

    ev = tmp_path / "evidence" / "raw.jsonl"
    ev.parent.mkdir(parents=True)
    # an evidence line written by a writer that did not know (or redact) anything: the report must
    every = "\n".join(p.text for p in PLANTED)
    ev.write_text(json.dumps({"record": "finding", "adapter": "onebot-v11", "message": every}) + "\n"
                  + every.replace("\n", " ") + "\n", "utf-8")
    refs = [f"{ev}:1", f"{ev}:2"]
    verdicts = [
        Verdict("event", "message.received", True, Level.PROTOCOL, Status.PARTIAL, every, refs,
                {p.id: _plain(p.fields) for p in PLANTED}),
        *[Verdict("api", f"planted_{i}", True, Level.OUTBOUND, Status.FAILED, p.text, refs[:1], {"why": p.text})
          for i, p in enumerate(PLANTED)],
    ]
    adapter = AdapterResult(adapter="onebot-v11", framework="langbot", framework_version="4.11.2", run_ids=[RUN_ID],
                            status=Status.PARTIAL, status_reason=every, verdicts=verdicts,
                            findings=[(refs[0], p.text) for p in PLANTED] + [(refs[1], every)],
                            evidence_files=[str(ev)], logs={p.id: p.text for p in PLANTED} | {"all.log": every})
    result = CheckResult([adapter], problems=[every])
    folder = write_reports(result, tmp_path, "run", redactor=Redactor(KNOWN, fingerprint_key=RUN_ID))
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) >= 6
    for path in files:
        text = path.read_text("utf-8")
        for planted in PLANTED:
            for leak in planted.leaks:
                assert leak not in text and html.escape(leak) not in text, f"{planted.id}: {leak!r} in {path.name}"
    assert MASK_PREFIX in (folder / "onebot-v11.md").read_text("utf-8")
