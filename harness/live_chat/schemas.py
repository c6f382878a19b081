"""Frame schemas of the live chat endpoints (``fixtures/live_chat/schemas/``).

One JSON Schema (draft 2020-12) per frame type and direction, plus one envelope schema per
direction and mode: ``server.<t>.json`` / ``client.<t>.json`` for live (voice) mode frames
(``{"t": ...}``), ``server.chat.<type>.json`` / ``client.chat.<t>.json`` for unified chat mode
frames (they carry ``"ct": "chat"``; served from 4.15 on). :func:`check_frame` validates one
frame: envelope first, then the schema of its type; a frame whose type has no schema fails with
"no schema" (the release sent or accepted something the suite does not know yet).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

import acceptance_fixtures.live_chat as _fixtures

SCHEMA_DIR = Path(_fixtures.__file__).resolve().parent / "schemas"
DIRECTIONS = {"in": "server", "out": "client"}


@dataclass
class SchemaCheck:
    direction: str  # server | client
    t: str | None
    schema: str | None  # file name of the frame's schema, None if unknown
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.schema is not None and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"direction": self.direction, "t": self.t, "schema": self.schema, "ok": self.ok, "errors": self.errors}


@lru_cache(maxsize=None)
def load_schemas(schema_dir: Path = SCHEMA_DIR) -> dict[str, dict]:
    """File stem (``server.metrics``) -> schema, every schema checked against the meta-schema."""
    out = {}
    for path in sorted(Path(schema_dir).glob("*.json")):
        schema = json.loads(path.read_text("utf-8"))
        Draft202012Validator.check_schema(schema)
        out[path.stem] = schema
    return out


def frame_types(direction: str, schema_dir: Path = SCHEMA_DIR) -> list[str]:
    """Frame types with a schema for ``direction`` (``server``, ``client``, ``server.chat``, ``client.chat``)."""
    prefix = direction + "."
    return sorted(k[len(prefix):] for k in load_schemas(schema_dir)
                  if k.startswith(prefix) and "." not in k[len(prefix):] and not k.endswith(".envelope"))


def frame_kind(direction: str, data: Any) -> tuple[str, str | None]:
    """``(schema namespace, frame type)``: ``server``/``client``, with ``.chat`` for frames carrying ``ct``."""
    direction = DIRECTIONS.get(direction, direction)
    if not isinstance(data, dict):
        return direction, None
    chat = "ct" in data
    t = data.get("t") if isinstance(data.get("t"), str) else None
    if chat and t is None and isinstance(data.get("type"), str):
        t = data["type"]
    return (f"{direction}.chat" if chat else direction), t


def _errors(schema: dict, instance: Any) -> list[str]:
    v = Draft202012Validator(schema)
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<frame>'}: {e.message}"
            for e in sorted(v.iter_errors(instance), key=lambda e: list(e.absolute_path))]


def check_frame(direction: str, data: Any, schema_dir: Path = SCHEMA_DIR) -> SchemaCheck:
    """Validate one decoded frame; ``direction`` is ``server``/``client`` (or a transcript's ``in``/``out``)."""
    space, t = frame_kind(direction, data)
    schemas = load_schemas(schema_dir)
    errors = _errors(schemas[f"{space}.envelope"], data) if f"{space}.envelope" in schemas else []
    name = f"{space}.{t}" if t else None
    if name is None or name not in schemas:
        return SchemaCheck(space, t, None, errors + [f"no schema for {space} frame type {t!r}"])
    return SchemaCheck(space, t, f"{name}.json", errors + _errors(schemas[name], data))


def fits(direction: str, t: str, instance: Any, schema_dir: Path = SCHEMA_DIR) -> list[str] | None:
    """Errors of ``instance`` against the schema of ``t`` in ``direction`` (``server``, ``client.chat``...;
    None when there is no such schema)."""
    schema = load_schemas(schema_dir).get(f"{DIRECTIONS.get(direction, direction)}.{t}")
    return None if schema is None else _errors(schema, instance)
