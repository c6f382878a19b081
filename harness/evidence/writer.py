"""Append-only JSONL evidence writer.

Standard library only at import (orjson is used when present; this module is copied into the probe
plugins, next to ``redact.py``, and runs inside other interpreters).

Durability. Each record is redacted, serialised and written as one whole line with one ``os.write``
loop on an ``O_APPEND`` descriptor under an exclusive ``flock``, so several processes can append to
the same file and nothing is buffered in user space. A writer killed in the middle of a line leaves
a partial last line; before writing, under the lock, a ``FileSink`` checks whether the file ends in
``\\n`` whenever the file's size is not what its own last write left (always before its first write)
and, if not, ends that partial line first. A crash therefore costs at most its own partial record,
which the reader reports as one bad line; the single-writer path costs one ``lseek`` per record.
A forked child reopens the file (a descriptor shared with the parent would share its lock).

Values JSON cannot hold. The fast serialiser runs first; only when it fails is the record sanitised
and serialised again, on both the orjson and the standard-library path, into what the reader
(strict JSON) accepts:

* a lone surrogate in a string becomes U+FFFD (a surrogate *pair* becomes its character);
* an integer outside the 64-bit range (-2**63 .. 2**64-1) becomes its decimal text (hex text past
  Python's int-to-str digit limit);
* NaN, Infinity and -Infinity become ``null`` (what orjson writes for them natively, so both paths
  agree without scanning every record);
* a dict key that is not a string becomes its text.

Nothing is dropped silently. A record that the redactor fails on, that still cannot be serialised
(an object whose ``repr`` raises, a circular reference) or is longer than the reader's line cap, or
whose write fails, is replaced by a ``writer-error`` record, and ``EvidenceWriter.write`` returns
that record instead::

    {"record": "writer-error", "adapter": ..., "capabilities": [the lost record's well-formed ones],
     "message": "evidence record 'api_call' could not be serialised and was lost: ...",
     "lost": {"record": "api_call", "adapter": ..., "capabilities": [...]},
     "exception": {"type": ..., "message": ..., "stage": "redact" | "serialise" | "write", "cause": ...},
     "preview": "<at most PREVIEW_CHARS characters of the lost record as JSON text>", ...provenance}

all redacted by the writer's redactor (the preview from a bounded copy whose strings are redacted
whole before they are cut). If even the ``writer-error`` record cannot be written (disk full), the
write raises.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
import re
import threading
import time
import weakref
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
#: The reader's default cap on one line (``ACCEPTANCE_MAX_LINE_BYTES`` overrides it, as in the reader).
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Bound on the ``preview`` text of a ``writer-error`` record.
PREVIEW_CHARS = 2000
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1
_MAX_DEPTH = 200  # below orjson's recursion limit (254)
_CAPABILITY = re.compile(r"^(event|api|platform_api|receive|send|compat):.+$")


class EvidenceEncodeError(ValueError):
    """A record cannot be serialised even after sanitising (the writer turns it into ``writer-error``)."""


class EvidenceWriteError(OSError):
    """A record was lost and the ``writer-error`` record naming it could not be written either."""


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


def _fast(value: Any) -> bytes:
    """The plain serialisation (no newline); raises on anything strict JSON cannot hold."""
    if _orjson is not None:
        return _orjson.dumps(value, default=_default, option=_orjson.OPT_NON_STR_KEYS)
    return json.dumps(value, default=_default, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")


def dumps_line(record: dict) -> bytes:
    """One JSONL line for ``record``: fast path first, sanitised (see module docstring) only on failure.

    Raises :class:`EvidenceEncodeError` when even the sanitised record cannot be serialised.
    """
    try:
        return _fast(record) + b"\n"
    except Exception as exc:  # noqa: BLE001 - whatever the serialiser or a default() raised
        first = exc
    try:
        return _fast(_sanitise(record, 0, set())) + b"\n"
    except _Unencodable as exc:
        raise EvidenceEncodeError(f"{exc.why}{' at ' + exc.path if exc.path else ''}") from first
    except Exception as exc:  # noqa: BLE001
        raise EvidenceEncodeError(f"{type(exc).__name__}: {_exc_text(exc)}") from first


class _Unencodable(Exception):
    def __init__(self, why: str, path: str = "") -> None:
        super().__init__(why)
        self.why, self.path = why, path


def _fix_text(text: str) -> str:
    """The string, with lone surrogates replaced by U+FFFD and surrogate pairs joined."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _int_text(value: int) -> str:
    try:
        return str(int(value))
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return hex(value)


def _key(key: Any) -> str:
    if isinstance(key, str):
        return _fix_text(key)
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return _int_text(key)
    if isinstance(key, float):
        return repr(float(key))
    try:
        converted = _default(key)
    except Exception as exc:  # noqa: BLE001
        raise _Unencodable(f"dict key of type {type(key).__name__} cannot be converted: {type(exc).__name__}: {_exc_text(exc)}") from None
    if converted is None or isinstance(converted, (str, int, float)):
        return _key(converted)
    return _fix_text(str(converted))


def _sanitise(value: Any, depth: int, active: set[int]) -> Any:
    """A copy of ``value`` that strict JSON can hold; raises :class:`_Unencodable` when there is none."""
    if value is None or value is True or value is False:
        return value
    if isinstance(value, str):
        return _fix_text(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value) if _INT_MIN <= value <= _INT_MAX else _int_text(value)
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    if depth > _MAX_DEPTH:
        raise _Unencodable(f"nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, (dict, list, tuple, set, frozenset)):
        if id(value) in active:
            raise _Unencodable("circular reference")
        active.add(id(value))
        try:
            if isinstance(value, dict):
                out: dict[str, Any] = {}
                for k, v in value.items():
                    name = _key(k)
                    try:
                        out[name] = _sanitise(v, depth + 1, active)
                    except _Unencodable as exc:
                        exc.path = f"{name}.{exc.path}" if exc.path else name
                        raise
                return out
            items = []
            for i, v in enumerate(value):
                try:
                    items.append(_sanitise(v, depth + 1, active))
                except _Unencodable as exc:
                    exc.path = f"[{i}]{'.' + exc.path if exc.path else ''}"
                    raise
            return items
        finally:
            active.discard(id(value))
    # Any other object: keep it when the serialiser handles it natively (datetime, UUID, enum ...),
    # else convert it as the fast path's default() would, and sanitise what that gives.
    try:
        _fast(value)
        return value
    except Exception:  # noqa: BLE001
        pass
    try:
        converted = _default(value)
    except Exception as exc:  # noqa: BLE001
        raise _Unencodable(f"value of type {type(value).__name__} cannot be converted: "
                           f"{type(exc).__name__}: {_exc_text(exc)}") from None
    if converted is value:
        raise _Unencodable(f"value of type {type(value).__name__} cannot be converted")
    return _sanitise(converted, depth + 1, active)


def _exc_text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001 - an exception whose __str__ raises
        return f"<{type(exc).__name__}: str() failed>"


def _bounded(text: str, limit: int) -> str:
    text = _fix_text(text)
    return text if len(text) <= limit else text[:limit] + f"...({len(text)} chars)"


def _safe_copy(value: Any, depth: int = 0, active: set[int] | None = None, *, max_str: int = 500,
               max_items: int = 50, max_depth: int = 8, text: Any = None) -> Any:
    """A bounded, acyclic, JSON-safe copy of anything; never raises (for previews of lost records).

    ``text`` (the redactor's) is applied to every string before it is cut, so a secret cannot be
    half-cut out of the redactor's reach.
    """
    if active is None:
        active = set()
    try:
        if value is None or value is True or value is False:
            return value
        if isinstance(value, str):
            return _bounded(text(value) if text else value, max_str)
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, int):
            return int(value) if _INT_MIN <= value <= _INT_MAX else _bounded(_int_text(value), max_str)
        if isinstance(value, float):
            return float(value) if math.isfinite(value) else None
        if not isinstance(value, (dict, list, tuple, set, frozenset)):
            try:
                shown = repr(value)
            except Exception as exc:  # noqa: BLE001
                shown = f"<{type(value).__name__} object; repr() raised {type(exc).__name__}>"
            return _bounded(text(shown) if text else shown, max_str)
        if depth >= max_depth:
            return "<too deep>"
        if id(value) in active:
            return "<circular reference>"
        active.add(id(value))
        try:
            kw = {"max_str": max_str, "max_items": max_items, "max_depth": max_depth, "text": text}
            if isinstance(value, dict):
                out: dict[str, Any] = {}
                for i, (k, v) in enumerate(value.items()):
                    if i >= max_items:
                        out["..."] = f"{len(value) - max_items} more keys"
                        break
                    try:
                        name = _bounded(_key(k), 200)
                    except Exception:  # noqa: BLE001
                        name = f"<{type(k).__name__} key>"
                    out[name] = _safe_copy(v, depth + 1, active, **kw)
                return out
            items = [_safe_copy(v, depth + 1, active, **kw) for _, v in zip(range(max_items), value)]
            if len(value) > max_items:
                items.append(f"...({len(value) - max_items} more items)")
            return items
        finally:
            active.discard(id(value))
    except Exception as exc:  # noqa: BLE001 - a container that cannot even be iterated
        return f"<{type(value).__name__} unreadable: {type(exc).__name__}>"


def _line_cap() -> int:
    raw = os.environ.get("ACCEPTANCE_MAX_LINE_BYTES")
    try:
        return max(1024, int(raw)) if raw else MAX_LINE_BYTES
    except ValueError:
        return MAX_LINE_BYTES


class EvidenceSink:
    """Where records go. ``FileSink`` appends to JSONL; ``MemorySink`` keeps them for tests.

    ``EvidenceWriter`` serialises each record itself and hands the line to :meth:`write_line`; a sink
    that only implements :meth:`write` gets the record (dict) instead.
    """

    def write(self, record: dict) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def write_line(self, line: bytes, record: dict) -> None:
        self.write(record)

    def close(self) -> None:
        pass


_FILE_SINKS: "weakref.WeakSet[FileSink]" = weakref.WeakSet()


def _after_fork_in_child() -> None:
    # A descriptor inherited over fork shares its open file description, and so its flock, with the
    # parent: the two would not exclude each other. The child reopens the file on its next write.
    for sink in list(_FILE_SINKS):
        sink._lock = threading.Lock()
        if sink._fd >= 0:
            try:
                os.close(sink._fd)
            except OSError:
                pass
            sink._fd = -2  # reopen on the next write


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class FileSink(EvidenceSink):
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._open()
        _FILE_SINKS.add(self)

    def _open(self) -> None:
        try:  # readable, to look at the last byte of the file
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            self._readable = True
        except PermissionError:  # a write-only file: end an unknown tail with a newline instead
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            self._readable = False
        #: The file's size after our own last complete write; -1 = unknown (check before writing).
        self._end = -1

    def write(self, record: dict) -> None:
        self.write_line(dumps_line(record), record)

    def write_line(self, line: bytes, record: dict | None = None) -> None:
        with self._lock:
            if self._fd == -2:
                self._open()
            fd = self._fd
            if fd < 0:
                raise OSError(9, "evidence file is closed", str(self.path))
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                size = os.lseek(fd, 0, os.SEEK_END)  # cheaper than fstat; O_APPEND writes ignore the offset
                if size != self._end:
                    self._end = -1
                    # Someone else wrote (or we never did): a writer killed mid-line may have left a
                    # partial last line. End it, so this record starts on a line of its own.
                    if size and (not self._readable or os.pread(fd, 1, size - 1) != b"\n"):
                        line = b"\n" + line
                view = memoryview(line)
                while view:  # os.write may write less than asked for very large records
                    written = os.write(fd, view)
                    view = view[written:]
                self._end = size + len(line)
            except BaseException:
                self._end = -1  # a partial line of our own may be left: check before the next write
                raise
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
            self._fd = -1


class MemorySink(EvidenceSink):
    def __init__(self) -> None:
        self.records: list[dict] = []

    def write(self, record: dict) -> None:
        self.write_line(dumps_line(record), record)

    def write_line(self, line: bytes, record: dict | None = None) -> None:
        # Round-trip through JSON so tests see exactly what a file would hold.
        self.records.append(json.loads(line))


class EvidenceWriter:
    """Builds, redacts and writes evidence records with the run's provenance filled in.

    >>> w = EvidenceWriter(MemorySink(), run_id="r1", framework="langbot", framework_version="4.11.2")
    >>> rec = w.write("finding", adapter="demo-adapter", message="hello")
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
        secrets = tuple(secrets)
        self.redactor = Redactor(secrets, fingerprint_key=run_id)
        self.max_line_bytes = _line_cap()

    @classmethod
    def to_file(cls, path: str | os.PathLike, **kwargs: Any) -> "EvidenceWriter":
        return cls(FileSink(path), **kwargs)

    def add_secrets(self, *values: str) -> None:
        self.redactor.add_known(*values)

    def write(self, record_type: str, **fields: Any) -> dict:
        """Write one record and return it (redacted; the file holds its JSON-safe form, see the
        module docstring), or the ``writer-error`` record written in its place when it was lost.

        Raises (:class:`EvidenceWriteError`, or the sink's own ``OSError`` when the write failed)
        only when the loss could not be recorded either.
        """
        epoch = fields.pop("t", None) or time.time()
        try:
            ts = now_iso(epoch)
        except Exception:  # noqa: BLE001 - not a usable time: record when it was written instead
            fields["t_given"] = _safe_copy(epoch)
            epoch = time.time()
            ts = now_iso(epoch)
        record: dict[str, Any] = {"v": SCHEMA_VERSION, "record": record_type, "ts": ts, "t": epoch}
        record.update(self.base)
        record.setdefault("producer", self.producer)
        record.update({k: v for k, v in fields.items() if v is not None})
        caps = record.get("capabilities")
        if isinstance(caps, str):
            record["capabilities"] = [caps]
        try:
            record = self.redactor.value(record)
        except Exception as exc:  # noqa: BLE001 - the redactor failed (the record is not redacted: never written)
            return self._lost(record_type, record, exc, "redact")
        try:
            line = dumps_line(record)
            if len(line) > self.max_line_bytes:
                raise EvidenceEncodeError(f"record is {len(line)} bytes, longer than the reader's cap of "
                                          f"{self.max_line_bytes} bytes (ACCEPTANCE_MAX_LINE_BYTES)")
        except Exception as exc:  # noqa: BLE001 - cannot be serialised, or too long for the reader
            return self._lost(record_type, record, exc, "serialise")
        try:
            self._emit(line, record)
        except Exception as exc:  # noqa: BLE001
            return self._lost(record_type, record, exc, "write")
        return record

    def _emit(self, line: bytes, record: dict) -> None:
        write_line = getattr(self.sink, "write_line", None)
        if write_line is None:  # a duck-typed sink with only write(record)
            self.sink.write(record)
        else:
            write_line(line, record)

    def _lost(self, record_type: Any, record: Any, exc: BaseException, stage: str) -> dict:
        """Write a ``writer-error`` record in place of a lost one; raise if that fails too."""
        try:
            err = self.error_record(record_type, record, exc, stage)
            self._emit(dumps_line(err), err)
            return err
        except Exception as second:  # noqa: BLE001
            if stage == "write" and isinstance(exc, OSError):
                note = getattr(exc, "add_note", None)
                if note is not None:
                    note(f"the writer-error record for it failed too: {type(second).__name__}: {_exc_text(second)}")
                raise exc  # the sink's own error (disk full ...); the failed writer-error is its context
            failure = EvidenceWriteError(
                f"evidence record {_bounded(str(record_type), 100)!r} was lost ({stage}: {type(exc).__name__}: "
                f"{self._redacted_text(_fix_text(_exc_text(exc)))[:500]}) and its writer-error record could not be written: "
                f"{type(second).__name__}: {self._redacted_text(_fix_text(_exc_text(second)))[:500]}")
            failure.errno = getattr(second, "errno", None)
            raise failure from second

    def error_record(self, record_type: Any, record: Any, exc: BaseException, stage: str) -> dict:
        """The redacted ``writer-error`` record for a lost ``record`` (built from bounded safe copies)."""
        rec = record if isinstance(record, dict) else {}
        kind = _bounded(str(record_type), 100) if isinstance(record_type, str) else _safe_copy(record_type, max_str=100)
        adapter = rec.get("adapter")
        adapter = _bounded(adapter, 200) if isinstance(adapter, str) else None
        caps = rec.get("capabilities")
        caps = [_bounded(c, 200) for c in caps[:50] if isinstance(c, str)] if isinstance(caps, list) else []
        lost: dict[str, Any] = {"record": kind}
        if adapter is not None:
            lost["adapter"] = adapter
        if caps:
            lost["capabilities"] = caps
        message = _bounded(self._redacted_text(_fix_text(_exc_text(exc))), PREVIEW_CHARS)
        now = time.time()
        producer = rec.get("producer")
        err: dict[str, Any] = {"v": SCHEMA_VERSION, "record": "writer-error", "ts": now_iso(now), "t": now}
        err.update(_safe_copy(self.base))
        err["producer"] = producer if isinstance(producer, str) else self.producer
        if adapter is not None:
            err["adapter"] = adapter
        valid_caps = [c for c in caps if _CAPABILITY.match(c)]
        if valid_caps:
            err["capabilities"] = valid_caps
        verb = {"write": "written", "redact": "redacted"}.get(stage, "serialised")
        err["message"] = f"evidence record {kind!r} could not be {verb} and was lost: {type(exc).__name__}: {message}"
        err["lost"] = lost
        err["exception"] = {"type": type(exc).__name__, "message": message, "stage": stage}
        cause = exc.__cause__
        if cause is not None:  # e.g. what the fast serialiser said before sanitising was tried
            err["exception"]["cause"] = _bounded(
                f"{type(cause).__name__}: {self._redacted_text(_fix_text(_exc_text(cause)))}", PREVIEW_CHARS)
        err["preview"] = self._preview(record)
        try:
            return self.redactor.value(err)
        except Exception:  # noqa: BLE001 - the redactor itself fails: withhold every free text
            err["message"] = f"evidence record {kind!r} could not be {verb} and was lost: {type(exc).__name__}"
            err["exception"] = {"type": type(exc).__name__, "message": "<withheld: the redactor failed>", "stage": stage}
            err["preview"] = "<withheld: the redactor failed>"
            return err

    def _preview(self, record: Any) -> str:
        try:
            # Strings are redacted whole before they are cut; then key-based redaction on the copy.
            copy = self.redactor.value(_safe_copy(record, text=self._redacted_text))
            return _bounded(json.dumps(copy, ensure_ascii=False, separators=(",", ":"), default=str), PREVIEW_CHARS)
        except Exception as exc:  # noqa: BLE001
            return f"<preview unavailable: {type(exc).__name__}>"

    def _redacted_text(self, text: str) -> str:
        try:
            return self.redactor.text(text)
        except Exception:  # noqa: BLE001
            return "<withheld: the redactor failed>"

    def close(self) -> None:
        self.sink.close()
