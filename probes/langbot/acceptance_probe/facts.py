"""A call's result in the neutral shape the checker compares with the simulated world (``api.facts``).

LangBot's SDK answers with its entities (``UserGroup``, ``UserGroupMember``, ``User``, a message event),
dumped to dicts; this maps them onto the harness's neutral names (harness/truth.py): groups and users by
``id`` and ``name``, members with ``role``, messages with ``sender_id`` and components. A key is left
out when the entity has no such field, so the checker can tell "not carried" from "carried wrong".
"""

from __future__ import annotations

from typing import Any

from .components import normalize_chain
from .jsonsafe import json_safe


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        # A message event holds the platform's own object (source_platform_object): not part of the result's data.
        exclude = {"source_platform_object"} if "source_platform_object" in getattr(type(value), "model_fields", {}) else None
        try:
            return value.model_dump(mode="json", exclude=exclude)
        except Exception:  # noqa: BLE001 - a field that will not serialise: the probe's JSON view of the rest
            try:
                return json_safe(value.model_dump(exclude=exclude), max_str=1000, max_items=200)
            except Exception:  # noqa: BLE001
                pass
    return json_safe(value, max_str=1000, max_items=200)


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def _group(g: Any) -> Any:
    if not isinstance(g, dict):
        return g
    out = {"id": _id(g.get("id")), "name": g.get("name")}
    if "member_count" in g:
        out["member_count"] = g.get("member_count")
    return out


def _user(u: Any) -> Any:
    if not isinstance(u, dict):
        return u
    return {"id": _id(u.get("id")), "name": u.get("nickname") if "nickname" in u else u.get("name")}


def _member(m: Any) -> Any:
    if not isinstance(m, dict):
        return m
    user = m.get("user") if isinstance(m.get("user"), dict) else {}
    out: dict[str, Any] = {"id": _id(user.get("id") if user else m.get("id"))}
    if "display_name" in m or user:
        out["name"] = m.get("display_name") or user.get("nickname")
    if "role" in m:
        role = m.get("role")
        out["role"] = str(getattr(role, "value", role)).lower() if role is not None else None
    return out


def _message(msg: Any) -> Any:
    if not isinstance(msg, dict):
        return msg
    chain = normalize_chain(msg.get("message_chain")) if msg.get("message_chain") is not None else []
    sender = msg.get("sender") if isinstance(msg.get("sender"), dict) else {}
    chat_type = msg.get("chat_type")
    out = {"id": _id(msg.get("message_id")), "sender_id": _id(sender.get("id")),
           "components": [{k: v for k, v in c.items() if k in ("type", "text")} for c in chain if c.get("type") != "Source"]}
    if chat_type is not None:
        value = str(getattr(chat_type, "value", chat_type))
        out["chat_type"] = "private" if value == "person" else value  # the world's word for a one-to-one chat
    return out


_SHAPES = {
    "get_group_info": ("group", _group),
    "get_group_list": ("groups", _group),
    "get_group_member_info": ("member", _member),
    "get_group_member_list": ("members", _member),
    "get_user_info": ("user", _user),
    "get_friend_list": ("friends", _user),
    "get_message": ("message", _message),
}


def result_facts(api: str, result: Any) -> dict | None:
    """``{"group": {...}}`` and the like for the APIs whose results the world can check; None otherwise."""
    shape = _SHAPES.get(api)
    if shape is None:
        return None
    key, convert = shape
    value = _dump(result)
    if isinstance(value, list):
        return {key: [convert(_dump(v)) for v in value]}
    return {key: convert(value) if value is not None else None}
