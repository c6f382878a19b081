"""Hostile input against every CLI command: the exit-code contract holds, nothing crashes or hangs.

Two parts:

* a corpus of hand-made hostile inputs (the cases an adversarial review tried), each with the exit
  code it must give and the place its message must name;
* a Hypothesis fuzz suite over manifests, evidence records, baselines and compare inputs (mutations
  of valid ones and arbitrary JSON/YAML/bytes): every case exits 0, 1 or 2 (never 4, never a
  traceback), within 5 seconds, and exit 2 names the file.

The fuzz cases are derandomized when ``CI`` is set (profile ``ci``), so CI runs the same inputs
each time; ``HYPOTHESIS_PROFILE=deep`` tries many more. Counts are printed in the terminal summary
(inputs tried, tracebacks, hangs, exit codes seen).
"""

from __future__ import annotations

import copy
import json
import os
import signal
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cli import main

from .evidence_factory import Story

pytestmark = pytest.mark.unit

DEMO = Path(__file__).parent / "data" / "manifests" / "demo" / "manifest.yaml"
CASE_SECONDS = 5

settings.register_profile("default", max_examples=60, deadline=CASE_SECONDS * 1000,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("default"), derandomize=True, print_blob=True)
settings.register_profile("deep", parent=settings.get_profile("default"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default"))

STATS: Counter = Counter()


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: int):
    """A hang fails the case instead of blocking the suite (SIGALRM: CliRunner runs in this thread)."""
    def ring(signum, frame):
        raise Hang(f"no answer within {seconds} s")

    old = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def cli(*args: str, source: str = "corpus"):
    """Run the CLI in-process and enforce the contract: no traceback, no internal error, no hang."""
    STATS["inputs"] += 1
    STATS[f"{source} inputs"] += 1
    try:
        with time_limit(CASE_SECONDS):
            r = CliRunner().invoke(main, list(args))
    except Hang:
        STATS["hangs"] += 1
        raise
    STATS[f"exit {r.exit_code}"] += 1
    crashed = r.exception is not None and not isinstance(r.exception, SystemExit)
    if crashed or "Traceback (most recent call last)" in r.output + r.stderr or r.exit_code == 4:
        STATS["tracebacks"] += 1
        raise AssertionError(f"{args}: exit {r.exit_code}, {r.exception!r}\n{r.stderr}{r.output}")
    return r


def summary_line() -> str | None:
    """The counts of this module's run, for the terminal summary (tests/conftest.py prints it)."""
    if not STATS["inputs"]:
        return None
    codes = ", ".join(f"{k} x{v}" for k, v in sorted(STATS.items()) if k.startswith("exit"))
    return (f"hostile inputs: {STATS['inputs']} tried ({STATS['corpus inputs']} corpus, {STATS['fuzz inputs']} fuzz), "
            f"tracebacks {STATS['tracebacks']}, hangs {STATS['hangs']}; exit codes seen: {codes}")


@pytest.fixture(scope="module", autouse=True)
def write_counts():
    yield
    out = os.environ.get("ACCEPTANCE_FUZZ_STATS")
    if out:
        Path(out).write_text(json.dumps(dict(STATS), indent=1) + "\n")


def manifest_dir(tmp: Path, text: str | bytes, name: str = "demo") -> Path:
    folder = tmp / "manifests" / name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
    return tmp / "manifests"


@pytest.fixture
def demo_dir(tmp_path) -> Path:
    return manifest_dir(tmp_path, DEMO.read_text())


@pytest.fixture
def good_evidence(tmp_path) -> Path:
    s = Story(tmp_path / "good.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=True)
    s.skip(["api:reply_message"], "blocked", "no safe target")
    return tmp_path / "good.jsonl"


@pytest.fixture
def good_report(tmp_path, good_evidence, demo_dir) -> Path:
    r = cli("report", str(good_evidence), "--manifest-dir", str(demo_dir), "--report-dir", str(tmp_path / "rep"), "--run-id", "r")
    assert r.exit_code == 0, r.output
    return tmp_path / "rep" / "r" / "demo-adapter.json"


# ---- the corpus ---------------------------------------------------------------------------------

BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{c}: &{c} [" + ",".join([f"*{p}"] * 10) + "]\n" for p, c in zip("abcdefgh", "bcdefghi"))
MANIFEST_CASES = {
    "nul byte": (DEMO.read_text().replace("demo-adapter", "demo\x00adapter"), "NUL"),
    "control character": ("apiVersion: v1\nkind: \x07\n", "not allowed"),
    "alias bomb": (DEMO.read_text() + BOMB, "alias"),
    "recursive alias": (DEMO.read_text() + "x: &x [*x]\n", "recursive"),
    "deep nesting": (DEMO.read_text() + "x: " + "[" * 3000 + "]" * 3000 + "\n", "nested"),
    "duplicate top-level key": (DEMO.read_text() + "kind: Other\n", "duplicate key 'kind'"),
    "duplicate nested key": (DEMO.read_text().replace("  name: demo-adapter\n", "  name: demo-adapter\n  name: x\n"), "duplicate key 'name'"),
    "not a mapping": ("- a\n- b\n", "mapping"),
    "empty": ("", "empty"),
    "not utf-8": (b"apiVersion: v1\n\xff\xfe\n", "UTF-8"),
    "malformed yaml": ("a: [1, 2\n", "malformed YAML"),
    "name is a list": (DEMO.read_text().replace("name: demo-adapter", "name: [a, b]"), "metadata.name"),
    "events is a string": (DEMO.read_text().replace("  supported_events:\n    - message.received\n    - group.member_joined\n    - demo.custom_event\n",
                                                    "  supported_events: message.received\n"), "supported_events"),
    "huge": ("a: " + "x" * (1024 * 1024 + 10) + "\n", "limit"),
    "binary": (bytes(range(256)), "manifest.yaml"),
}


@pytest.mark.parametrize("case", list(MANIFEST_CASES))
def test_hostile_manifest_is_input_error_with_its_place(case, tmp_path):
    text, expect = MANIFEST_CASES[case]
    folder = manifest_dir(tmp_path, text)
    r = cli("manifests", "--manifest-dir", str(folder))
    assert r.exit_code == 2, r.output
    assert "manifest.yaml" in r.stderr and expect in r.stderr, r.stderr


BASE_RECORD = {"v": 1, "record": "event", "run_id": "r", "ts": "x", "t": 1.0, "adapter": "demo-adapter", "producer": "probe",
               "event": {"type": "message.received", "message_id": "1", "components": [{"type": "Plain", "text": "hi"}]}}
EVIDENCE_CASES: dict[str, tuple[Any, str]] = {
    "adapter is a list": ({**BASE_RECORD, "adapter": ["a"]}, "field 'adapter'"),
    "t is a string": ({**BASE_RECORD, "t": "now"}, "field 't'"),
    "match is not an object": ({**BASE_RECORD, "record": "inject", "match": [1, 2]}, "field 'match'"),
    "match value is an object": ({**BASE_RECORD, "record": "inject", "match": {"event.type": {"a": 1}}}, "match"),
    "run_id is a number": ({**BASE_RECORD, "run_id": 5}, "field 'run_id'"),
    "record type unknown": ({**BASE_RECORD, "record": "nope"}, "field 'record'"),
    "record type a list": ({**BASE_RECORD, "record": ["event"]}, "field 'record'"),
    "capability not a string": ({**BASE_RECORD, "capabilities": [1]}, "capabilities"),
    "component not an object": ({**BASE_RECORD, "event": {"components": ["Plain"]}}, "event.components"),
    "component type a list": ({**BASE_RECORD, "event": {"components": [{"type": ["Plain"]}]}}, "components[0].type"),
    "api not an object": ({**BASE_RECORD, "record": "api_call", "api": "send"}, "field 'api'"),
    "api.started a string": ({**BASE_RECORD, "record": "api_call", "api": {"name": "x", "ok": True, "started": "a"}}, "api.started"),
    "observed.message_id an object": ({**BASE_RECORD, "record": "platform_received", "observed": {"message_id": {}}}, "message_id"),
    "v missing": ({k: v for k, v in BASE_RECORD.items() if k != "v"}, "field 'v'"),
    "a JSON array": ([1, 2, 3], "object"),
    "a JSON string": ('"event"', "object"),
    "deep nesting": ("[" * 5000 + "]" * 5000, "evil.jsonl:1"),
    "NaN": ('{"v":1,"record":"finding","run_id":"r","t":NaN}', "not JSON"),
    "number out of range": ('{"v":1,"record":"finding","run_id":"r","t":1e400}', "field 't'"),
}


@pytest.mark.parametrize("case", list(EVIDENCE_CASES))
def test_hostile_evidence_line_is_named_and_the_rest_is_judged(case, tmp_path, good_evidence, demo_dir):
    bad, expect = EVIDENCE_CASES[case]
    evil = tmp_path / "evil.jsonl"
    evil.write_text((bad if isinstance(bad, str) else json.dumps(bad)) + "\n")
    r = cli("check", str(good_evidence), str(evil), "--manifest-dir", str(demo_dir))
    assert r.exit_code in (0, 1), r.stderr
    assert f"{evil}:1" in r.stderr and expect in r.stderr, r.stderr
    assert "checked 6 records" in r.stderr  # the good file's records were all judged
    r = cli("check", str(evil), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "no usable evidence record" in r.stderr, r.stderr


def test_evidence_sets_that_prove_nothing_are_input_errors(tmp_path, demo_dir):
    empty = tmp_path / "empty"
    empty.mkdir()
    r = cli("check", str(empty), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "no evidence files" in r.stderr
    (empty / "blank.jsonl").write_text("\n\n")
    r = cli("check", str(empty), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "blank.jsonl" in r.stderr
    r = cli("check", str(tmp_path / "missing"), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "not found" in r.stderr


def test_a_named_pipe_is_never_read(tmp_path, good_evidence, demo_dir):
    folder = tmp_path / "ev"
    folder.mkdir()
    good_evidence.rename(folder / "good.jsonl")
    os.mkfifo(folder / "pipe.jsonl")
    r = cli("check", str(folder), "--manifest-dir", str(demo_dir))
    assert r.exit_code in (0, 1) and "pipe.jsonl" in r.stderr and "not a regular file" in r.stderr
    r = cli("check", str(folder / "pipe.jsonl"), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "not a regular file" in r.stderr


def test_an_over_long_line_is_skipped_and_named(tmp_path, good_evidence, demo_dir, monkeypatch):
    monkeypatch.setenv("ACCEPTANCE_MAX_LINE_BYTES", "4096")
    long = tmp_path / "long.jsonl"
    long.write_text(json.dumps({**BASE_RECORD, "message": "x" * 100_000}) + "\n" + json.dumps(BASE_RECORD) + "\n")
    r = cli("check", str(long), "--manifest-dir", str(demo_dir))
    assert f"{long}:1" in r.stderr and "longer than the cap of 4096 bytes" in r.stderr
    assert "checked 1 records" in r.stderr  # the next line is read normally


def test_output_folder_that_is_a_file(tmp_path, good_evidence, demo_dir):
    blocker = tmp_path / "reports"
    blocker.write_text("not a folder")
    r = cli("report", str(good_evidence), "--manifest-dir", str(demo_dir), "--report-dir", str(blocker))
    assert r.exit_code == 2 and str(blocker) in r.stderr


def test_unreadable_evidence(tmp_path, good_evidence, demo_dir):
    if os.geteuid() == 0:  # root reads any file whatever its mode: a folder named *.jsonl stands in
        bad = tmp_path / "folder.jsonl"
        bad.mkdir()
        r = cli("check", str(good_evidence), str(bad / "x.jsonl"), "--manifest-dir", str(demo_dir))
        assert r.exit_code == 2 and "x.jsonl" in r.stderr
        return
    good_evidence.chmod(0)
    r = cli("check", str(good_evidence), "--manifest-dir", str(demo_dir))
    assert r.exit_code == 2 and "good.jsonl" in r.stderr


BASELINE_CASES: dict[str, tuple[str, str]] = {
    "not JSON": ("{", "not JSON"),
    "a list": ("[]", "not a valid baseline"),
    "capabilities a list": ('{"adapter": "demo-adapter", "capabilities": []}', "capabilities"),
    "unknown status": ('{"adapter": "demo-adapter", "capabilities": {"api:send_message": {"status": "great"}}}', "status"),
    "unknown level": ('{"adapter": "demo-adapter", "capabilities": {"api:send_message": {"status": "accepted", "level": 3}}}', "level"),
    "bad capability id": ('{"adapter": "demo-adapter", "capabilities": {"nonsense": {"status": "accepted"}}}', "capabilities"),
    "deep": ("[" * 5000 + "]" * 5000, "demo-adapter.json"),
}


@pytest.mark.parametrize("case", list(BASELINE_CASES))
def test_malformed_baseline_is_input_error(case, tmp_path, good_report, demo_dir):
    text, expect = BASELINE_CASES[case]
    base = tmp_path / "base"
    base.mkdir()
    (base / "demo-adapter.json").write_text(text)
    r = cli("drift", "--manifest-dir", str(demo_dir), "--no-code", "--report", str(good_report.parent), "--baseline-dir", str(base))
    assert r.exit_code == 2, r.output
    assert "demo-adapter.json" in r.stderr and expect in r.stderr, r.stderr


def _compare_variants(report: dict) -> dict[str, tuple[Any, str]]:
    return {
        "evidence_files are integers": ({**report, "evidence_files": [0, 1, 2]}, "evidence_files"),
        "capabilities an object": ({**report, "capabilities": {}}, "capabilities"),
        "capability without id": ({**report, "capabilities": [{"kind": "api"}]}, "capabilities"),
        "status unknown": ({**report, "status": "great"}, "status"),
        "findings strings": ({**report, "findings": ["x"]}, "findings"),
        "logs a list": ({**report, "logs": ["x"]}, "logs"),
        "not an object": ([report], "not a valid report"),
        "not JSON": ("{", "not JSON"),
    }


def test_malformed_compare_inputs_are_input_errors(tmp_path, good_report):
    report = json.loads(good_report.read_text())
    for case, (data, expect) in _compare_variants(report).items():
        bad = tmp_path / "bad.json"
        bad.write_text(data if isinstance(data, str) else json.dumps(data))
        r = cli("compare", str(good_report), str(bad), "--out-dir", str(tmp_path / "cmp"))
        assert r.exit_code == 2, (case, r.output)
        assert "bad.json" in r.stderr and expect in r.stderr, (case, r.stderr)
    r = cli("compare", str(good_report), str(good_report), "--out-dir", str(tmp_path / "cmp"))
    assert r.exit_code == 0, r.output


def test_internal_error_is_exit_4_in_one_line_with_traceback_behind_debug(tmp_path, good_evidence, demo_dir, monkeypatch):
    import harness.checker

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(harness.checker, "check", broken)
    r = CliRunner().invoke(main, ["check", str(good_evidence), "--manifest-dir", str(demo_dir)])
    assert r.exit_code == 4 and "internal error: ZeroDivisionError: a bug" in r.stderr
    assert "Traceback" not in r.stderr
    r = CliRunner().invoke(main, ["--debug", "check", str(good_evidence), "--manifest-dir", str(demo_dir)])
    assert r.exit_code == 4 and "Traceback" in r.stderr


# ---- the fuzz suite -----------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2 ** 70), max_value=2 ** 70) | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    value = copy.deepcopy(value)
    node = value
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    return value


@st.composite
def mutated(draw, base: Any) -> Any:
    """``base`` with one to three places replaced by arbitrary JSON, or deleted."""
    value = base
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(value)
        path = draw(st.sampled_from(paths))
        if path and draw(st.booleans()) and isinstance(_parent(value, path), dict):
            parent = _parent(value, path)
            value = _set(value, path[:-1], {k: v for k, v in parent.items() if k != path[-1]})
        else:
            value = _set(value, path, draw(JSON))
    return value


def _parent(value: Any, path: tuple) -> Any:
    for part in path[:-1]:
        value = value[part]
    return value


def _records() -> list[dict]:
    s = [
        BASE_RECORD,
        {**BASE_RECORD, "record": "inject", "producer": "protocol-injector", "level": "plugin-e2e-protocol",
         "capabilities": ["event:message.received", "receive:Plain"], "match": {"event.type": "message.received", "event.message_id": "1"},
         "expected": {"components": [{"type": "Plain", "text": "hi"}]}},
        {**BASE_RECORD, "record": "api_call", "capabilities": ["api:send_message", "send:Plain"],
         "api": {"name": "send_message", "ok": True, "started": 0.5, "ended": 2.0, "scope": "plugin"},
         "expected": {"components": [{"type": "Plain", "text": "hi"}]}},
        {**BASE_RECORD, "record": "platform_received", "producer": "simulator", "action": "send_msg",
         "observed": {"message_id": "9", "components": [{"type": "Plain", "text": "hi"}]}},
        {**BASE_RECORD, "record": "ui_observed", "producer": "ui-check", "observed": {"message_id": "9"}, "screenshot": "x.png"},
        {**BASE_RECORD, "record": "skip", "capabilities": ["api:reply_message"], "status": "blocked", "reason": "r"},
        {**BASE_RECORD, "record": "check", "capabilities": ["compat:x"], "status": "passed", "level": "unit"},
        {**BASE_RECORD, "record": "run", "simulator": "ws://127.0.0.1"},
    ]
    return [{k: v for k, v in r.items() if not (r["record"] != "event" and k == "event")} for r in s]


@settings(max_examples=80)
@given(data=st.data())
def test_fuzz_evidence_records(data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ev")
    lines = []
    for rec in _records():
        kind = data.draw(st.sampled_from(["keep", "mutate", "json", "bytes"]))
        if kind == "keep":
            lines.append(json.dumps(rec).encode())
        elif kind == "mutate":
            lines.append(json.dumps(data.draw(mutated(rec))).encode())
        elif kind == "json":
            lines.append(json.dumps(data.draw(JSON)).encode())
        else:
            lines.append(data.draw(st.binary(max_size=60)).replace(b"\n", b" "))
    (folder / "e.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    r = cli("check", str(folder), "--manifest-dir", str(DEMO.parent.parent), "--format", "json", source="fuzz")
    assert r.exit_code in (0, 1, 2)
    if r.exit_code == 2:
        assert "e.jsonl" in r.stderr


@settings(max_examples=80)
@given(data=st.data())
def test_fuzz_manifests(data, tmp_path_factory):
    base = yaml.safe_load(DEMO.read_text())
    kind = data.draw(st.sampled_from(["mutate", "mutate", "json", "text"]))
    if kind == "mutate":
        text = yaml.safe_dump(data.draw(mutated(base)), allow_unicode=True)
    elif kind == "json":
        text = json.dumps(data.draw(JSON))
    else:
        text = data.draw(st.text(max_size=200))
    folder = manifest_dir(tmp_path_factory.mktemp("m"), text)
    r = cli("manifests", "--manifest-dir", str(folder), "--format", "json", source="fuzz")
    assert r.exit_code in (0, 2)
    if r.exit_code == 2:
        assert "manifest.yaml" in r.stderr or "manifests" in r.stderr, r.stderr


@pytest.fixture(scope="module")
def report_and_evidence(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("rep")
    s = Story(tmp / "good.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=True)
    r = CliRunner().invoke(main, ["report", str(tmp / "good.jsonl"), "--manifest-dir", str(DEMO.parent.parent),
                                  "--report-dir", str(tmp / "rep"), "--run-id", "r"])
    assert r.exit_code == 0, r.output
    return tmp / "rep" / "r" / "demo-adapter.json"


@settings(max_examples=60)
@given(data=st.data())
def test_fuzz_baselines(data, report_and_evidence, tmp_path_factory):
    good = {"adapter": "demo-adapter", "framework": "langbot", "framework_version": "4.11.2", "status": "partial",
            "capabilities": {"api:send_message": {"level": "plugin-e2e-outbound", "status": "accepted"},
                             "event:message.received": {"level": "plugin-e2e-protocol", "status": "partial"}}}
    value = data.draw(mutated(good)) if data.draw(st.booleans()) else data.draw(JSON)
    base = tmp_path_factory.mktemp("base")
    (base / "demo-adapter.json").write_text(json.dumps(value))
    r = cli("drift", "--manifest-dir", str(DEMO.parent.parent), "--no-code", "--report", str(report_and_evidence.parent),
            "--baseline-dir", str(base), source="fuzz")
    assert r.exit_code in (0, 1, 2)
    if r.exit_code == 2:
        assert "demo-adapter.json" in r.stderr, r.stderr


@settings(max_examples=60)
@given(data=st.data())
def test_fuzz_compare_inputs(data, report_and_evidence, tmp_path_factory):
    good = json.loads(report_and_evidence.read_text())
    value = data.draw(mutated(good)) if data.draw(st.integers(0, 3)) else data.draw(JSON)
    tmp = tmp_path_factory.mktemp("cmp")
    (tmp / "b.json").write_text(json.dumps(value))
    r = cli("compare", str(report_and_evidence), str(tmp / "b.json"), "--out-dir", str(tmp / "out"), source="fuzz")
    assert r.exit_code in (0, 2)
    if r.exit_code == 2:
        assert "b.json" in r.stderr, r.stderr
