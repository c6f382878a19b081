"""Streaming evidence reader: yields records, reports each bad line with file and line, keeps going."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterator

import orjson

from harness.errors import InputError

REQUIRED_KEYS = ("v", "record", "run_id")
RECORD_TYPES = frozenset({"run", "inject", "event", "api_call", "platform_received", "ui_observed", "skip", "check", "finding"})


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


def evidence_files(paths: list[str | Path]) -> list[Path]:
    """Expand folders to their ``*.jsonl`` files; a missing path is an input error."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(p.rglob("*.jsonl")))
        elif p.exists():
            out.append(p)
        else:
            raise InputError("evidence file not found", path=p)
    return out


def iter_records(paths: list[str | Path], result: ReadResult, *, strict: bool = False,
                 numeric_refs: bool = False) -> Iterator[tuple[str | int, dict]]:
    """Stream records from JSONL files.

    A line that is not UTF-8, not JSON, truncated or not a record is added to ``result.problems``
    with its file and line number, and reading goes on. ``strict`` validates every record against
    the JSON Schema (slower); otherwise only the type tag and required keys are checked.
    ``numeric_refs`` yields ``file_index << 32 | line`` instead of ``"<file>:<line>"`` (see
    :func:`ref_text`), which saves a string per record on large runs.
    """
    validator = None
    if strict:
        import jsonschema

        validator = jsonschema.Draft202012Validator(evidence_schema())
    loads = orjson.loads
    for path in evidence_files(paths):
        name = str(path)
        result.files.append(name)
        file_bits = (len(result.files) - 1) << 32
        good = 0
        problems_before = len(result.problems)
        # Streamed line by line (a run's evidence can be larger than memory should hold at once).
        # The hot loop of every check: keep it lean (see bench/checker_throughput.py).
        with open(path, "rb", buffering=1 << 20) as fh:
            for lineno, raw in enumerate(fh, 1):
                try:
                    rec = loads(raw)
                except orjson.JSONDecodeError as exc:
                    if raw.isspace():
                        continue
                    result.problems.append(BadLine(name, lineno, _describe_bad(raw, exc)))
                    continue
                if type(rec) is not dict or rec.get("record") not in RECORD_TYPES or "v" not in rec or "run_id" not in rec:
                    result.problems.append(BadLine(name, lineno, _describe_shape(rec)))
                    continue
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


def _describe_shape(rec: object) -> str:
    if not isinstance(rec, dict):
        return f"not an evidence record: a JSON {type(rec).__name__}, expected an object"
    if rec.get("record") not in RECORD_TYPES:
        return f"unknown record type {rec.get('record')!r}; expected one of {', '.join(sorted(RECORD_TYPES))}"
    missing = [k for k in REQUIRED_KEYS if k not in rec]
    return f"missing field(s) {', '.join(missing)}"
