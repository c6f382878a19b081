"""Append-only JSONL evidence writer.

Standard library only (it is copied into the probe plugins). Each record is serialised, redacted and
written as one whole line with a single ``os.write`` on an ``O_APPEND`` descriptor under an exclusive
``flock``: several processes can write the same file at once and a killed writer leaves every record
it finished intact, with nothing buffered in user space.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

try:  # the harness always has orjson; a probe inside a framework may not
    import orjson as _orjson
except ImportError:  # pragma: no cover - exercised inside probe plugins
    _orjson = None

if __package__:
    from .redact import Redactor
else:  # pragma: no cover - when copied next to a probe as a plain module
    from redact import Redactor  # type: ignore[no-redef]

SCHEMA_VERSION = 1


def now_iso(epoch: float | None = None) -> str:
    stamp = datetime.fromtimestamp(epoch if epoch is not None else time.time(), tz=timezone.utc)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _default(value: Any) -> Any:
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if hasattr(value, "value") and type(value).__module__ != "builtins":  # enums
        return value.value
    return repr(value)


def dumps_line(record: dict) -> bytes:
    if _orjson is not None:
        return _orjson.dumps(record, default=_default, option=_orjson.OPT_NON_STR_KEYS) + b"\n"
    return (json.dumps(record, default=_default, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


class EvidenceSink:
    """Where records go. ``FileSink`` appends to JSONL; ``MemorySink`` keeps them for tests."""

    def write(self, record: dict) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def close(self) -> None:
        pass


class FileSink(EvidenceSink):
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, record: dict) -> None:
        line = dumps_line(record)
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                view = memoryview(line)
                while view:  # os.write may write less than asked for very large records
                    written = os.write(self._fd, view)
                    view = view[written:]
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class MemorySink(EvidenceSink):
    def __init__(self) -> None:
        self.records: list[dict] = []

    def write(self, record: dict) -> None:
        # Round-trip through JSON so tests see exactly what a file would hold.
        self.records.append(json.loads(dumps_line(record)))


class EvidenceWriter:
    """Builds, redacts and writes evidence records with the run's provenance filled in.

    >>> w = EvidenceWriter(MemorySink(), run_id="r1", framework="langbot", framework_version="4.11.2")
    >>> rec = w.write("finding", adapter="onebot-v11", message="hello")
    >>> rec["record"], rec["run_id"]
    ('finding', 'r1')
    """

    def __init__(
        self,
        sink: EvidenceSink,
        *,
        run_id: str,
        framework: str = "",
        framework_version: str = "",
        producer: str = "harness",
        secrets: Iterable[str] = (),
    ) -> None:
        self.sink = sink
        self.base = {"run_id": run_id, "framework": framework, "framework_version": framework_version}
        self.producer = producer
        self.redactor = Redactor(secrets)

    @classmethod
    def to_file(cls, path: str | os.PathLike, **kwargs: Any) -> "EvidenceWriter":
        return cls(FileSink(path), **kwargs)

    def add_secrets(self, *values: str) -> None:
        self.redactor.add_known(*values)

    def write(self, record_type: str, **fields: Any) -> dict:
        epoch = fields.pop("t", None) or time.time()
        record: dict[str, Any] = {"v": SCHEMA_VERSION, "record": record_type, "ts": now_iso(epoch), "t": epoch}
        record.update(self.base)
        record.setdefault("producer", self.producer)
        record.update({k: v for k, v in fields.items() if v is not None})
        caps = record.get("capabilities")
        if isinstance(caps, str):
            record["capabilities"] = [caps]
        record = self.redactor.value(record)
        self.sink.write(record)
        return record

    def close(self) -> None:
        self.sink.close()
