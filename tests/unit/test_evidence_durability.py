"""Durable evidence appends: kill -9 restarts, concurrent writers, values JSON cannot hold, lost records.

The writer subprocesses import ``writer.py`` as a plain module next to ``redact.py`` (how the probe
plugins use it), with ``sys.executable``.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import math
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.evidence import EvidenceWriter, FileSink, MemorySink, ReadResult, iter_records
from harness.evidence import writer as writer_module
from harness.evidence.writer import EvidenceWriteError, dumps_line

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
EVIDENCE_DIR = REPO / "harness" / "evidence"

# Appends numbered records of varying sizes (some far above a pipe buffer / 64 KiB) as fast as it
# can; after each write returns, appends "<round> <i>" to the side-channel file: those are the
# records the writer completed, every one of which must be readable afterwards. Redaction has
# nothing to do with durability and would dominate the time per record, so it is passed through:
# that way a good share of the kills land inside the os.write loop and leave a partial line.
_KILL_WRITER = r"""
import os, random, sys
sys.path.insert(0, sys.argv[1])
import writer
path, done, rnd = sys.argv[2], sys.argv[3], int(sys.argv[4])
w = writer.EvidenceWriter.to_file(path, run_id="kill", producer="unit")
class PassThrough:
    def value(self, value, key=None):
        return value
w.redactor = PassThrough()
fd = os.open(done, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
rng = random.Random(rnd)
i = 0
while True:
    r = rng.random()
    size = rng.randint(1, 2000) if r < 0.6 else rng.randint(2000, 20000) if r < 0.94 else rng.randint(65536, 400000)
    w.write("finding", adapter="a", message="x" * size, size=size, seq=[rnd, i])
    os.write(fd, b"%d %d\n" % (rnd, i))
    i += 1
"""

_CONCURRENT_WRITER = r"""
import sys
sys.path.insert(0, sys.argv[1])
import writer
path, worker, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
w = writer.EvidenceWriter.to_file(path, run_id="conc", producer="unit")
for i in range(n):
    size = 70000 if i % 100 == 0 else 10 + (i * 37) % 3000
    w.write("finding", adapter="a", message="y" * size, size=size, seq=[worker, i])
w.close()
"""


def _read(path):
    result = ReadResult()
    records = [rec for _, rec in iter_records([path], result, full=True)]
    return records, result.problems


def test_kill_9_restarts_lose_no_completed_record(tmp_path):
    path, done = tmp_path / "e.jsonl", tmp_path / "done.txt"
    rounds, rng = 32, random.Random(20240531)
    started = time.monotonic()
    for rnd in range(rounds):
        before = done.stat().st_size if done.exists() else 0
        proc = subprocess.Popen([sys.executable, "-c", _KILL_WRITER, str(EVIDENCE_DIR), str(path), str(done), str(rnd)])
        try:
            deadline = time.monotonic() + 20
            # Let it complete at least one record, then kill it at a random moment.
            while (not done.exists() or done.stat().st_size == before) and time.monotonic() < deadline:
                assert proc.poll() is None, f"writer of round {rnd} exited with {proc.returncode}"
                time.sleep(0.001)
            time.sleep(rng.uniform(0, 0.015))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL

    raw = done.read_bytes()
    completed = {tuple(map(int, line.split())) for line in raw.split(b"\n")[:-1]}  # a cut last line is no report
    result = ReadResult()
    readable, at_line = set(), {}
    for ref, rec in iter_records([path], result, full=True, numeric_refs=True):
        assert rec["record"] == "finding" and len(rec["message"]) == rec["size"]
        readable.add(tuple(rec["seq"]))
        at_line[ref & 0xFFFFFFFF] = tuple(rec["seq"])
    problems = result.problems
    lost = completed - readable
    per_round: dict[int, list[int]] = {}
    for rnd, i in sorted(readable):
        per_round.setdefault(rnd, []).append(i)
    print(f"\nkill -9 test: rounds={rounds} records_completed={len(completed)} readable={len(readable)} "
          f"lost={len(lost)} partial_lines={len(problems)} evidence_bytes={path.stat().st_size} "
          f"seconds={time.monotonic() - started:.1f}")
    assert not lost, f"{len(lost)} completed records are not readable: {sorted(lost)[:10]}"
    # Nothing readable is missing in the middle of a round either (at most the killed last one).
    assert all(seqs == list(range(len(seqs))) for seqs in per_round.values())
    assert set(per_round) == set(range(rounds))
    # Each kill costs at most its own partial line, reported as one bad line.
    assert len(problems) <= rounds
    assert all("not JSON" in p.problem or "truncated" in p.problem for p in problems), problems[:3]
    # ... and only where a writer was killed: the next line is the next writer's first record.
    last_line = max(at_line)
    for p in problems:
        assert p.line > last_line or (at_line[p.line + 1][1] == 0 and at_line[p.line - 1][0] + 1 == at_line[p.line + 1][0]), p


def test_concurrent_writers_lose_nothing(tmp_path):
    path, workers, n = tmp_path / "e.jsonl", 8, 2000
    started = time.monotonic()
    procs = [subprocess.Popen([sys.executable, "-c", _CONCURRENT_WRITER, str(EVIDENCE_DIR), str(path), str(w), str(n)])
             for w in range(workers)]
    for proc in procs:
        assert proc.wait(60) == 0
    records, problems = _read(path)
    print(f"\nconcurrent writers: {workers} x {n} records in {time.monotonic() - started:.1f} s, "
          f"{path.stat().st_size} bytes, {len(problems)} problems")
    assert problems == []
    assert len(records) == workers * n
    by_worker: dict[int, list[int]] = {}
    for rec in records:
        assert len(rec["message"]) == rec["size"]
        by_worker.setdefault(rec["seq"][0], []).append(rec["seq"][1])
    assert by_worker == {w: list(range(n)) for w in range(workers)}


# --- values JSON cannot hold ------------------------------------------------------------------------

@pytest.fixture(params=["orjson", "stdlib"])
def serializer(request, monkeypatch):
    if request.param == "stdlib":
        monkeypatch.setattr(writer_module, "_orjson", None)
    else:
        assert writer_module._orjson is not None
    return request.param


def test_values_json_cannot_hold_come_back_readable(tmp_path, serializer):
    path = tmp_path / "e.jsonl"
    w = EvidenceWriter.to_file(path, run_id="r", producer="unit")
    w.write("finding", adapter="a", message="lone \ud800 and \udcff; pair \ud83d\ude00",
            values={"big": 2**65, "neg": -(2**64), "max": 2**64 - 1, "min": -(2**63), "nan": math.nan,
                    "inf": math.inf, "-inf": -math.inf, "list": [math.nan, 2**100, "x\udfff"], "key\ud800": 1,
                    7: "int key", "ok": 1.5})
    w.write("finding", adapter="a", message="ordinary")
    w.close()
    records, problems = _read(path)
    assert problems == []
    rec = records[0]
    # Documented forms: lone surrogate -> U+FFFD (a pair -> its character), int beyond 64 bits ->
    # decimal text, NaN / Infinity / -Infinity -> null, non-string key -> its text.
    assert rec["message"] == "lone \ufffd and \ufffd; pair \U0001F600"
    assert rec["values"] == {"big": str(2**65), "neg": str(-(2**64)), "max": 2**64 - 1, "min": -(2**63), "nan": None,
                             "inf": None, "-inf": None, "list": [None, str(2**100), "x\ufffd"], "key\ufffd": 1,
                             "7": "int key", "ok": 1.5}
    assert records[1]["message"] == "ordinary"


def test_plain_module_without_orjson(tmp_path):
    """As inside a probe: ``writer`` imported as a plain module next to ``redact``, no orjson installed."""
    path = tmp_path / "e.jsonl"
    script = (
        "import sys; sys.modules['orjson'] = None; sys.path.insert(0, sys.argv[1]); import writer\n"
        "assert writer._orjson is None\n"
        "w = writer.EvidenceWriter.to_file(sys.argv[2], run_id='r', producer='probe')\n"
        "w.write('finding', adapter='a', message='x\\ud800', n=2**70, f=float('nan'), g=[float('-inf')])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(EVIDENCE_DIR), str(path)], check=True, timeout=60)
    records, problems = _read(path)
    assert problems == []
    assert (records[0]["message"], records[0]["n"], records[0]["f"], records[0]["g"]) == ("x\ufffd", str(2**70), None, [None])


def test_both_paths_write_the_same_sanitised_line(monkeypatch):
    record = {"a": "\ud800", "b": 2**70, "c": [math.inf, -math.inf, math.nan], "d": {1: 2}}
    fast = dumps_line(record)
    monkeypatch.setattr(writer_module, "_orjson", None)
    assert dumps_line(record) == fast == b'{"a":"\xef\xbf\xbd","b":"1180591620717411303424","c":[null,null,null],"d":{"1":2}}\n'


def test_sanitising_runs_only_when_the_fast_path_fails(monkeypatch, serializer):
    def boom(*_a):
        raise AssertionError("sanitised an ordinary record")

    monkeypatch.setattr(writer_module, "_sanitise", boom)
    line = dumps_line({"v": 1, "s": "plain ü 😀", "n": 2**63, "l": [1, 2.5, None, True], "t": (1, 2), "set": {3}})
    assert json.loads(line)["t"] == [1, 2]


# --- records that cannot be written -----------------------------------------------------------------

class _BadRepr:
    def __repr__(self):
        raise RuntimeError("repr failed, secret s3cr3t-value-123456 inside")


class _PassThrough:
    """A redactor that passes every value through unchanged."""

    def value(self, value, key=None):
        return value

    def text(self, value):
        return value

    def add_known(self, *values):
        pass


def test_unserialisable_record_becomes_writer_error(tmp_path, serializer):
    path = tmp_path / "e.jsonl"
    w = EvidenceWriter.to_file(path, run_id="r", framework="langbot", producer="probe")
    w.redactor = _PassThrough()
    out = w.write("api_call", adapter="onebot-v11", capabilities=["api:send_message", "not a capability"],
                  api={"name": "send_message", "input": {"obj": _BadRepr()}})
    assert out["record"] == "writer-error"
    w.close()
    records, problems = _read(path)
    assert problems == []
    (rec,) = records
    assert rec["record"] == "writer-error" and rec["run_id"] == "r" and rec["producer"] == "probe"
    assert rec["adapter"] == "onebot-v11" and rec["capabilities"] == ["api:send_message"]
    assert rec["lost"] == {"record": "api_call", "adapter": "onebot-v11",
                           "capabilities": ["api:send_message", "not a capability"]}
    assert rec["exception"]["stage"] == "serialise"
    assert "RuntimeError" in rec["exception"]["message"] and "api.input.obj" in rec["exception"]["message"]
    assert "api_call" in rec["message"] and "lost" in rec["message"]
    assert "_BadRepr object; repr() raised RuntimeError" in rec["preview"]
    assert len(rec["preview"]) <= writer_module.PREVIEW_CHARS + 40
    result = ReadResult()
    assert [r["record"] for _, r in iter_records([path], result, strict=True)] == ["writer-error"], result.problems


def test_writer_error_is_redacted_and_bounded(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCEPTANCE_MAX_LINE_BYTES", "65536")
    path = tmp_path / "e.jsonl"
    secret = "s3cr3t-value-123456"
    w = EvidenceWriter.to_file(path, run_id="r", secrets=[secret])
    big = {f"k{i}": "z" * 1000 + " " + secret for i in range(200)}
    # Too long for the reader: the preview is bounded and redacted.
    out = w.write("api_call", adapter="a", capabilities="api:x", big=big, token="plain-token-value",
                  text="Authorization: Bearer abcdefghijklmnop1234")
    assert out["record"] == "writer-error"
    # The redactor itself fails on the record: the preview comes from a bounded copy, redacted.
    real = w.redactor

    class FailsOnce:
        failed = False

        def value(self, value, key=None):
            if not FailsOnce.failed:
                FailsOnce.failed = True
                raise RecursionError("maximum recursion depth exceeded")
            return real.value(value, key)

        def text(self, value):
            return real.text(value)

    w.redactor = FailsOnce()
    out = w.write("api_call", adapter="a", api={"name": "x", "password": "hunter2hunter2", "text": "x " + secret})
    assert out["record"] == "writer-error" and out["exception"]["type"] == "RecursionError"
    assert out["exception"]["stage"] == "redact" and "could not be redacted" in out["message"]
    w.redactor = real
    # The write fails with the secret in the exception's message.
    w.sink = _FailingSink(fail=1, message=f"cannot write {secret}", inner=w.sink)
    out = w.write("event", adapter="a", event={"type": "x"})
    assert out["record"] == "writer-error" and out["exception"]["stage"] == "write"
    w.sink.inner.close()
    text = path.read_text("utf-8")
    assert secret not in text and "plain-token-value" not in text and "hunter2hunter2" not in text
    assert "abcdefghijklmnop1234" not in text
    records, problems = _read(path)
    assert problems == [] and [r["record"] for r in records] == ["writer-error"] * 3
    assert all(len(line) < 10000 for line in text.splitlines())
    assert "cannot write ***" in records[2]["message"]


def test_record_longer_than_the_reader_cap_becomes_writer_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCEPTANCE_MAX_LINE_BYTES", "4096")
    path = tmp_path / "e.jsonl"
    w = EvidenceWriter.to_file(path, run_id="r")
    assert w.write("finding", adapter="a", message="m" * 5000)["record"] == "writer-error"
    assert w.write("finding", adapter="a", message="short")["record"] == "finding"
    records, problems = _read(path)
    assert problems == [] and [r["record"] for r in records] == ["writer-error", "finding"]
    assert "longer than the reader's cap" in records[0]["message"]


class _FailingSink(MemorySink):
    """Its first ``fail`` writes raise ENOSPC; then it keeps the records (or hands them to ``inner``)."""

    def __init__(self, fail: int, message: str = "No space left on device", inner=None) -> None:
        super().__init__()
        self.fail, self.message, self.inner = fail, message, inner

    def write_line(self, line, record=None):
        if self.fail:
            self.fail -= 1
            raise OSError(28, self.message)
        if self.inner is not None:
            self.inner.write_line(line, record)
        else:
            super().write_line(line, record)


def test_failed_write_becomes_writer_error_or_raises():
    sink = _FailingSink(fail=1)
    w = EvidenceWriter(sink, run_id="r")
    out = w.write("event", adapter="a", capabilities=["event:message.received"], event={"type": "x"})
    assert out["record"] == "writer-error" and out["exception"]["stage"] == "write"
    assert sink.records == [out] and "No space left" in out["message"]

    w = EvidenceWriter(_FailingSink(fail=2), run_id="r")
    with pytest.raises(OSError, match="No space left"):
        w.write("event", adapter="a", event={"type": "x"})

    w = EvidenceWriter(_FailingSink(fail=1), run_id="r")
    w.redactor = _PassThrough()  # lets the unserialisable object through to the serialiser
    with pytest.raises(EvidenceWriteError, match="writer-error record could not be written") as info:
        w.write("event", adapter="a", event={"type": "x", "obj": _BadRepr()})
    assert info.value.errno == 28


# --- partial last lines ------------------------------------------------------------------------------

GOOD = json.dumps({"v": 1, "record": "finding", "run_id": "old", "ts": "x", "t": 1, "producer": "unit"})


def test_new_sink_ends_a_partial_last_line(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text(GOOD + "\n" + '{"v":1,"record":"finding","run_id":"old","mes')
    w = EvidenceWriter.to_file(path, run_id="new")
    for i in range(3):
        w.write("finding", adapter="a", message=str(i))
    w.close()
    records, problems = _read(path)
    assert [r["run_id"] for r in records] == ["old", "new", "new", "new"]
    assert [p.line for p in problems] == [2]


def test_partial_line_left_after_we_opened_is_ended(tmp_path, monkeypatch):
    """Another process killed mid-write after our first write: the size changed, so we look."""
    path = tmp_path / "e.jsonl"
    sink = FileSink(path)
    w = EvidenceWriter(sink, run_id="r")
    reads = []
    real_pread = os.pread
    monkeypatch.setattr(os, "pread", lambda *a: reads.append(a) or real_pread(*a))
    w.write("finding", adapter="a", message="first")  # empty file: nothing to look at
    w.write("finding", adapter="a", message="second")  # our own last write: no look either
    assert reads == []
    with open(path, "ab") as fh:  # a killed writer's partial record
        fh.write(b'{"v":1,"record":"fin')
    w.write("finding", adapter="a", message="third")
    w.write("finding", adapter="a", message="fourth")
    assert len(reads) == 1
    other = EvidenceWriter.to_file(path, run_id="r")  # a second, live writer: its whole line needs no fix
    other.write("finding", adapter="a", message="other")
    w.write("finding", adapter="a", message="fifth")
    w.close()
    other.close()
    records, problems = _read(path)
    assert [r["message"] for r in records] == ["first", "second", "third", "fourth", "other", "fifth"]
    assert [p.line for p in problems] == [3]
    assert b"\n\n" not in path.read_bytes()


def test_forked_child_reopens_the_file(tmp_path):
    path = tmp_path / "e.jsonl"
    w = EvidenceWriter.to_file(path, run_id="r")
    w.write("finding", adapter="a", message="parent-0")
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            assert w.sink._fd == -2
            for i in range(200):
                w.write("finding", adapter="a", message=f"child-{i}")
            code = 0
        finally:
            os._exit(code)
    for i in range(1, 200):
        w.write("finding", adapter="a", message=f"parent-{i}")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    records, problems = _read(path)
    assert problems == [] and len(records) == 400


def test_writer_keys_mask_fingerprints_by_run_id():
    """Two writers of one run (the probe's and the harness's) mask a secret identically; another run differently."""
    a = EvidenceWriter(MemorySink(), run_id="run-7", secrets=iter(["secret-one-value"]))
    b = EvidenceWriter(MemorySink(), run_id="run-7", secrets=["secret-one-value"])
    c = EvidenceWriter(MemorySink(), run_id="run-8", secrets=["secret-one-value"])
    masks = [w.write("finding", message="x secret-one-value")["message"] for w in (a, b, c)]
    assert masks[0] == masks[1] and "secret-one-value" not in masks[0]


# --- the probes' Recorder surfaces write failures ---------------------------------------------------

def _probe_recorder(tmp_path):
    """The LangBot probe's recorder (shared with the AstrBot probe) with the evidence modules copied in."""
    pkg = tmp_path / "probe_pkg_durability"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for src in (REPO / "probes/langbot/acceptance_probe/config.py", REPO / "probes/langbot/acceptance_probe/recorder.py",
                EVIDENCE_DIR / "writer.py", EVIDENCE_DIR / "redact.py"):
        shutil.copy(src, pkg / src.name)
    name = f"probe_pkg_durability_{os.getpid()}_{id(tmp_path)}"
    spec = importlib.util.spec_from_file_location(name, pkg / "__init__.py", submodule_search_locations=[str(pkg)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    config = importlib.import_module(f"{name}.config")
    recorder = importlib.import_module(f"{name}.recorder")
    return config, recorder


def test_probe_recorder_surfaces_write_failures(tmp_path, caplog, monkeypatch):
    monkeypatch.setenv("ACCEPTANCE_MAX_LINE_BYTES", "4096")
    config, recorder = _probe_recorder(tmp_path)
    path = tmp_path / "probe.jsonl"
    cfg = config.ProbeConfig(evidence_path=str(path), run_id="r", redact_values=["probe-secret-99"])
    rec = recorder.Recorder(cfg, "onebot-v11")
    assert rec.event({"type": "message.received", "text": "a \ud800"}, ["event:message.received"])["record"] == "event"
    out = rec.finding("too long for the reader: " + "x" * 5000)
    assert out["record"] == "writer-error" and rec.errors and "finding" in rec.errors[-1]

    writer = recorder._writer(cfg)
    real_sink = writer.sink
    writer.sink = _FailingSink(fail=10)  # disk full: neither the record nor its writer-error can be written
    caplog.set_level(logging.WARNING, logger="acceptance_probe")
    lost = recorder.Recorder(cfg, "onebot-v11")
    assert lost.api_call({"name": "send_message", "input": "probe-secret-99"}, ["api:send_message"]) is None
    assert lost.skip("blocked", "why", ["api:x"]) is None
    assert len(lost.errors) == 2 and "api_call record for onebot-v11 (api:send_message) lost" in lost.errors[0]
    assert "probe-secret-99" not in " ".join(lost.errors)
    assert any("evidence write failed" in r.getMessage() for r in caplog.records)

    writer.sink = real_sink  # the disk has room again: the next write reports the loss
    later = recorder.Recorder(cfg, "onebot-v11")
    assert later.finding("after")["record"] == "finding"
    assert later.finding("again")["record"] == "finding"
    records, problems = _read(path)
    assert problems == []
    assert [r["record"] for r in records] == ["event", "writer-error", "finding", "finding", "finding"]
    report = records[3]
    assert report["lost_records"] == 2 and "2 record(s) could not be written" in report["message"]
    assert "probe-secret-99" not in path.read_text("utf-8")
    assert records[0]["event"]["text"] == "a \ufffd"
