"""Describe one AstrBot event as the ``event`` part of an evidence record.

AstrBot hands plugins one event class per platform (``AstrMessageEvent`` subclasses such as
``<Platform>MessageEvent``) whose ``message_obj`` (``AstrBotMessage``) carries the message type
(``GroupMessage``, ``FriendMessage``, ``OtherMessage``), ids, sender, chain and the raw platform
object (``raw_message``). AstrBot has no typed notice/request events: an adapter may deliver a
platform's non-message events (joins, recalls, requests ...) as message events with an empty chain.

Mapping onto the EBA event names (harness/data/catalogue.yaml):

* a message event whose raw platform object is a message -> ``message.received``;
* a message event whose raw platform object says it is something else -> ``platform.specific``
  (EBA's name for "a native event delivered as platform-specific data"), with the native kind in
  ``fields.native_kind`` (e.g. ``notice.group_increase.approve``) and AstrBot's own typing in
  ``fields.astrbot`` (event class, message type) recorded as-is.

The raw object's kind is read from the object itself, by the recipe the platform's binding puts into
the probe configuration (``native_kind``: the field holding the kind, the fields refining it, a detail
field, the kinds that are messages); any other raw object counts as a message (AstrBot delivered it as
one) and its class name is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .components import normalize_chain
from .jsonsafe import json_safe

def native_kind(raw: Any, recipe: Mapping[str, Any] | None = None) -> tuple[str | None, bool]:
    """(kind of the raw platform object, whether it is a message).

    How a raw object names its kind is the platform's business: ``recipe`` (the platform binding's
    ``native_kind`` probe setting) names the field holding the kind, the fields refining it (the first
    present one counts), a detail field, and the kinds that are messages. Without a recipe, or for an
    object it does not fit, the kind is the object's class name.
    """
    if raw is None:
        return None, True
    recipe = recipe or {}
    kind_field = recipe.get("kind_field")
    if kind_field and isinstance(raw, Mapping) and raw.get(kind_field):
        base = str(raw[kind_field])
        parts = [base]
        for key in recipe.get("refine_fields") or ():
            if raw.get(key):
                parts.append(str(raw[key]))
                break
        detail = recipe.get("detail_field")
        if detail and raw.get(detail):
            parts.append(str(raw[detail]))
        return ".".join(parts), base in (recipe.get("message_kinds") or ())
    return type(raw).__name__, True


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def describe_event(event: Any, kind_recipe: Mapping[str, Any] | None = None) -> dict:
    """The ``event`` object of an evidence record (see docs/evidence.md)."""
    mo = event.message_obj
    raw = getattr(mo, "raw_message", None)
    kind, is_message = native_kind(raw, kind_recipe)
    mtype = event.get_message_type()
    mtype_value = str(getattr(mtype, "value", mtype))
    chat_type = {"GroupMessage": "group", "FriendMessage": "private"}.get(mtype_value, "other")
    group_id = _str(event.get_group_id())
    sender_id = _str(event.get_sender_id())
    chain = normalize_chain(getattr(mo, "message", None) or [])
    message_id = _str(getattr(mo, "message_id", None))
    components = chain
    if is_message:
        source = {"type": "Source", "id": message_id}
        if getattr(mo, "timestamp", None):
            source["timestamp"] = mo.timestamp
        components = [source, *chain]
    sender = getattr(mo, "sender", None)
    astrbot = {
        "event_class": type(event).__name__,
        "message_type": mtype_value,
        "platform_id": event.get_platform_id(),
        "platform_name": event.get_platform_name(),
        "unified_msg_origin": event.unified_msg_origin,
        "session_id": event.get_session_id(),
        "self_id": _str(event.get_self_id()),
        "message_str": event.get_message_str(),
        "message_id": message_id,
        "sender_nickname": getattr(sender, "nickname", None),
        "is_wake": bool(getattr(event, "is_wake", False)),
    }
    fields: dict[str, Any] = {"astrbot": astrbot, "native_kind": kind}
    if raw is not None:
        fields["raw"] = json_safe(raw, max_str=600, max_items=40)
    chat_id = group_id if chat_type == "group" else (sender_id if chat_type == "private" else _str(event.get_session_id()))
    return {
        "class": type(event).__name__,
        "type": "message.received" if is_message else "platform.specific",
        "bot_uuid": event.get_platform_id() or None,
        "adapter_name": event.get_platform_name() or None,
        "chat_type": chat_type,
        "chat_id": chat_id,
        "sender_id": sender_id,
        "user_id": sender_id,
        "group_id": group_id,
        "message_id": message_id if is_message else None,
        "components": components,
        "source_platform_object": raw is not None,
        # Neutral facts compared with the world (docs/evidence.md); AstrBot's event carries no operator,
        # duration, kick flag or request id, so those keys are absent, not empty.
        "sender_name": _str(getattr(sender, "nickname", None)) if sender is not None else None,
        "fields": fields,
    }


def event_capabilities(event: dict) -> list[str]:
    caps = [f"event:{event['type']}"] if event.get("type") else []
    if event.get("type") == "message.received":
        kinds = [c["type"] for c in event.get("components", []) if c.get("type") != "Source"]
        caps += [f"receive:{k}" for k in dict.fromkeys(kinds)]
        if len(set(kinds)) > 1:
            caps.append("receive:mixed")
    return caps
