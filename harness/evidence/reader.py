"""Streaming evidence reader: yields records, reports each bad line with file and line, keeps going.

Every record is type-checked before use (the fields the checker reads, :func:`record_problem`), so a
record whose ``adapter`` is a list or whose ``t`` is a string is a ``file:line field`` problem, not a
crash further down. Only regular files are read (a named pipe would block forever), and a line
longer than :data:`MAX_LINE_BYTES` is reported and skipped without being held in memory whole.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterator

import msgspec

from harness.errors import InputError
from harness.evidence import typed

REQUIRED_KEYS = ("v", "record", "run_id")
RECORD_TYPES = frozenset(typed.RECORD_TYPES)
#: Default cap on one evidence line (``ACCEPTANCE_MAX_LINE_BYTES`` overrides it).
MAX_LINE_BYTES = 16 * 1024 * 1024


@lru_cache(maxsize=1)
def evidence_schema() -> dict:
    return json.loads(resources.files("harness.evidence").joinpath("evidence.schema.json").read_text("utf-8"))


@dataclass(frozen=True)
class BadLine:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass
class ReadResult:
    """Records are yielded as ``(ref, record)`` where ref is ``"<file>:<line>"``; problems collect here."""

    problems: list[BadLine] = field(default_factory=list)
    records: int = 0
    files: list[str] = field(default_factory=list)


def max_line_bytes() -> int:
    raw = os.environ.get("ACCEPTANCE_MAX_LINE_BYTES")
    try:
        return max(1024, int(raw)) if raw else MAX_LINE_BYTES
    except ValueError:
        raise InputError(f"not a number of bytes: {raw!r}", field="ACCEPTANCE_MAX_LINE_BYTES") from None


def evidence_files(paths: list[str | Path], skipped: list[BadLine] | None = None) -> list[Path]:
    """Expand folders to their ``*.jsonl`` files; a missing path is an input error.

    Only regular files are evidence: a named pipe, socket or device given by name is an input error;
    one found inside a folder is skipped and noted in ``skipped`` (reading it could block forever).
    """
    out: list[Path] = []
    for p in map(Path, paths):
        try:
            mode = p.stat().st_mode
        except FileNotFoundError:
            raise InputError("evidence file not found", path=p) from None
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path=p) from None
        if stat.S_ISDIR(mode):
            for f in sorted(p.rglob("*.jsonl")):
                try:
                    regular = stat.S_ISREG(f.stat().st_mode)
                except OSError as exc:
                    regular, why = False, f"cannot read: {exc.strerror or exc}"
                else:
                    why = "not a regular file (a pipe, socket or device): skipped"
                if regular:
                    out.append(f)
                elif skipped is not None:
                    skipped.append(BadLine(str(f), 0, why))
        elif stat.S_ISREG(mode):
            out.append(p)
        else:
            raise InputError("not a regular file (a pipe, socket or device); evidence must be JSONL files", path=p)
    return out


def iter_records(paths: list[str | Path], result: ReadResult, *, strict: bool = False, full: bool = False,
                 numeric_refs: bool = False) -> Iterator[tuple[str | int, dict]]:
    """Stream records from JSONL files.

    A line that is not UTF-8, not JSON, truncated, too long or not a record, or a record with a field
    of the wrong type, is added to ``result.problems`` with its file, line and field, and reading goes
    on. Records are decoded into :mod:`harness.evidence.typed`'s shape (validated while decoded; only
    the fields the checker reads are kept); ``full`` yields every field of the line instead, and
    ``strict`` (implies ``full``) also validates each record against the JSON Schema (slow).
    ``numeric_refs`` yields ``file_index << 32 | line`` instead of ``"<file>:<line>"`` (see
    :func:`ref_text`), which saves a string per record on large runs.
    """
    validator = None
    if strict:
        import jsonschema

        validator = jsonschema.Draft202012Validator(evidence_schema())
        full = True
    decode, invalid, malformed = typed.decoder.decode, typed.ValidationError, typed.DecodeError
    component_problem, components_in = typed.component_problem, typed.COMPONENTS_IN.get
    cap = max_line_bytes()
    for path in evidence_files(paths, result.problems):
        name = str(path)
        result.files.append(name)
        file_bits = (len(result.files) - 1) << 32
        good = 0
        problems_before = len(result.problems)
        try:
            fh = open(path, "rb", buffering=1 << 20)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
        # Streamed line by line (a run's evidence can be larger than memory should hold at once).
        # The hot loop of every check: keep it lean (see bench/checker_throughput.py).
        with fh:
            lineno = 0
            for raw in iter(lambda: fh.readline(cap + 1), b""):
                lineno += 1
                if len(raw) > cap and raw[-1:] != b"\n":
                    skipped = len(raw) + _skip_line(fh)
                    result.problems.append(BadLine(name, lineno, f"line longer than the cap of {cap} bytes ({skipped} bytes): "
                                                   "skipped (ACCEPTANCE_MAX_LINE_BYTES raises the cap)"))
                    continue
                try:
                    rec = decode(raw)
                except invalid as exc:
                    result.problems.append(BadLine(name, lineno, typed.describe(exc)))
                    continue
                except malformed as exc:
                    if not raw.isspace():
                        result.problems.append(BadLine(name, lineno, _describe_bad(raw, exc)))
                    continue
                if (part := components_in(rec["record"])) and (problem := component_problem(rec, part)) is not None:
                    result.problems.append(BadLine(name, lineno, problem))
                    continue
                if full:
                    rec = msgspec.json.decode(raw)  # every field; integers beyond 64 bits stay exact
                    if validator is not None:
                        err = next(iter(validator.iter_errors(rec)), None)
                        if err is not None:
                            where = ".".join(map(str, err.absolute_path)) or "(record)"
                            result.problems.append(BadLine(name, lineno, f"schema: field '{where}': {err.message}"))
                            continue
                good += 1
                yield (file_bits | lineno) if numeric_refs else f"{name}:{lineno}", rec
        if good == 0 and len(result.problems) == problems_before:  # nothing but blank lines, or no bytes at all
            result.problems.append(BadLine(name, 0, "empty evidence file (no records)"))
        result.records += good


def _skip_line(fh) -> int:
    """Read past the rest of an over-long line in bounded chunks; the number of bytes skipped."""
    skipped = 0
    while True:
        chunk = fh.readline(1 << 20)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def ref_text(ref: str | int, files: list[str]) -> str:
    """``"<file>:<line>"`` for a reference yielded by :func:`iter_records`."""
    if isinstance(ref, str):
        return ref
    return f"{files[ref >> 32]}:{ref & 0xFFFFFFFF}"


def _describe_bad(raw: bytes, exc: Exception) -> str:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as ude:
        return f"not UTF-8 (byte 0x{raw[ude.start]:02x} at column {ude.start + 1})"
    if not raw.endswith(b"\n"):
        return f"truncated record (no end of line; the writer was probably killed): {exc}"
    return f"not JSON: {exc}"
