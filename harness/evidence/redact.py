"""Secret redaction for evidence, reports, attached logs and printed output.

Standard library only: this module is also copied into the probe plugins, which run inside the
framework's own interpreter where the harness is not installed (importable as ``harness.evidence.redact``
and as a plain module ``redact``).

A mask is ``***#ab12``: :data:`MASK_PREFIX` and 4 hex characters of an HMAC-SHA256 of the secret,
keyed by the redactor's ``fingerprint_key`` (the run id, so the probe's and the harness's writers
mask one value identically), so equal secrets stay comparable and different ones usually differ.

What is masked:

1. **known values** (every configured token, secret and key of the run, at least 6 characters)
   anywhere inside any string, plain and in their URL-encoded, base64 (standard and urlsafe, with and
   without padding, at any alignment inside a longer base64 text), hex, JSON-escaped and HTML-escaped
   forms;
2. **values under secret-like keys** (``token``, ``secret``, ``password``, ``app_key``, ``aes_key``,
   ``cookie``, ``authorization``, ...; see :func:`is_secret_key`), in dicts and as ``name=value`` /
   ``name: value`` / ``"name": "value"`` inside text (query strings, forms, headers, reprs, logs);
3. **value shapes in free text**: JWTs, ``Bearer``/``Basic``/``token`` credentials, bot tokens
   (``<id>:<35 chars>``, also in ``/bot<token>/`` URL paths), ``xox*`` workspace tokens, OpenAI, GitHub, AWS and Google keys, 43-character
   AES keys, ``Cookie:``/``Set-Cookie:``/``Authorization:`` header values, URL userinfo passwords and
   key-like URL path segments (``/v1/robots/<id>/<app_key>/events``).

Values under id-like keys (``message_id``, ``file_id``, ``chat_id``, ``*_id``, ``id``, ``echo``,
``file``, ``url``, ...) are compared by the checker and look like keys, so under them only known
values are masked, plus a URL's userinfo, secret query parameters and bot-token path.

:meth:`Redactor.value` walks dicts (values and keys), lists, tuples, sets, bytes, JSON documents inside
strings, exceptions and any other object, and returns plain JSON data.
"""

from __future__ import annotations

import base64
import datetime as _dt
import enum
import hashlib
import hmac
import html
import json
import re
import urllib.parse
import uuid
from typing import Any, Iterable

MASK_PREFIX = "***"
#: Kept for callers that only need to know what a mask starts with.
MASK = MASK_PREFIX
DEFAULT_FINGERPRINT_KEY = "adapter-acceptance:redact:v1"
#: Known values shorter than this would mask ordinary words; the key rule covers them.
MIN_KNOWN = 6
#: Deeper nesting (or a circular reference) raises ValueError; the evidence writer records the loss.
_MAX_DEPTH = 200

_MASK_FULL = re.compile(r"\*\*\*(?:#[0-9a-f]{4})?")


def is_masked(text: Any) -> bool:
    """True when ``text`` is exactly one mask (``***`` or ``***#ab12``)."""
    return isinstance(text, str) and _MASK_FULL.fullmatch(text) is not None


def has_mask(text: Any) -> bool:
    """True when ``text`` contains a mask somewhere."""
    return isinstance(text, str) and MASK_PREFIX in text


# ---------------------------------------------------------------------------------------------
# key names

# Matched against the lower-cased key with "-" turned into "_" (``X-Api-Key`` -> ``x_api_key``).
_SECRET_KEY = re.compile(
    r"token|secret|passw(?:or)?d|passphrase|^pwd$|_pwd$|app_?key|aes_?key|encoding_?aes|api_?key|"
    r"access_?key|private_?key|signing_?key|session_?key|authorization|credential|signature|cookie|jwt|"
    r"^auth$|^sign$|^x_auth"
)
# Keys that contain a secret-like word but hold no secret.
_NOT_SECRET_KEY = re.compile(
    r"^(?:token_type|tokens?_(?:used|count|limit|usage|total)|"
    r"(?:max|min|prompt|completion|total|input|output|reasoning|cached|context|num|n)_tokens?(?:_\w+)?|"
    r"has_\w+|is_\w+|redacted_\w*|\w+_(?:len|length|count|expires|expires_in|expires_at|expiry|ttl))$"
)
# Query/form parameter names that are secret only as ``?name=value`` (as dict keys they are too generic).
_QUERY_ONLY = frozenset({"key", "sign", "sig", "code", "auth", "ticket", "pwd", "pass"})
# Keys whose values the checker compares (ids, echo, media references): shape rules never apply there.
_ID_KEY = re.compile(
    r"^(?:id|ids|uid|uuid|guid|echo|file|url|src|path|file_path|openid|unionid|userid|chatid|msgid|roomid|"
    r".*_ids?|.*_uuids?|.*[a-z0-9]Ids?|ID|.*[a-z0-9_]ID)$"
)

_PLAIN, _SECRET, _IDKEY = 0, 1, 2
_KEY_KIND: dict[str, int] = {}


def is_secret_key(key: str) -> bool:
    """Whether a field named ``key`` holds a secret (``token``, ``corpsecret``, ``X-Api-Key``, ...)."""
    norm = str(key).lower().replace("-", "_")
    return bool(_SECRET_KEY.search(norm)) and not _NOT_SECRET_KEY.match(norm)


def is_id_key(key: str) -> bool:
    """Whether a field named ``key`` holds an id the checker compares (never masked by shape)."""
    return bool(_ID_KEY.match(str(key).rpartition(".")[2])) and not is_secret_key(key)


def _key_kind(key: str) -> int:
    kind = _KEY_KIND.get(key)
    if kind is None:
        # ``event.message_id`` (an inject's match field) is an id like ``message_id``
        kind = _SECRET if is_secret_key(key) else _IDKEY if _ID_KEY.match(key.rpartition(".")[2]) else _PLAIN
        if len(_KEY_KIND) > 8192:
            _KEY_KIND.clear()
        _KEY_KIND[key] = kind
    return kind


# ---------------------------------------------------------------------------------------------
# text rules (precompiled; each guarded by a cheap substring check in Redactor._shapes)

_NAME_CH = r"A-Za-z0-9_.\-"
# ``Authorization: Bearer x`` / ``Cookie: a=b; c=d`` / ``Set-Cookie: ...``: the rest of the value is masked.
_HEADER = re.compile(
    r"(?i)(?<![A-Za-z0-9_\-])((?:proxy-)?authorization|(?:set-)?cookies?|x-api-key|x-auth-token|api-key)"
    r"(\\*[\"']?[ \t]*[:=][ \t]*\\*[\"']?|\\*[\"'][ \t]*,[ \t]*\\*[\"'])(?!\*\*\*)([^\r\n\"'&\\]+)"
)
# Token-valued headers (``X-Api-Key: k``) take one word, and only one that looks like a credential (a digit
# in 8 or more characters): "api-key: refused with HTTP 400" names a kind of credential, it holds none.
_TOKEN_HEADERS = ("x-api-key", "x-auth-token", "api-key")
_CREDENTIAL_WORD = re.compile(r"(?=[^\s]*\d)[^\s\r\n\"'&\\;,()]{8,}")
_AUTH_SCHEME = re.compile(
    r"(?i)^((?:bearer|basic|bot|token|digest|negotiate|ntlm|hmac[\w-]*|aws4-hmac-sha256|sharedkey|apikey|key)[ \t]+)"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^/\s:@?#\"'<>]*:)(?!\*\*\*)([^/\s?#\"'<>]+)(@)")
_USERTOKEN = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)(?=[^/\s:@?#\"'<>]*\d)([A-Za-z0-9_\-]{16,})(@)")
_BOT_TOKEN = re.compile(r"(?<![A-Za-z0-9_:\-])(bot)?(\d{5,12}:[A-Za-z0-9_\-]{35})(?![A-Za-z0-9_\-])")
_TOKENS = re.compile(
    r"(?<![A-Za-z0-9_\-])(?:"
    r"eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}(?:\.[A-Za-z0-9_\-]*){0,3}"  # JWT / JWE
    r"|xox[abposre]-[A-Za-z0-9\-]{8,}|xapp-\d-[A-Za-z0-9\-]{8,}"  # workspace tokens
    r"|sk-(?:proj-|ant-)?[A-Za-z0-9_\-]{20,}"  # OpenAI / Anthropic
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|glpat-[A-Za-z0-9_\-]{20,}"  # GitHub, GitLab
    r"|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_\-]{35}"  # AWS, Google
    r")"
)
_SECRET_WORD = (
    r"(?:token|secret|passw(?:or)?d|passphrase|pwd|pass|app[_\-]?key|appkey|aes[_\-]?key|encoding[_\-]?aes|"
    r"api[_\-]?key|apikey|access[_\-]?key|private[_\-]?key|signing[_\-]?key|session[_\-]?key|authorization|"
    r"credential|signature|cookie|jwt|ticket|auth|sign|sig|key|code)"
)
# Where a secret name may be, searched in the lower-cased text (a case-sensitive scan is many times faster).
_KV_HINT = re.compile(r"token|secret|pass|pwd|key|auth|credential|sig|cookie|jwt|ticket|code|encoding")
_NAME_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# ``name=value``, ``name: value``, ``"name": "value"``, ``'name': 'value'``, ``name='value'`` for secret names.
_KV = re.compile(
    r"(?i)(?<![" + _NAME_CH + r"])(?P<q1>(?:\\{1,3})?[\"']|)(?P<name>[" + _NAME_CH + r"]{0,48}?" + _SECRET_WORD + r"[" + _NAME_CH + r"]{0,48})"
    r"(?P=q1)[ \t]*(?P<sep>[:=])[ \t]*"
    r"(?:(?P<q>(?:\\{1,3})?[\"'])(?P<qv>(?:(?!(?P=q))(?:\\.|[^\\\r\n]))*)(?P=q)"
    r"|(?P<v>(?!\*\*\*)[^\s&#\"',;<>(){}\[\]\\]+))"
)
# ``("password", "x")`` / ``["token", "x"]``: a quoted (name, value) pair inside text (header lists, reprs).
_PAIR = re.compile(
    r"(?i)(?P<q1>(?:\\{1,3})?[\"'])(?P<name>[" + _NAME_CH + r"]{0,48}?" + _SECRET_WORD + r"[" + _NAME_CH + r"]{0,48})(?P=q1)"
    r"[ \t]*,[ \t]*(?P<q>(?:\\{1,3})?[\"'])(?!\*\*\*)(?P<qv>(?:(?!(?P=q))(?:\\.|[^\\\r\n]))+)(?P=q)"
)
_ORDINARY_WORD = re.compile(r"[A-Z]?[a-z]+")
_CRED = re.compile(r"(?i)(?<![A-Za-z0-9_\-])(bearer|basic|token)([ \t]+)(?!\*\*\*)([A-Za-z0-9._~+/=\-]{6,})")
_AES43 = re.compile(
    r"(?<![A-Za-z0-9_+/=\-])(?=[A-Za-z0-9]{0,42}\d)(?=[A-Za-z0-9]{0,42}[A-Za-z])[A-Za-z0-9]{43}=?(?![A-Za-z0-9_+/=\-])"
)
_URL = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*)://[^\s\"'<>]+")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_PATH_END = re.compile(r"\?|(?<!\*\*\*)#")  # a mask's own "#" does not start a fragment
_KEYLIKE_SCHEMES = frozenset({"http", "https", "ws", "wss"})
_KEYLIKE_SEGMENT = re.compile(r"^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_\-]{16,}$")


def _keylike_segment(seg: str) -> bool:
    return len(seg) >= 16 and bool(_KEYLIKE_SEGMENT.match(seg)) and not _UUID.match(seg)


# ---------------------------------------------------------------------------------------------
# known values


def secret_forms(secret: str) -> set[str]:
    """Every form of ``secret`` the redactor masks: plain, URL-encoded, base64, hex, JSON/HTML-escaped."""
    out = {secret}
    quoted = {urllib.parse.quote(secret, safe=""), urllib.parse.quote_plus(secret), urllib.parse.quote(secret)}
    for q in list(quoted):
        quoted.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), q))
    out |= quoted
    js = json.dumps(secret)[1:-1]
    out |= {js, json.dumps(secret, ensure_ascii=False)[1:-1], js.replace("/", "\\/"), json.dumps(js)[1:-1]}
    out |= {html.escape(secret), html.escape(secret, quote=False)}
    raw = secret.encode("utf-8", "surrogatepass")
    out |= {raw.hex(), raw.hex().upper()}
    for enc in (base64.b64encode, base64.urlsafe_b64encode):
        full = enc(raw).decode("ascii")
        out |= {full, full.rstrip("=")}
        # The same bytes at another alignment inside a longer base64 text (``Basic`` credentials,
        # ``user:secret`` blobs): only the characters that depend on the secret's bytes alone.
        for k in (0, 1, 2):
            enc_k = enc(b"\0" * k + raw).decode("ascii").rstrip("=")
            body = enc_k[(k * 8 + 5) // 6:]
            if (k + len(raw)) % 3:
                body = body[:-1]
            if len(body) >= 8:
                out.add(body)
    return {f for f in out if len(f) >= MIN_KNOWN}


def _trie_pattern(words: Iterable[str]) -> str:
    """One regex for a set of literals, factored by common prefixes, preferring the longest match."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = None

    def pattern(node: dict) -> str:
        alts = []
        for ch in sorted(k for k in node if k):
            chain, child = ch, node[ch]
            while len(child) == 1 and "" not in child:
                (nxt, child), = child.items()
                chain += nxt
            alts.append(re.escape(chain) + pattern(child))
        if not alts:
            return ""
        if len(alts) == 1:
            return f"(?:{alts[0]})?" if "" in node else alts[0]
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return pattern(root)


# ---------------------------------------------------------------------------------------------


class Redactor:
    """Redacts secrets from strings and JSON-like values. ``known`` are exact secret values to mask anywhere."""

    def __init__(self, known: Iterable[str] = (), *, fingerprint_key: str = "") -> None:
        self._fp_key = (fingerprint_key or DEFAULT_FINGERPRINT_KEY).encode("utf-8", "surrogatepass")
        self._masks: dict[str, str] = {}
        self._keys: dict[str, str] = {}  # dict key -> its redacted form (keys repeat in every record)
        # Longest first so that a secret containing another is masked whole; very short values
        # would mask ordinary words, so they are left to the key-based rule.
        self.known: list[str] = []
        self._known_re: re.Pattern | None = None
        self._owner: dict[str, str] = {}
        self._dirty = False
        self.add_known(*known)

    # ---- configuration ----

    def add_known(self, *values: str) -> None:
        new = {v for v in values if isinstance(v, str) and len(v) >= MIN_KNOWN} - set(self.known)
        if new:
            self.known = sorted({*self.known, *new}, key=lambda s: (-len(s), s))
            self._dirty = True
            self._keys = {}

    def _compile_known(self) -> None:
        owner: dict[str, str] = {}
        for secret in reversed(self.known):  # longer secrets win a shared form
            for form in secret_forms(secret):
                owner[form] = secret
        self._owner = owner
        self._known_re = re.compile(_trie_pattern(owner)) if owner else None
        self._dirty = False

    def mask(self, secret: Any) -> str:
        """The mask of one secret value: ``***#`` and 4 hex characters of its keyed HMAC."""
        text = secret if isinstance(secret, str) else repr(secret)
        m = self._masks.get(text)
        if m is None:
            digest = hmac.new(self._fp_key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
            m = f"{MASK_PREFIX}#{digest[:4]}"
            if len(self._masks) > 4096:
                self._masks.clear()
            self._masks[text] = m
        return m

    # ---- strings ----

    def text(self, value: str) -> str:
        """Redact one string (free text: every rule applies; a JSON document in it is walked)."""
        if not isinstance(value, str):
            return self.value(value)
        return self._str(value, False, 0)

    def _known_sub(self, s: str) -> str:
        if self._dirty:
            self._compile_known()
        if self._known_re is not None:
            return self._known_re.sub(lambda m: self.mask(self._owner.get(m.group(0), m.group(0))), s)
        return s

    def _str(self, s: str, idmode: bool, depth: int) -> str:
        if type(s) is not str:
            s = str.__str__(s)
        if len(s) < MIN_KNOWN:
            return s
        s = self._known_sub(s)
        if idmode:
            return self._url_rules(s) if "://" in s else s
        head = s[:1]
        if head in "{[" or head.isspace():
            stripped = s.strip()
            if stripped[:1] in "{[" and stripped[-1:] in "}]" and depth < _MAX_DEPTH:
                try:
                    parsed = json.loads(stripped)
                    red = self._v(parsed, None, False, depth + 1) if isinstance(parsed, (dict, list)) else None
                except (ValueError, RecursionError):  # not JSON, or nested too deep: treat it as text
                    parsed = red = None
                if red is not None:
                    return s if red == parsed else json.dumps(red, ensure_ascii=False)
        return self._shapes(s)

    def _url_rules(self, s: str) -> str:
        """What applies to URLs even under id-like keys: userinfo, secret query parameters, bot-token paths."""
        s = _USERINFO.sub(lambda m: m.group(1) + self.mask(m.group(2)) + m.group(3), s)
        if ":" in s:
            s = _BOT_TOKEN.sub(self._r_bot_token, s)
        if "=" in s:
            s = self._kv(s)
        return s

    def _shapes(self, s: str) -> str:
        has_colon = ":" in s
        has_eq = "=" in s
        low = s.lower() if (has_colon or has_eq or " " in s) else ""
        if has_colon or has_eq:
            if "authorization" in low or "cookie" in low or "api-key" in low or "auth-token" in low:
                s = _HEADER.sub(self._r_header, s)
            if "://" in s:
                s = _USERINFO.sub(lambda m: m.group(1) + self.mask(m.group(2)) + m.group(3), s)
                s = _USERTOKEN.sub(lambda m: m.group(1) + self.mask(m.group(2)) + m.group(3), s)
        if has_colon and len(s) >= 40:
            s = _BOT_TOKEN.sub(self._r_bot_token, s)
        if "eyJ" in s or "xox" in s or "-" in s or "_" in s or "AKIA" in s or "AIza" in s:
            s = _TOKENS.sub(lambda m: self.mask(m.group(0)), s)
        if has_colon or has_eq:
            s = self._kv(s)
        if ("\"," in s or "'," in s) and _KV_HINT.search(s.lower()):
            s = _PAIR.sub(self._r_pair, s)
        if "://" in s:
            s = _URL.sub(self._r_url, s)
        if low and ("bearer" in low or "basic" in low or "token" in low):
            s = _CRED.sub(self._r_cred, s)
        if len(s) >= 43:
            s = _AES43.sub(lambda m: self.mask(m.group(0)), s)
        return s

    def _kv(self, s: str) -> str:
        """Mask the values of ``name=value`` / ``name: value`` pairs with secret names (see ``_KV``).

        The full pattern is tried only where the lower-cased text has a secret-ish word, at the start of
        the name around it: one case-sensitive scan instead of a case-insensitive regex at every position."""
        low = s.lower()
        if len(low) != len(s):  # a character whose lower case is longer: positions would not line up
            return _KV.sub(self._r_kv, s)
        out: list[str] = []
        pos = 0
        for hint in _KV_HINT.finditer(low):
            j = hint.start()
            if j < pos:
                continue
            floor = max(0, j - 49)
            while j > floor and s[j - 1] in _NAME_SET:
                j -= 1
            if j == floor and j > 0 and s[j - 1] in _NAME_SET:
                continue  # inside a long run of name characters (a blob, an id): no name starts there
            starts = [j]
            k = j
            if k > 0 and s[k - 1] in "\"'":
                k -= 1
                while k > 0 and s[k - 1] == "\\" and j - k < 4:
                    k -= 1
                starts.insert(0, k)
            for start in starts:
                m = _KV.match(s, start) if start >= pos else None
                if m is not None:
                    out.append(s[pos:start])
                    out.append(self._r_kv(m))
                    pos = m.end()
                    break
        if not out:
            return s
        out.append(s[pos:])
        return "".join(out)

    def _r_header(self, m: re.Match) -> str:
        rest = m.group(3)
        if m.group(1).lower() in _TOKEN_HEADERS:
            word = _CREDENTIAL_WORD.match(rest)
            if word is None:
                return m.group(0)
            return m.group(1) + m.group(2) + self.mask(word.group(0)) + rest[word.end():]
        body = rest.rstrip()
        trail = rest[len(body):]
        keep = ""
        if m.group(1).lower().endswith("authorization") or m.group(1).lower() == "x-auth-token":
            scheme = _AUTH_SCHEME.match(body)
            if scheme and len(body) > scheme.end():
                keep, body = scheme.group(1), body[scheme.end():]
        if not body or body.startswith(MASK_PREFIX):
            return m.group(0)
        return m.group(1) + m.group(2) + keep + self.mask(body) + trail

    def _r_bot_token(self, m: re.Match) -> str:
        return (m.group(1) or "") + self.mask(m.group(2))

    def _r_kv(self, m: re.Match) -> str:
        name, sep = m.group("name"), m.group("sep")
        quoted = m.group("q") is not None
        value = m.group("qv") if quoted else m.group("v")
        secret = is_secret_key(name)
        if not secret and name.lower() in _QUERY_ONLY and sep == "=":
            start = m.start()
            # in a query string or form body: ``?key=...``, ``&sign=...``, a body ``code=...&state=...``
            secret = m.string[start - 1] in "?&;#" if start else "&" in m.string
        if not secret or not value or value.startswith(MASK_PREFIX) or value.lower() in ("none", "null", "true", "false"):
            if value and not quoted and ("=" in value or ":" in value):
                # Not masked as a whole (``token_url=https://h/?token=x``): look inside.
                return m.group(0)[: m.start("v") - m.start()] + self._kv(value)
            return m.group(0)
        if sep == ":" and not quoted and len(value) < 16 and _ORDINARY_WORD.fullmatch(value):
            return m.group(0)  # prose: "invalid token: expected three parts"
        fp = urllib.parse.unquote(value) if "%" in value else value
        start = m.start("qv") if quoted else m.start("v")
        end = m.end("qv") if quoted else m.end("v")
        whole = m.group(0)
        return whole[: start - m.start()] + self.mask(fp) + whole[end - m.start():]

    def _r_pair(self, m: re.Match) -> str:
        if not is_secret_key(m.group("name")):
            return m.group(0)
        whole, start = m.group(0), m.start()
        return whole[: m.start("qv") - start] + self.mask(m.group("qv")) + whole[m.end("qv") - start:]

    def _r_cred(self, m: re.Match) -> str:
        cred = m.group(3)
        if _ORDINARY_WORD.fullmatch(cred):
            return m.group(0)  # "token expired", "Basic authentication"
        return m.group(1) + m.group(2) + self.mask(cred)

    def _r_url(self, m: re.Match) -> str:
        url = m.group(0)
        if m.group(1).lower() not in _KEYLIKE_SCHEMES:  # base64://, data:, file:// ... are no API URLs
            return url
        scheme_host, _, rest = url.partition("://")
        host, slash, path = rest.partition("/")
        if not slash:
            return url
        stop = _PATH_END.search(path)
        cut = stop.start() if stop else len(path)
        path_part, tail = path[:cut], path[cut:]
        segments = path_part.split("/")
        if not any(_keylike_segment(seg) for seg in segments):
            return url
        masked = [self.mask(seg) if _keylike_segment(seg) else seg for seg in segments]
        return f"{scheme_host}://{host}/{'/'.join(masked)}{tail}"

    # ---- values ----

    def value(self, value: Any, key: str | None = None) -> Any:
        """Redact ``value`` (sitting under ``key``, if given) and return it as plain JSON data."""
        return self._v(value, None if key is None else str(key), False, 0)

    def _mask_whole(self, value: Any) -> str:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return self.mask(bytes(value).decode("utf-8", "replace"))
        try:
            return self.mask(json.dumps(value, sort_keys=True, default=repr))
        except (TypeError, ValueError):
            return self.mask(repr(value))

    def _v(self, value: Any, key: str | None, idmode: bool, depth: int) -> Any:
        if key is not None:
            kind = _key_kind(key)
            if kind == _SECRET:
                if value is None or isinstance(value, bool) or (
                        isinstance(value, (str, bytes, list, dict, tuple, set, frozenset)) and len(value) == 0):
                    return self._v(value, None, False, depth)  # nothing to hide (an empty str, list, ...)
                return self._mask_whole(value)
            idmode = kind == _IDKEY
        t = type(value)
        if t is str:
            return self._str(value, idmode, depth)
        if value is None or t is int or t is float or t is bool:
            return value
        if depth >= _MAX_DEPTH:
            raise ValueError(f"value nested more than {_MAX_DEPTH} levels deep (or a circular reference)")
        if t is dict:
            return self._dict(value, depth)
        if t is list or t is tuple:
            return self._seq(value, idmode, depth)
        if isinstance(value, enum.Enum):
            return self._v(value.value, None, idmode, depth + 1)
        if isinstance(value, str):
            return self._str(str.__str__(value), idmode, depth)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, dict):
            return self._dict(value, depth)
        if isinstance(value, (list, tuple)):
            return self._seq(value, idmode, depth)
        if isinstance(value, (set, frozenset)):
            items = [self._v(v, None, idmode, depth + 1) for v in value]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
        if isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
            try:
                decoded = raw.decode("utf-8")
            except UnicodeDecodeError:
                return f"<{len(raw)} bytes>"
            return self._str(decoded, idmode, depth)
        if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
            return value.isoformat()
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, BaseException):
            try:
                text = f"{type(value).__name__}: {value}" if str(value) else repr(value)
            except Exception:  # noqa: BLE001 - a broken __str__ must not break redaction
                text = f"<{type(value).__name__}>"
            return self._str(text, False, depth)
        # Any other object: its repr, redacted. A repr that raises propagates: the evidence writer
        # turns the record into a writer-error instead of silently writing something else.
        return self._str(repr(value), False, depth)

    def _dict(self, value: dict, depth: int) -> dict:
        out: dict[str, Any] = {}
        for k, v in value.items():
            if type(k) is str:
                name = k
            elif k is None or isinstance(k, bool):
                name = json.dumps(k)
            elif isinstance(k, enum.Enum):
                name = str(k.value)
            elif isinstance(k, (bytes, bytearray)):
                name = bytes(k).decode("utf-8", "replace")
            else:
                name = str(k)
            red_key = self._keys.get(name)
            if red_key is None:
                red_key = self._str(name, False, depth + 1) if len(name) >= MIN_KNOWN else name
                if len(self._keys) > 4096:
                    self._keys.clear()
                self._keys[name] = red_key
            while red_key in out:
                red_key += "~"
            out[red_key] = self._v(v, name, False, depth + 1)
        return out

    def _seq(self, value: list | tuple, idmode: bool, depth: int) -> list:
        if len(value) == 2 and isinstance(value[0], (str, bytes)):
            # A (name, value) pair, as in header lists: ``[("Cookie", "sid=...")]``.
            name = value[0] if isinstance(value[0], str) else value[0].decode("utf-8", "replace")
            if _key_kind(name) == _SECRET:
                return [self._v(value[0], None, idmode, depth + 1), self._v(value[1], name, idmode, depth + 1)]
        return [self._v(v, None, idmode, depth + 1) for v in value]


_DEFAULT = Redactor()


def redact(value: Any, known: Iterable[str] = ()) -> Any:
    """Redact one JSON-like value (see module docstring)."""
    known = [k for k in known if isinstance(k, str) and len(k) >= MIN_KNOWN] if known else []
    return (Redactor(known) if known else _DEFAULT).value(value)
