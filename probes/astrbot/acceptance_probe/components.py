"""AstrBot message components in the common vocabulary, and the chains the send sweep sends.

AstrBot components (``astrbot.api.message_components``) are mapped onto the evidence vocabulary
(Source, Plain, At, AtAll, Image, Voice, File, Quote, Face, Forward, Unknown):

* ``Plain`` -> Plain (text kept exactly); ``At`` -> At (``target`` = ``qq``), or AtAll when ``qq`` is
  ``all``; ``AtAll`` -> AtAll; ``Image`` -> Image; ``Record`` -> Voice; ``File`` -> File;
  ``Reply`` -> Quote (``id``, ``sender_id``, ``origin`` from its ``chain``); ``Face`` -> Face
  (``face_type`` face); ``RPS``/``Dice`` -> Face (``face_type`` rps/dice); ``Forward`` -> Forward
  (``id``); ``Node``/``Nodes`` -> Forward (``node_list``);
* a class named like a platform kind of the component registry (a type there that is not common) ->
  that type, with the registry's fields read off it;
* everything else (``Poke``, ``Json``, ``Video``, ``Share``, ``Unknown`` ...) -> Unknown with
  ``native_type`` = the AstrBot class name.

The list of types and their fields is the harness's component registry (``components.json`` in the
plugin folder, from harness/data/components.yaml); the class mapping above stays here.

AstrBot keeps a message's id and time on the message object, not in the chain: the probe puts them
first as a Source component (``id`` = ``message_obj.message_id``, ``timestamp``), so chains compare
with other frameworks' chains. The probe adds nothing else and drops nothing.
"""

from __future__ import annotations

import base64
from typing import Any

from .jsonsafe import json_safe
from .registry import load_registry
from .media import PLAIN_TEXT, PNG_1X1, SendCase, media_file, plain_text, silent_wav  # noqa: F401 (re-exported)
from .media import medium as _medium

BASE64_KEEP = 48


#: Component types and their fields (harness/data/components.yaml, merged with the platforms' kinds).
REGISTRY: dict = load_registry()["components"]
#: Types with a send:<Type> capability, plus "mixed" (a chain of several).
SEND_TYPES = frozenset([n for n, t in REGISTRY.items() if t.get("send")] + ["mixed"])
#: A platform's own kinds (not common components of the registry): an AstrBot class of that name keeps
#: its type, with the registry's fields read off it (ids as strings), instead of becoming Unknown.
PLATFORM_TYPES = frozenset(n for n, t in REGISTRY.items() if not t.get("common"))


def _s(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _media_ref(value: Any) -> Any:
    text = _s(value)
    if text is None:
        return None
    if text.startswith("base64://") or text.startswith("data:"):
        return f"{text[:BASE64_KEEP]}...({len(text)} chars)" if len(text) > BASE64_KEEP else text
    return text


def _type_name(comp: Any) -> str:
    return type(comp).__name__


#: Media a received component points at, fetched to name its bytes (sha256): loopback only, small, quickly.
_FETCH_LIMIT, _FETCH_TIMEOUT = 10 * 1024 * 1024, 5.0


def media_sha256(ref: str) -> str | None:
    """sha256 of the bytes behind a received medium's reference, as a plugin would get them: base64 decoded, a
    local file read, a loopback http(s) URL fetched (anything else is not followed). None when they cannot be had."""
    import hashlib
    import os
    import urllib.parse
    import urllib.request

    try:
        if ref.startswith("base64://") or ref.startswith("data:"):
            payload = ref.split(",", 1)[1] if ref.startswith("data:") else ref[len("base64://"):]
            return hashlib.sha256(base64.b64decode(payload, validate=True)).hexdigest()
        url = urllib.parse.urlsplit(ref)
        if url.scheme in ("http", "https"):
            if url.hostname not in ("127.0.0.1", "localhost", "::1"):
                return None
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(ref, timeout=_FETCH_TIMEOUT) as resp:
                data = resp.read(_FETCH_LIMIT + 1)
            return hashlib.sha256(data).hexdigest() if len(data) <= _FETCH_LIMIT else None
        path = url.path if url.scheme == "file" else ref
        if os.path.isfile(path) and os.path.getsize(path) <= _FETCH_LIMIT:
            with open(path, "rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest()
    except (OSError, ValueError):
        return None
    return None


def _with_sha256(out: dict[str, Any], *refs: Any) -> dict[str, Any]:
    for ref in refs:
        if ref not in (None, "") and (digest := media_sha256(str(ref))) is not None:
            out["sha256"] = digest
            break
    return out


def normalize_component(comp: Any) -> dict:
    name = _type_name(comp)
    get = lambda key: getattr(comp, key, None)  # noqa: E731
    out: dict[str, Any]
    if name == "Plain":
        return {"type": "Plain", "text": "" if get("text") is None else str(get("text"))}
    if name == "AtAll" or (name == "At" and str(get("qq")) == "all"):
        out = {"type": "AtAll"}
        if get("name"):
            out["name"] = str(get("name"))
        return out
    if name == "At":
        out = {"type": "At", "target": _s(get("qq"))}
        if get("name"):
            out["display"] = str(get("name"))
        return out
    if name in ("Image", "Record"):
        out = {"type": "Image" if name == "Image" else "Voice"}
        for key in ("url", "file", "path"):
            ref = _media_ref(get(key))
            if ref is not None:
                out[key] = ref
        return _with_sha256(out, get("file"), get("url"), get("path"))
    if name == "File":
        out = {"type": "File"}
        for key in ("name", "url"):
            if get(key):
                out[key] = str(get(key))
        path = getattr(comp, "file_", None)
        if path:
            out["path"] = str(path)
        return _with_sha256(out, path, get("url"))
    if name == "Reply":
        out = {"type": "Quote", "id": _s(get("id"))}
        sender = get("sender_id")
        if sender not in (None, "", 0):
            out["sender_id"] = str(sender)
        chain = get("chain")
        if chain:
            out["origin"] = normalize_chain(chain)
        elif get("message_str"):
            out["origin_text"] = str(get("message_str"))
        return out
    if name == "Face":
        face_id = get("id")
        try:
            face_id = int(face_id)
        except (TypeError, ValueError):
            pass
        return {"type": "Face", "face_type": "face", "face_id": face_id}
    if name in ("RPS", "Dice"):
        out = {"type": "Face", "face_type": name.lower()}
        extra = {k: v for k, v in _fields(comp).items() if k != "type"}
        if extra:
            out["native"] = json_safe(extra, max_str=200)
        return out
    if name == "Forward":
        return {"type": "Forward", "id": _s(get("id"))}
    if name in ("Node", "Nodes"):
        nodes = get("nodes") if name == "Nodes" else [comp]
        return {"type": "Forward", "node_list": [_node(n) for n in nodes or []]}
    if name in PLATFORM_TYPES:
        return _platform_kind(name, comp)
    out = {"type": "Unknown", "native_type": name}
    fields = {k: v for k, v in _fields(comp).items() if k != "type"}
    if fields:
        out["native"] = json_safe(fields, max_str=300, max_items=20)
    return out


def _platform_kind(name: str, comp: Any) -> dict:
    spec = REGISTRY[name]
    ids = set(spec.get("id_fields") or ())
    out: dict[str, Any] = {"type": name}
    for key in spec.get("fields") or {}:
        value = getattr(comp, key, None)
        if value is None or value == "":
            continue
        out[key] = _s(value) if key in ids else json_safe(value, max_str=300)
    return out


def _fields(comp: Any) -> dict:
    if hasattr(comp, "model_dump"):
        try:
            return dict(comp.model_dump())
        except Exception:  # pragma: no cover
            pass
    return {k: v for k, v in vars(comp).items() if not k.startswith("_")} if hasattr(comp, "__dict__") else {}


def _node(node: Any) -> dict:
    out: dict[str, Any] = {}
    if getattr(node, "uin", None) not in (None, "", "0", 0):
        out["sender_id"] = str(node.uin)
    if getattr(node, "name", None):
        out["sender_name"] = str(node.name)
    out["components"] = normalize_chain(getattr(node, "content", None) or [])
    return out


def normalize_chain(chain: Any) -> list[dict]:
    if chain is None:
        return []
    if hasattr(chain, "chain") and not isinstance(chain, list):  # a MessageChain
        chain = chain.chain
    if not isinstance(chain, list):
        return [{"type": "Unknown", "native_type": _type_name(chain), "text": repr(chain)[:500]}]
    return [normalize_component(c) for c in chain]


def build_send_cases(names: list[str], media: dict, world: dict, trigger: dict,
                     uncarried: tuple[str, ...] | list[str] = ()) -> list[SendCase]:
    """AstrBot chains for each send case, with what the platform should receive (common vocabulary); the mixed
    chain leaves out a medium the platform cannot carry (``uncarried``: the run marks that type not-supported)."""
    import astrbot.api.message_components as Comp

    at_target = str(world.get("user_id") or trigger.get("sender_id") or "")
    image_b64 = base64.b64encode(PNG_1X1).decode()
    file_name = str(media.get("file_name") or "acceptance.txt")

    def case(name: str, build, expected: list[dict], skip: str | None = None) -> SendCase:
        comps = [] if skip else build()
        return SendCase(name, comps, expected, ["api:send_message", "send:" + name.split(":")[0]], skip)

    def image_url() -> SendCase:
        url = str(media.get("image_url") or "")
        return case("Image:url", lambda: [Comp.Image.fromURL(url)], [_medium("Image", media.get("image_sha256"))],
                    None if url else "no media.image_url in probe config")

    def voice() -> SendCase:
        url = str(media.get("voice_url") or "")
        build = (lambda: [Comp.Record.fromURL(url)]) if url else (
            lambda: [Comp.Record.fromFileSystem(media_file("acceptance.wav", silent_wav()))])
        return case("Voice", build, [_medium("Voice", media.get("voice_sha256") if url else silent_wav())])

    def file_case() -> SendCase:
        url = str(media.get("file_url") or "")
        if url:
            build = lambda: [Comp.File(name=file_name, url=url)]  # noqa: E731
        else:
            build = lambda: [Comp.File(name=file_name, file=media_file(file_name, b"acceptance probe file\n"))]  # noqa: E731
        return case("File", build, [{**_medium("File", media.get("file_sha256") if url else b"acceptance probe file\n"),
                                     "name": file_name}])

    def quote() -> SendCase:
        mid = str(trigger.get("message_id") or "")
        return case("Quote", lambda: [Comp.Reply(id=mid), Comp.Plain(text="acceptance quote")],
                    [{"type": "Quote", "id": mid}, {"type": "Plain", "text": "acceptance quote"}],
                    None if mid else "the triggering message has no message id to quote")

    def face() -> SendCase:
        face_id = int(world.get("face_id", 1) or 1)
        return case("Face", lambda: [Comp.Face(id=face_id)], [{"type": "Face", "face_id": face_id}])

    def forward() -> SendCase:
        sender = str(world.get("bot_id") or world.get("user_id") or trigger.get("sender_id") or "10000")
        return case("Forward", lambda: [Comp.Nodes(nodes=[
            Comp.Node(uin=sender, name="acceptance", content=[Comp.Plain(text=f"forward node {i}")]) for i in (1, 2)])],
            # The nodes' senders and content are what a forward carries: the platform must get both.
            [{"type": "Forward", "node_list": [{"sender_name": "acceptance",
                                                "message_chain": [{"type": "Plain", "text": f"forward node {i}"}]}
                                               for i in (1, 2)]}])

    def mixed() -> SendCase:
        def build() -> list:
            comps: list = [Comp.Plain(text="mixed start ")]
            if at_target:
                comps.append(Comp.At(qq=at_target))
            if "Image" in uncarried:  # one text run: a platform joins adjacent text
                return comps + [Comp.Plain(text=" then end")]
            return comps + [Comp.Plain(text=" then image "), Comp.Image.fromBase64(image_b64), Comp.Plain(text=" end")]

        expected: list[dict] = [{"type": "Plain", "text": "mixed start "}]
        if at_target:
            expected.append({"type": "At", "target": at_target})
        if "Image" in uncarried:
            expected.append({"type": "Plain", "text": " then end"})
        else:
            expected += [{"type": "Plain", "text": " then image "}, _medium("Image", PNG_1X1), {"type": "Plain", "text": " end"}]
        return case("mixed", build, expected)

    builders: dict[str, Any] = {
        "Plain": lambda: case("Plain", lambda: [Comp.Plain(text=PLAIN_TEXT)], [{"type": "Plain", "text": PLAIN_TEXT}]),
        "At": lambda: case("At", lambda: [Comp.At(qq=at_target)], [{"type": "At", "target": at_target}],
                           None if at_target else "no user to mention (world.user_id unset and no trigger sender)"),
        "AtAll": lambda: case("AtAll", lambda: [Comp.AtAll()], [{"type": "AtAll"}]),
        "Image:url": image_url,
        "Image:base64": lambda: case("Image:base64", lambda: [Comp.Image.fromBase64(image_b64)], [_medium("Image", PNG_1X1)]),
        "Image:path": lambda: case("Image:path", lambda: [Comp.Image.fromFileSystem(media_file("acceptance.png", PNG_1X1))],
                                   [_medium("Image", PNG_1X1)]),
        "Voice": voice,
        "File": file_case,
        "Quote": quote,
        "Face": face,
        "Forward": forward,
        "mixed": mixed,
    }
    cases = []
    for name in names:
        builder = builders.get(name)
        if name.split(":")[0] not in SEND_TYPES:
            cases.append(SendCase(name, [], [], [f"send:{name}"], f"{name!r} is not a send component of the registry"))
            continue
        if builder is None:
            cases.append(SendCase(name, [], [], [f"send:{name}"], f"unknown send case {name!r}"))
            continue
        try:
            cases.append(builder())
        except Exception as exc:  # a component AstrBot cannot build is evidence too
            cases.append(SendCase(name, [], [], ["api:send_message", "send:" + name.split(":")[0]],
                                  f"AstrBot could not build the {name} component: {type(exc).__name__}: {exc}"))
    return cases
