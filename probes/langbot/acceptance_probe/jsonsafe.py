"""Turn arbitrary values (pydantic models, enums, bytes, datetimes) into bounded JSON-safe data."""

from __future__ import annotations

import base64
import datetime as _dt
import enum
from typing import Any

MAX_STR = 2000
MAX_ITEMS = 50
MAX_DEPTH = 8


def json_safe(value: Any, *, depth: int = 0, max_str: int = MAX_STR, max_items: int = MAX_ITEMS) -> Any:
    if depth > MAX_DEPTH:
        return "<too deep>"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= max_str else value[:max_str] + f"...({len(value)} chars)"
    if isinstance(value, enum.Enum):
        return json_safe(value.value, depth=depth + 1)
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    if isinstance(value, (_dt.datetime, _dt.date)):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        try:
            value = value.model_dump(mode="json")
        except Exception:
            try:
                value = value.model_dump()
            except Exception:
                return repr(value)[:max_str]
        return json_safe(value, depth=depth + 1)
    if isinstance(value, dict):
        out = {}
        for i, (k, v) in enumerate(value.items()):
            if i >= max_items:
                out["..."] = f"{len(value) - max_items} more keys"
                break
            out[str(k)] = json_safe(v, depth=depth + 1)
        return out
    if isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
        out_list = [json_safe(v, depth=depth + 1) for v in items[:max_items]]
        if len(items) > max_items:
            out_list.append(f"...({len(items) - max_items} more items)")
        return out_list
    return repr(value)[:max_str]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
