"""JSON files the harness reads back (per-adapter reports, baselines): bounded, parsed and validated
against their JSON Schema before use, so a wrong type is a ``file field`` message, never a crash.

    >>> load_json_input("reports/latest/<adapter>.json", "report")  # doctest: +SKIP
"""

from __future__ import annotations

import json
import stat
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import msgspec

from harness.errors import InputError

#: A per-adapter report with every log and cited line is a few MB; far above that is not a report.
MAX_JSON_INPUT_BYTES = 64 * 1024 * 1024
#: Where each kind of input's schema lives (package, file).
SCHEMAS = {
    "report": ("harness.report", "report.schema.json"),
    "baseline": ("harness.data", "baseline.schema.json"),
}


@lru_cache(maxsize=None)
def _validator(kind: str) -> jsonschema.Draft202012Validator:
    package, name = SCHEMAS[kind]
    return jsonschema.Draft202012Validator(json.loads(resources.files(package).joinpath(name).read_text("utf-8")))


def read_json(path: str | Path) -> Any:
    """Parse a JSON file: a missing, unreadable, oversized, non-regular or malformed file is an InputError."""
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file" + (" (a folder)" if stat.S_ISDIR(info.st_mode) else " (a pipe, socket or device)"),
                         path=path)
    if info.st_size > MAX_JSON_INPUT_BYTES:
        raise InputError(f"larger than the limit of {MAX_JSON_INPUT_BYTES} bytes ({info.st_size} bytes)", path=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise InputError(f"not JSON: {exc}", path=path, line=_line(raw, str(exc))) from None
    except RecursionError:
        raise InputError("nested too deeply to read", path=path) from None


def load_json_input(path: str | Path, kind: str) -> Any:
    """:func:`read_json`, then validated against the schema of ``kind`` (a key of :data:`SCHEMAS`)."""
    data = read_json(path)
    try:
        error = jsonschema.exceptions.best_match(_validator(kind).iter_errors(data))
    except RecursionError:
        raise InputError("nested too deeply to validate", path=path) from None
    if error is not None:
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".") or "(document)"
        message = error.message if len(error.message) <= 300 else error.message[:297] + "..."
        raise InputError(f"not a valid {kind}: {message}", path=path, field=field)
    return data


def _line(raw: bytes, message: str) -> int | None:
    """The line of msgspec's ``(byte N)`` position, when it names one."""
    marker = message.rpartition("(byte ")[2].rstrip(")")
    return raw[: int(marker)].count(b"\n") + 1 if marker.isdigit() else None
