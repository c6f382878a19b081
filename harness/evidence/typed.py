"""The typed shape of an evidence record as the checker reads it, decoded and validated in one step.

msgspec decodes a JSON line straight into these ``TypedDict`` shapes (plain dicts) and checks every
field's type while it decodes, so a record whose ``adapter`` is a list or whose ``t`` is a string is
refused with the field's path at the cost of the parse itself, not of a schema check per record.

Only the fields listed here are kept: they are what the checker and the report model read (a
record's other fields stay in the file, where the report's cited lines and ``acceptance compare``
read them). A field the checker starts to read must be added here too. The full contract of a
record, every field documented, is ``evidence.schema.json`` (``acceptance check --strict``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Required, TypedDict, Union

import msgspec

RECORD_TYPES = ("run", "inject", "event", "api_call", "platform_received", "ui_observed", "skip", "check", "finding",
                "writer-error")

#: Per record type, the part that carries a component list.
COMPONENTS_IN = {"event": "event", "inject": "expected", "api_call": "expected", "platform_received": "observed",
                 "ui_observed": "observed"}
Scalar = Union[str, int, float, bool, None]
Id = Union[str, int, None]  # platform ids: strings by the schema; numbers tolerated (the checker compares str())
Components = Union[list[dict[str, Any]], None]
#: seconds since the epoch that a date can show: 0 up to the end of year 9999 (a report renders ``t`` as a date)
Epoch = Annotated[float, msgspec.Meta(ge=0, le=253402300799.0)]

# "class" is a Python keyword: the functional form.
Event = TypedDict("Event", {
    "class": Union[str, None], "type": Union[str, None], "bot_uuid": Id, "adapter_name": Union[str, None],
    "chat_type": Union[str, None], "chat_id": Id, "sender_id": Id, "user_id": Id, "group_id": Id, "message_id": Id,
    "components": Components, "source_platform_object": Union[bool, None], "fields": Union[dict[str, Any], None],
    # neutral facts compared with the world (harness/truth.py); absent when the framework's event lacks them
    "sender_name": Union[str, None], "operator_id": Id, "duration": Union[int, float, str, None],
    "kicked": Union[bool, None], "request_id": Id, "comment": Union[str, None],
}, total=False)


class Api(TypedDict, total=False):
    name: Union[str, None]
    action: Union[str, None]
    scope: Union[str, None]
    input: Any
    ok: Union[bool, None]
    result: Any
    error: Union[str, None]
    error_kind: Union[str, None]
    started: Union[float, None]
    ended: Union[float, None]
    facts: Union[dict[str, Any], None]  # the result in the neutral shape the world is compared with


class Expected(TypedDict, total=False):
    components: Components
    fields: Union[dict[str, Any], None]
    limits: Union[dict[str, str], None]
    target: Union[dict[str, Any], None]
    action: Union[str, None]  # the request a platform action must put on the wire


class Observed(TypedDict, total=False):
    components: Components
    message_id: Scalar
    args: Union[dict[str, Any], None]
    truth: Union[dict[str, Any], None]
    after: Union[dict[str, Any], None]


class Record(TypedDict, total=False):
    v: Required[int]
    record: Required[Literal[RECORD_TYPES]]  # type: ignore[valid-type]  # the tuple above, unpacked
    run_id: Required[str]
    ts: Union[str, None]
    t: Union[Epoch, None]
    framework: Union[str, None]
    framework_version: Union[str, None]
    adapter: Union[str, None]
    producer: Union[str, None]
    capabilities: Union[list[str], None]
    level: Union[str, None]
    simulator: Union[str, None]
    match: Union[dict[str, Scalar], None]
    expected: Union[Expected, None]
    observed: Union[Observed, None]
    justification: Union[str, None]
    event: Union[Event, None]
    api: Union[Api, None]
    action: Union[str, None]
    call_id: Union[str, None]
    status: Union[str, None]
    reason: Union[str, None]
    source: Union[str, None]
    message: Union[str, None]
    screenshot: Union[str, None]


decoder = msgspec.json.Decoder(Record)
ValidationError = msgspec.ValidationError
DecodeError = msgspec.DecodeError


def component_problem(rec: dict, part: str) -> str | None:
    """A component under ``rec[part]`` whose ``type`` is not a string (msgspec checks the lists; a
    component's other fields are free-form, so its ``type`` is checked here), or None."""
    sub = rec.get(part)
    comps = sub.get("components") if sub else None
    if comps:
        for c in comps:
            if type(c.get("type")) is not str:
                i = comps.index(c)
                return f"field '{part}.components[{i}].type': expected `str`, got {_json_type(c.get('type'))}"
    return None


def _json_type(value: Any) -> str:
    return "`null`" if value is None else {dict: "`object`", list: "`array`", bool: "`bool`", int: "`int`",
                                           float: "`float`"}.get(type(value), f"`{type(value).__name__}`")


def describe(exc: msgspec.ValidationError) -> str:
    """``field 'event.components[0]': expected `object`, got `int``: the message with the field named first."""
    text = str(exc)
    message, sep, where = text.rpartition(" - at `$")
    if not sep:
        if text.startswith("Object missing required field `"):
            return f"field '{text.split('`')[1]}': is missing (required)"
        return text[0].lower() + text[1:] if text else "invalid record"
    path = where.rstrip("`").lstrip(".")
    return f"field '{path or '(record)'}': {message[0].lower() + message[1:]}"
