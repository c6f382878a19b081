"""Message components: the common vocabulary used in evidence, and the chains the send sweep sends.

Evidence components are plain dicts ``{"type": <EBA name>, ...fields}`` made from LangBot's JSON
form of a message chain. The types and their id fields come from the harness's component registry
(``components.json`` in the build, from harness/data/components.yaml); how a LangBot class maps onto
them stays here (LangBot's JSON form already uses the EBA names). IDs are strings (platforms disagree on int vs str), base64 payloads are
truncated, empty fields are left out, nested chains (Quote.origin, Forward nodes) are normalised
recursively. ``Plain.text`` is kept exactly, spaces and newlines included.
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
#: Per type, the fields holding ids: written as strings (the registry's fields of type ``id``).
_ID_FIELDS = {n: tuple(t.get("id_fields") or ()) for n, t in REGISTRY.items() if t.get("id_fields")}


def _id(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return str(value)
    return json_safe(value)


def truncate_base64(value: str) -> str:
    if len(value) <= BASE64_KEEP:
        return value
    return f"{value[:BASE64_KEEP]}...({len(value)} chars)"


def base64_sha256(value: str) -> str | None:
    """sha256 of the bytes behind a base64 payload (``data:...;base64,`` prefix allowed), or None if it is not base64."""
    import hashlib

    payload = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    try:
        return hashlib.sha256(base64.b64decode(payload, validate=True)).hexdigest()
    except (ValueError, TypeError):
        return None


def normalize_component(comp: Any) -> dict:
    if hasattr(comp, "model_dump"):
        comp = comp.model_dump()
    if not isinstance(comp, dict):
        return {"type": "Unknown", "text": repr(comp)[:500]}
    ctype = str(comp.get("type") or "Unknown")
    out: dict[str, Any] = {"type": ctype}
    id_fields = _ID_FIELDS.get(ctype, ())
    for key, value in comp.items():
        if key == "type":
            continue
        if ctype == "Plain" and key == "text":
            out["text"] = "" if value is None else str(value)
            continue
        if key in id_fields:
            value = _id(value)
        elif key == "base64" and isinstance(value, str) and value:
            out["base64_len"] = len(value)
            digest = base64_sha256(value)
            if digest:  # the bytes a received medium carries, comparable with the platform's
                out.setdefault("sha256", digest)
            value = truncate_base64(value)
        elif key == "origin" and isinstance(value, list):
            value = normalize_chain(value)
        elif ctype == "Forward" and key == "node_list":
            out["nodes"] = [_normalize_node(n) for n in value or []]
            continue
        elif key == "time" and ctype == "Source":
            key = "timestamp"
            value = json_safe(value)
        else:
            value = json_safe(value)
        if value is None or value == "":
            continue
        out[key] = value
    return out


def _normalize_node(node: Any) -> dict:
    if hasattr(node, "model_dump"):
        node = node.model_dump()
    if not isinstance(node, dict):
        return {"repr": repr(node)[:500]}
    out: dict[str, Any] = {}
    for key in ("sender_id", "message_id"):
        if node.get(key) not in (None, "", 0):
            out[key] = str(node[key])
    if node.get("sender_name"):
        out["sender_name"] = str(node["sender_name"])
    chain = node.get("message_chain")
    out["components"] = normalize_chain(chain) if isinstance(chain, list) else []
    return out


def normalize_chain(chain: Any) -> list[dict]:
    if chain is None:
        return []
    if hasattr(chain, "model_dump") and not isinstance(chain, (list, dict)):
        chain = chain.model_dump()
    if isinstance(chain, dict) and "root" in chain:
        chain = chain["root"]
    if not isinstance(chain, list):
        return [{"type": "Unknown", "text": repr(chain)[:500]}]
    return [normalize_component(c) for c in chain]


def build_send_cases(names: list[str], media: dict, world: dict, trigger: dict) -> list[SendCase]:
    """Build the send sweep. ``trigger`` holds the triggering message's ids and text."""
    from langbot_plugin.api.entities.builtin.platform import message as m

    at_target = str(world.get("user_id") or trigger.get("sender_id") or "")
    image_b64 = "data:image/png;base64," + base64.b64encode(PNG_1X1).decode()
    voice_b64 = "data:audio/wav;base64," + base64.b64encode(silent_wav()).decode()
    file_name = str(media.get("file_name") or "acceptance.txt")
    file_body = b"acceptance probe file\n"

    def case(name: str, comps: list, expected: list[dict], skip: str | None = None) -> SendCase:
        # "Image:url" proves send:Image; the variant stays visible in the record's api.input.
        return SendCase(name, comps, expected, ["api:send_message", "send:" + name.split(":")[0]], skip)

    builders: dict[str, Any] = {}

    builders["Plain"] = lambda: case("Plain", [m.Plain(text=PLAIN_TEXT)], [{"type": "Plain", "text": PLAIN_TEXT}])
    builders["At"] = lambda: case(
        "At", [m.At(target=at_target)], [{"type": "At", "target": at_target}],
        None if at_target else "no user to mention (world.user_id unset and no trigger sender)",
    )
    builders["AtAll"] = lambda: case("AtAll", [m.AtAll()], [{"type": "AtAll"}])

    def image_url() -> SendCase:
        url = str(media.get("image_url") or "")
        return case("Image:url", [m.Image(url=url)], [_medium("Image", media.get("image_sha256"))],
                    None if url else "no media.image_url in probe config")

    builders["Image:url"] = image_url
    builders["Image:base64"] = lambda: case("Image:base64", [m.Image(base64=image_b64)], [_medium("Image", PNG_1X1)])
    builders["Image:path"] = lambda: case(
        "Image:path", [m.Image(path=media_file("acceptance.png", PNG_1X1))], [_medium("Image", PNG_1X1)]
    )

    def voice() -> SendCase:
        url = str(media.get("voice_url") or "")
        comp = m.Voice(url=url) if url else m.Voice(base64=voice_b64, length=1)
        return case("Voice", [comp], [_medium("Voice", media.get("voice_sha256") if url else silent_wav())])

    builders["Voice"] = voice

    def file_case() -> SendCase:
        url = str(media.get("file_url") or "")
        path = media_file(file_name, file_body)
        comp = m.File(name=file_name, size=len(file_body), url=url, path="" if url else path)
        return case("File", [comp], [{**_medium("File", media.get("file_sha256") if url else file_body), "name": file_name}])

    builders["File"] = file_case

    def quote() -> SendCase:
        mid = str(trigger.get("message_id") or "")
        origin = m.MessageChain([m.Plain(text=str(trigger.get("text") or ""))])
        comps = [
            m.Quote(id=mid, sender_id=trigger.get("sender_id") or None, group_id=trigger.get("group_id") or None, origin=origin),
            m.Plain(text="acceptance quote"),
        ]
        return case("Quote", comps, [{"type": "Quote", "id": mid}, {"type": "Plain", "text": "acceptance quote"}],
                    None if mid else "the triggering message has no message id to quote")

    builders["Quote"] = quote

    def face() -> SendCase:
        face_id = int(world.get("face_id", 1) or 1)
        return case("Face", [m.Face(face_type="face", face_id=face_id, face_name=str(world.get("face_name", "")))],
                    [{"type": "Face", "face_id": face_id}])

    builders["Face"] = face

    def forward() -> SendCase:
        sender = str(world.get("bot_id") or world.get("user_id") or trigger.get("sender_id") or "10000")
        nodes = [
            m.ForwardMessageNode(sender_id=sender, sender_name="acceptance", message_chain=m.MessageChain([m.Plain(text=f"forward node {i}")]))
            for i in (1, 2)
        ]
        # The nodes' senders and content are what a forward carries: the platform must get both.
        expected_nodes = [{"sender_name": "acceptance", "message_chain": [{"type": "Plain", "text": f"forward node {i}"}]}
                          for i in (1, 2)]
        return case("Forward", [m.Forward(node_list=nodes)], [{"type": "Forward", "node_list": expected_nodes}])

    builders["Forward"] = forward

    def mixed() -> SendCase:
        comps: list = [m.Plain(text="mixed start ")]
        expected: list[dict] = [{"type": "Plain", "text": "mixed start "}]
        if at_target:
            comps.append(m.At(target=at_target))
            expected.append({"type": "At", "target": at_target})
        comps += [m.Plain(text=" then image "), m.Image(base64=image_b64), m.Plain(text=" end")]
        expected += [{"type": "Plain", "text": " then image "}, _medium("Image", PNG_1X1), {"type": "Plain", "text": " end"}]
        return case("mixed", comps, expected)

    builders["mixed"] = mixed

    cases = []
    for name in names:
        builder = builders.get(name)
        if name.split(":")[0] not in SEND_TYPES:
            cases.append(SendCase(name, [], [], [f"send:{name}"], f"{name!r} is not a send component of the registry"))
        elif builder is None:
            cases.append(SendCase(name, [], [], [f"send:{name}"], f"unknown send case {name!r}"))
        else:
            cases.append(builder())
    return cases
