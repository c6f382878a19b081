import json
import multiprocessing
import os
import signal
import time

import pytest

from harness.evidence import EvidenceWriter, MemorySink, ReadResult, iter_records, redact
from harness.evidence.redact import is_masked

pytestmark = pytest.mark.unit


def _write_many(path, worker, n):
    w = EvidenceWriter.to_file(path, run_id="r", producer="probe")
    for i in range(n):
        w.write("finding", adapter="a", message=f"{worker}-{i}-" + "x" * 5000)
    w.close()


def test_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "e.jsonl"
    procs = [multiprocessing.Process(target=_write_many, args=(path, w, 200)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
    result = ReadResult()
    records = list(iter_records([path], result))
    assert result.problems == []
    assert len(records) == 800
    assert {r["message"].split("-")[0] for _, r in records} == {"0", "1", "2", "3"}


def _write_forever(path):
    w = EvidenceWriter.to_file(path, run_id="r")
    i = 0
    while True:
        w.write("finding", adapter="a", message=str(i))
        i += 1


def test_killed_writer_leaves_whole_lines(tmp_path):
    path = tmp_path / "e.jsonl"
    p = multiprocessing.Process(target=_write_forever, args=(path,))
    p.start()
    deadline = time.monotonic() + 20
    while (not path.exists() or path.stat().st_size < 20000) and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(p.pid, signal.SIGKILL)
    p.join(10)
    result = ReadResult()
    records = list(iter_records([path], result))
    assert result.problems == [] and len(records) > 10
    assert [int(r["message"]) for _, r in records] == list(range(len(records)))


def test_reader_reports_each_bad_line_and_keeps_going(tmp_path):
    good = json.dumps({"v": 1, "record": "finding", "run_id": "r", "ts": "x", "t": 1, "producer": "harness"})
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"\n".join([good.encode(), b"{not json", b"\xff\xfe bad", b'{"v":1}', b"[1]", good.encode(), b'{"v":1,"rec']))
    result = ReadResult()
    records = list(iter_records([path], result))
    assert [ref for ref, _ in records] == [f"{path}:1", f"{path}:6"]
    lines = {p.line: p.problem for p in result.problems}
    assert set(lines) == {2, 3, 4, 5, 7}
    assert "not JSON" in lines[2] and "not UTF-8" in lines[3] and "truncated" in lines[7]
    assert lines[4] == "field 'record': is missing (required)" and "expected `object`, got `array`" in lines[5]


def test_empty_file_is_reported(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text("")
    result = ReadResult()
    assert list(iter_records([path], result)) == []
    assert "empty evidence file" in str(result.problems[0])


def test_strict_mode_validates_schema(tmp_path):
    path = tmp_path / "e.jsonl"
    w = EvidenceWriter.to_file(path, run_id="r")
    w.write("skip", adapter="a", status="maybe")
    result = ReadResult()
    assert list(iter_records([path], result, strict=True)) == []
    assert "schema" in result.problems[0].problem and "status" in result.problems[0].problem


def test_writer_fills_provenance_and_redacts():
    sink = MemorySink()
    w = EvidenceWriter(sink, run_id="r1", framework="langbot", framework_version="4.11.2", producer="probe",
                       secrets=["s3cr3t-token-value"])
    w.write("api_call", adapter="onebot-v11", capabilities="api:send_message",
            api={"name": "send_message", "input": {"access_token": "abc", "text": "hi s3cr3t-token-value"}})
    rec = sink.records[0]
    assert rec["v"] == 1 and rec["run_id"] == "r1" and rec["framework_version"] == "4.11.2" and rec["producer"] == "probe"
    assert rec["capabilities"] == ["api:send_message"]
    assert is_masked(rec["api"]["input"]["access_token"])
    assert rec["api"]["input"]["text"].startswith("hi ") and is_masked(rec["api"]["input"]["text"][3:])


@pytest.mark.parametrize("text, leaked", [
    ("ws://127.0.0.1/ws?access_token=abcdef123", "abcdef123"),
    ("https://user:hunter2pass@example.invalid/x", "hunter2pass"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "eyJhbGciOiJIUzI1NiJ9"),
    ("http://127.0.0.1:9/v1/robots/r1/Ak3yL1k3Val9e8x7z6/events", "Ak3yL1k3Val9e8x7z6"),
    ("https://h/api?key=zzzzzzzz&x=1", "zzzzzzzz"),
])
def test_redaction_inside_strings(text, leaked):
    assert leaked not in redact({"message": text})["message"]


def test_redaction_keeps_ordinary_values():
    value = {"text": "hello  world\nline2", "url": "http://127.0.0.1:8080/media/cat.png",
             "bot_uuid": "1d6e4a3e-0b8f-4f0c-9a62-3f5d2a1b7c9e", "ws": "ws://h/bots/1d6e4a3e-0b8f-4f0c-9a62-3f5d2a1b7c9e/onebot/v11/ws",
             "max_tokens": 5}
    assert redact(value) == value
    masked = redact({"app_secret": "x1", "password": "p", "aes_key": "k", "EncodingAESKey": "k"})
    assert list(masked) == ["app_secret", "password", "aes_key", "EncodingAESKey"]
    assert all(is_masked(v) for v in masked.values())
    assert masked["aes_key"] == masked["EncodingAESKey"] != masked["app_secret"]


def test_a_time_no_date_can_show_is_a_bad_line_named_by_file_and_field(tmp_path):
    """``t`` is rendered as a date in the report: a value past year 9999 (or before the epoch) is refused at read
    time with the file, line and field, not a crash while the report is written."""
    import json

    from harness.evidence.reader import ReadResult, iter_records

    path = tmp_path / "e.jsonl"
    good = {"v": 1, "record": "finding", "ts": "2026-12-07T00:00:00Z", "t": 1.7e9, "run_id": "r", "producer": "p", "message": "m"}
    path.write_text("\n".join(json.dumps({**good, "t": t}) for t in (1.7e9, 1e20, -5)) + "\n")
    result = ReadResult()
    assert len(list(iter_records([path], result))) == 1
    assert [str(p) for p in result.problems] == [f"{path}:2: field 't': expected `float` <= 253402300799.0",
                                                 f"{path}:3: field 't': expected `float` >= 0.0"]
