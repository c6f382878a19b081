import base64
from urllib.parse import quote

import pytest

from harness.secret_scan import CHUNK, encoded_forms, fingerprint, run_files, scan

pytestmark = pytest.mark.unit

SECRET = "tok/en+with=odd&chars-1234567890"


@pytest.mark.parametrize("form", list(encoded_forms(SECRET)))
def test_every_encoded_form_is_found(form, tmp_path):
    value = encoded_forms(SECRET)[form]
    (tmp_path / "a.txt").write_text(f"prefix {value} suffix")
    (tmp_path / "clean.txt").write_text("nothing to see " * 100)
    result = scan([tmp_path / "a.txt", tmp_path / "clean.txt"], [SECRET])
    assert [(leak["file"].endswith("a.txt"), leak["secret"]) for leak in result.leaks] == [(True, fingerprint(SECRET))]
    assert form in {leak["form"] for leak in result.leaks} or result.leaks[0]["form"] in encoded_forms(SECRET)
    assert SECRET not in str(result.to_dict()) and SECRET not in result.summary()


def test_forms_cover_url_and_base64():
    forms = encoded_forms(SECRET)
    assert forms["url-encoded"] == quote(SECRET, safe="")
    assert forms["base64"] == base64.b64encode(SECRET.encode()).decode()
    assert forms["base64 unpadded"] == forms["base64"].rstrip("=") != forms["base64"]


def test_a_secret_across_a_chunk_boundary_is_found(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"x" * (CHUNK - 5) + SECRET.encode() + b"y" * 100)
    assert len(scan([path], [SECRET]).leaks) == 1


def test_clean_run_reports_counts(tmp_path):
    ev = tmp_path / "run" / "evidence"
    ev.mkdir(parents=True)
    (ev / "probe.jsonl").write_text('{"token": "***#ab12"}\n')
    collected = tmp_path / "run" / "stack" / "logs" / "collected"
    collected.mkdir(parents=True)
    (collected / "langbot.log").write_text("started\n")
    (tmp_path / "run" / "stack" / "data").mkdir()
    (tmp_path / "run" / "stack" / "data" / "config.yaml").write_text(f"token: {SECRET}\n")  # the framework's own config
    reports = tmp_path / "reports" / "r"
    reports.mkdir(parents=True)
    (reports / "a.md").write_text("# report\n")
    files = run_files(ev, reports)
    assert {p.name for p in files} == {"probe.jsonl", "langbot.log", "a.md"}
    result = scan(files, [SECRET, "short"])
    assert result.leaks == [] and result.secrets == 1 and result.files == 3
    assert result.summary().endswith("none found")
    (collected / "langbot.log").write_text(f"oops {SECRET}\n")
    result = scan(run_files(ev, reports), [SECRET])
    assert [leak["file"].endswith("langbot.log") for leak in result.leaks] == [True] and "LEAK" in result.summary()
