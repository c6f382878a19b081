"""Describe one EBA event as the ``event`` part of an evidence record.

The Runner receives the event as JSON (``ctx.event.data``: the EBA event's public fields). Field
names differ by event class (SDK ``langbot_plugin.api.entities.builtin.platform.events``):

* message events: ``sender`` (User), ``chat_type``, ``chat_id``, ``group``, ``message_id``,
  ``message_chain`` (``new_content`` for message.edited, ``editor`` instead of sender,
  ``operator`` for message.deleted, ``user`` + ``reaction`` for message.reaction);
* group events: ``group`` (UserGroup) and ``member`` (User), ``operator``/``inviter``;
* friend events: ``user`` (+ ``request_id``, ``message``);
* bot events: ``group``, ``operator``/``inviter``, ``duration``, ``request_id``;
* feedback.received: flat ``user_id``, ``session_id``, ``message_id``;
* platform.specific: ``action`` + ``data``; vendor events (``<adapter>.*``) carry ``user``,
  ``chat_id``, ``external_userid`` ...
"""

from __future__ import annotations

from typing import Any

from .components import normalize_chain
from .jsonsafe import json_safe

# Keys whose content is reported in the fixed part of the record, not again in ``fields``.
_CONSUMED = {
    "type", "bot_uuid", "adapter_name", "chat_type", "chat_id", "message_id", "message_chain",
    "new_content", "source_platform_object", "legacy_event",
    "instance_uuid", "workspace_uuid", "placement_generation",
}


def _obj_id(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    if value is None or value == "":
        return None
    return str(value)


def _first(data: dict, *keys: str) -> str | None:
    for key in keys:
        found = _obj_id(data.get(key))
        if found:
            return found
    return None


def event_class_name(event_type: str) -> str:
    """Name of the SDK class for an event type (``MessageReceivedEvent``), ``EBAEvent`` if unknown."""
    try:
        from langbot_plugin.api.entities.builtin.platform.events import EBAEvent
    except Exception:  # pragma: no cover - outside LangBot
        return "EBAEvent"
    for cls in EBAEvent.__subclasses__():
        field = cls.model_fields.get("type")
        if field is not None and field.default == event_type:
            return cls.__name__
    return "EBAEvent"


def describe_event(data: dict, envelope: dict | None = None) -> dict:
    """The ``event`` object of an evidence record (see docs/evidence.md)."""
    data = dict(data or {})
    etype = str(data.get("type") or (envelope or {}).get("event_type") or "")
    chain_key = "new_content" if "new_content" in data else "message_chain"
    components = normalize_chain(data.get(chain_key)) if data.get(chain_key) is not None else []

    chat_type = data.get("chat_type")
    chat_type = str(getattr(chat_type, "value", chat_type)) if chat_type not in (None, "") else None
    chat_id = _obj_id(data.get("chat_id"))

    group_id = _first(data, "group") or (str(data["group_id"]) if data.get("group_id") not in (None, "") else None)
    if group_id is None and chat_type == "group":
        group_id = chat_id
    # Who acted, and whom the event is about.
    sender_id = _first(data, "sender", "editor", "operator", "inviter")
    if sender_id is None and etype.startswith(("message.", "friend.")):
        sender_id = _first(data, "user")
    user_id = _first(data, "member", "user", "sender", "editor")
    if user_id is None:
        for key in ("user_id", "external_userid"):
            if data.get(key) not in (None, ""):
                user_id = str(data[key])
                break
    if sender_id is None and etype.startswith("group.member_"):
        sender_id = user_id  # joined / left by themselves

    message_id = None
    for comp in components:
        if comp.get("type") == "Source" and comp.get("id"):
            message_id = str(comp["id"])
            break
    if message_id is None and data.get("message_id") not in (None, ""):
        message_id = str(data["message_id"])

    fields = {k: json_safe(v) for k, v in data.items() if k not in _CONSUMED}
    facts = event_facts(data, etype)
    if envelope:
        fields["envelope"] = json_safe({k: v for k, v in envelope.items() if k != "data"})

    return {
        "class": event_class_name(etype),
        "type": etype,
        "bot_uuid": data.get("bot_uuid") or None,
        "adapter_name": data.get("adapter_name") or None,
        "chat_type": chat_type,
        "chat_id": chat_id,
        "sender_id": sender_id,
        "user_id": user_id,
        "group_id": group_id,
        "message_id": message_id,
        "components": components,
        "source_platform_object": data.get("source_platform_object") is not None,
        **facts,
        "fields": fields,
    }


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("nickname", "display_name", "name"):
            if value.get(key) not in (None, ""):
                return str(value[key])
    return None


def event_facts(data: dict, etype: str = "") -> dict:
    """The neutral fields the checker compares with the world (docs/evidence.md, "Expectations").

    A key is present only when the SDK's event carries the field (``model_dump`` lists every field of the
    class), so a missing key reads "not carried by this framework's event", a ``None`` "carried, but empty"."""
    facts: dict[str, Any] = {}
    if "sender" in data:
        facts["sender_name"] = _name(data.get("sender"))
    for key in ("operator", "inviter"):
        if key in data:
            facts["operator_id"] = _obj_id(data.get(key))
            break
    if "duration" in data:
        facts["duration"] = data.get("duration")
    if "is_kicked" in data:
        facts["kicked"] = data.get("is_kicked")
    if "request_id" in data:
        facts["request_id"] = _obj_id(data.get("request_id"))
    if "comment" in data:
        facts["comment"] = data.get("comment")
    elif "message" in data and etype.endswith("request_received"):  # a request's message is its comment
        facts["comment"] = data.get("message")
    return facts


def event_capabilities(event: dict) -> list[str]:
    caps = [f"event:{event['type']}"] if event.get("type") else []
    if event.get("type") == "message.received":
        kinds = [c["type"] for c in event.get("components", []) if c.get("type") != "Source"]
        caps += [f"receive:{k}" for k in dict.fromkeys(kinds)]
        if len(set(kinds)) > 1:
            caps.append("receive:mixed")
    return caps
