"""Reports rendered from hostile values: nothing runs, nothing forges structure, nothing leaks, nothing is unbounded."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.evidence.redact import Redactor
from harness.levels import Level, Status
from harness.report import write_reports
from harness.report.compare import write_comparison
from harness.report.markdown import md_cell, md_code, md_fence, md_text
from harness.report.model import (HTML_LOG_CAP, MD_LOG_CAP, REASON_CAP, cap, link_from, report_href, safe_href,
                                  safe_name)
from harness.verdicts import AdapterResult, CheckResult, Verdict

pytestmark = pytest.mark.unit

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORGE = "\n**Status: accepted**\n# Heading\n"
PIPES = "a|b||c"
TICKS = "x ``` y ` z ````"
SECRET = "s3cr3t-value-123456"
BEARER = "Bearer abcdefghijklmnop1234"
BEARER_TOKEN = "abcdefghijklmnop1234"
BAD_LINKS = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", " JaVaScRiPt:alert(1)",
             "java\tscript:alert(1)", "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/x.png"]
HOSTILE = f"{SCRIPT} {IMG}{FORGE}{PIPES} {TICKS}"
LONG = "L" * (REASON_CAP + 500)
ADAPTER = f"evil{PIPES}{SCRIPT}{FORGE}javascript:alert(1)"


def _result(tmp_path: Path) -> CheckResult:
    ev = tmp_path / "evidence" / "e.jsonl"
    ev.parent.mkdir(parents=True)
    lines = [json.dumps({"record": "event", "note": f"{SCRIPT} {IMG} {SECRET} {BEARER}"}),
             f"not json {SCRIPT} {SECRET} {BEARER}",
             json.dumps({"record": "api_call", "token": "plain-token-value-xyz", "long": "E" * 9000})]
    ev.write_text("".join(line + "\n" for line in lines), "utf-8")
    refs = [f"{ev}:1", f"{ev}:2", f"{ev}:3"]
    shots = [*BAD_LINKS, "shots/ok one.png", "https://example.org/ok.png"]
    verdicts = [
        Verdict("event", "message.received", True, Level.PROTOCOL, Status.ACCEPTED,
                f"{HOSTILE} {SECRET} {BEARER}", refs, {"outbound": f"received {SCRIPT}", "screenshots": shots}),
        Verdict("send", f"Plain{PIPES}{TICKS}", True, Level.OUTBOUND, Status.FAILED, LONG, refs[:1], {}),
        Verdict("receive", "Voice", True, Level.BLOCKED, Status.BLOCKED, f"skipped: {FORGE} {SCRIPT}", [], {}),
        Verdict("api", f"x{FORGE}", False, None, Status.UNDECLARED, IMG, [], {}),
    ]
    adapter = AdapterResult(
        adapter=ADAPTER, framework="langbot", framework_version="4.11.2", run_ids=["run-1"],
        simulator=f"ws://127.0.0.1/{SCRIPT}", manifest_path=f"m{TICKS}.yaml", status=Status.PARTIAL,
        status_reason=f"partly {FORGE}{SCRIPT}", verdicts=verdicts,
        findings=[(refs[0], f"finding {HOSTILE} {SECRET} {BEARER}"), (refs[1], "F" * (REASON_CAP + 100))],
        evidence_files=[str(ev)], logs={f"log {SCRIPT}{FORGE}": f"start\n```\n{TICKS}\n{HOSTILE}\n{SECRET}\n{BEARER}\nend",
                                        "long.log": "G" * (HTML_LOG_CAP + 3000) + "THE-END"},
        screenshots=shots)
    plain = AdapterResult(adapter="plain-adapter", status=Status.ACCEPTED,
                          verdicts=[Verdict("event", "message.received", True, Level.UI, Status.ACCEPTED)])
    return CheckResult([adapter, plain], problems=[f"bad line {SECRET} {SCRIPT}"])


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_reports(_result(tmp_path), tmp_path / "reports", "run-1", extra={"note": f"{SCRIPT}{FORGE}{SECRET}"},
                         redactor=Redactor([SECRET]))


def _files(folder: Path, suffix: str) -> dict[str, str]:
    return {p.name: p.read_text("utf-8") for p in folder.iterdir() if p.suffix == suffix}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(text: str) -> list[tuple[str, dict[str, str | None]]]:
    p = _Tags()
    p.feed(text)
    p.close()
    return p.tags


def _cells(row: str) -> list[str]:
    """A GFM table row split on unescaped pipes (a backslash escapes the next character)."""
    cells, cur, i = [], "", 0
    while i < len(row):
        ch = row[i]
        if ch == "\\" and i + 1 < len(row):
            cur += row[i:i + 2]
            i += 2
            continue
        if ch == "|":
            cells.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    cells.append(cur)
    return cells[1:-1] if row.startswith("|") and row.endswith("|") else cells


def _link_ok(url: str | None) -> bool:
    """http(s) or a relative reference without a host, judged the way a browser would (independently of the code)."""
    if url is None:
        return True
    bare = re.sub(r"[\x00-\x20\x7f-\x9f\u00ad\u200b-\u200f\u2060\ufeff]", "", url).lower()
    m = re.match(r"([a-z][a-z0-9+.-]*):", bare)
    return (m.group(1) in ("http", "https") and bare[len(m.group(1)) + 1:].startswith("//")) if m else \
        not re.match(r"[/\\]{2}", bare)


# ---- Markdown ----------------------------------------------------------------------------------------------

def test_markdown_has_no_raw_html_and_no_forged_structure(folder: Path) -> None:
    mds = _files(folder, ".md")
    assert {"matrix.md", "plain-adapter.md"} <= set(mds) and len(mds) == 3
    for name, text in mds.items():
        assert "<script" not in text.lower(), name
        assert not re.search(r"<[a-z][^>]*\bon[a-z]+\s*=", text, re.I), name
        assert not any(tag in ("script", "img", "iframe", "a") or any(k.startswith("on") for k in attrs)
                       for tag, attrs in _tags(text)), name
        assert not [line for line in text.splitlines() if line.startswith("# Heading")], name
        # no link destination with a scheme other than http(s)
        for url in re.findall(r"\]\(([^)]*)\)", text):
            assert _link_ok(url), (name, url)
    md = mds[f"{safe_name(ADAPTER)}.md"]
    status_lines = [line for line in md.splitlines() if line.startswith("**Status:")]
    assert status_lines == [status_lines[0]] and status_lines[0].startswith("**Status: 🟡 partial**")
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert all(h.startswith(("# Acceptance report: ", "## ")) for h in headings), headings
    assert headings[0].startswith("# Acceptance report: ") and sum(h.startswith("# ") for h in headings) == 1
    # every row of every table has as many cells as its header
    table: int | None = None
    for line in md.splitlines():
        if line.startswith("|"):
            n = len(_cells(line))
            table = n if table is None else table
            assert n == table, line
        else:
            table = None
    # the unsafe screenshot links are inert text, the safe ones links
    assert re.search(r"\]\([^)]*/shots/ok%20one\.png\)", md) and "(https://example.org/ok.png)" in md
    assert md.count("screenshot (link omitted)") == len(BAD_LINKS)


def test_matrix_markdown_rows_have_one_cell_per_adapter(folder: Path) -> None:
    rows = [line for line in (folder / "matrix.md").read_text().splitlines() if line.startswith("|")]
    assert len(rows) >= 4
    assert {len(_cells(r)) for r in rows} == {3}, rows


def test_logs_are_fenced_so_the_text_cannot_close_the_block(folder: Path) -> None:
    md = (folder / f"{safe_name(ADAPTER)}.md").read_text()
    logs = md.split("## Logs", 1)[1]
    fences = re.findall(r"^  (`{3,})text$", logs, re.M)
    assert len(fences) == 2
    first = logs.split(fences[0] + "text\n", 1)[1]
    body, _, after = first.partition("\n  " + fences[0] + "\n")
    assert "start" in body and "end" in body and "```" in body  # the log's own fence is inside, shorter
    assert len(fences[0]) > max(len(r) for r in re.findall(r"`+", body))
    assert "</details>" in after.split("<details>", 1)[0]
    assert "<summary>log &lt;script&gt;" in logs


def test_helpers() -> None:
    assert md_cell("a|b\nc") == "a\\|b c"
    assert md_text("# x") == "\\# x" and md_text("**bold**") == "\\*\\*bold\\*\\*"
    assert md_text("send_message") == "send_message" and md_text("_x_") == "\\_x\\_"
    assert md_text(SCRIPT) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert md_text("1. item").startswith("1\\.") and md_text("- item") == "\\- item"
    assert md_code("plain") == "`plain`" and md_code("a`b") == "``a`b``" and md_code("``x") == "``` ``x ```"
    assert md_code("a|b<c") == "<code>a\\|b&lt;c</code>"
    lines = md_fence("x\n````\ny")
    assert lines[0] == "  `````text" and lines[-1] == "  `````" and "  ````" in lines
    assert cap("abcdef", 3) == "abc … (3 more characters; full text in the JSON report)"
    assert cap("abcdef", 3, tail=True).endswith(" def") and cap("abc", 3) == "abc"


# ---- links ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", BAD_LINKS + ["JAVASCRIPT:x", "\x01javascript:x", "java\nscript:x", "javascript\u200b:x",
                                             "http:evil", "c:/windows/x.png", "https:\\\\evil", "mailto:a@b"])
def test_unsafe_links_are_dropped(url: str) -> None:
    assert safe_href(url) is None
    assert link_from(None, url) is None and link_from("reports/run-1", url) is None


def test_safe_links_are_kept_and_quoted() -> None:
    assert safe_href("https://example.org/a b.png") == "https://example.org/a%20b.png"
    assert safe_href("shots/a:b (1).png") == "shots/a%3Ab%20%281%29.png"
    assert safe_href("javascript&#58;alert(1)") == "javascript%26%2358%3Balert%281%29"  # a relative path, inert
    assert link_from("r", "http://h/x.png") == "http://h/x.png" and link_from(None, "x/y.png") == "x/y.png"
    href = report_href("a|b javascript:x")
    assert href.startswith("a_b_javascript_x-") and href.endswith(".html") and ":" not in href


# ---- HTML -------------------------------------------------------------------------------------------------

def test_html_links_have_only_http_or_relative_schemes(folder: Path) -> None:
    htmls = _files(folder, ".html")
    assert len(htmls) == 3
    for name, text in htmls.items():
        tags = _tags(text)
        assert not [t for t, _ in tags if t in ("script", "iframe", "object", "embed")], name
        assert not [a for _, attrs in tags for a in attrs if a.startswith("on")], name
        for tag, attrs in tags:
            for attr in ("href", "src", "action", "formaction"):
                if attr in attrs:
                    assert _link_ok(attrs[attr]), (name, tag, attrs[attr])
    adapter = _tags(htmls[f"{safe_name(ADAPTER)}.html"])
    hrefs = [a["href"] for t, a in adapter if t == "a" and a.get("data-testid") in ("screenshot-link", "screenshot")]
    assert len(hrefs) == 4 and {h.rpartition("/")[2] for h in hrefs} == {"ok.png", "ok%20one.png"}
    assert "https://example.org/ok.png" in hrefs
    assert "link omitted" in htmls[f"{safe_name(ADAPTER)}.html"]
    # the matrix links to the files the writer wrote
    matrix = [a["href"] for t, a in _tags(htmls["matrix.html"]) if t == "a"]
    assert matrix == [f"{safe_name(ADAPTER)}.html", "plain-adapter.html"]
    assert all((folder / h).is_file() for h in matrix)


def test_html_evidence_anchors_still_resolve(folder: Path) -> None:
    html = (folder / f"{safe_name(ADAPTER)}.html").read_text()
    links = set(re.findall(r'href="#(ev-[^"]+)"', html))
    anchors = set(re.findall(r'id="(ev-[^"]+)"', html))
    assert links and links <= anchors


# ---- caps -------------------------------------------------------------------------------------------------

def test_long_values_are_capped_in_md_and_html_but_whole_in_json(folder: Path) -> None:
    name = safe_name(ADAPTER)
    md, html = (folder / f"{name}.md").read_text(), (folder / f"{name}.html").read_text()
    data = json.loads((folder / f"{name}.json").read_text())
    for text in (md, html):
        assert LONG not in text and "L" * REASON_CAP in text
        assert "… (500 more characters; full text in the JSON report)" in text
        assert "… (100 more characters; full text in the JSON report)" in text  # the long finding
        assert "G" * (HTML_LOG_CAP + 1) not in text and "THE-END" in text  # logs keep their tail
    assert "G" * (MD_LOG_CAP - 6) not in md and "G" * (MD_LOG_CAP - 7) + "THE-END" in md
    assert "E" * 9000 not in html and "full line in the evidence file" in html
    caps = {c["id"]: c for c in data["capabilities"]}
    assert caps[f"send:Plain{PIPES}{TICKS}"]["reason"] == LONG
    assert data["logs"]["long.log"] == "G" * (HTML_LOG_CAP + 3000) + "THE-END"
    assert data["findings"][1]["message"] == "F" * (REASON_CAP + 100)


# ---- redaction --------------------------------------------------------------------------------------------

def test_no_secret_reaches_any_written_file(folder: Path) -> None:
    files = [p for p in folder.iterdir() if p.is_file()]
    assert len(files) == 9
    for p in files:
        text = p.read_text("utf-8")
        assert SECRET not in text, p.name
        assert BEARER_TOKEN not in text, p.name
        assert "plain-token-value-xyz" not in text, p.name  # a secret-named key in a cited JSON line
    html = (folder / f"{safe_name(ADAPTER)}.html").read_text()
    assert "Bearer" in html and "bad line" in (folder / f"{safe_name(ADAPTER)}.json").read_text()


def test_default_redactor_still_masks_secret_shapes(tmp_path: Path) -> None:
    out = write_reports(_result(tmp_path), tmp_path / "reports", "run-2", update_latest=False)
    for p in out.iterdir():
        assert BEARER_TOKEN not in p.read_text("utf-8"), p.name


def test_comparison_is_escaped_capped_and_redacted(tmp_path: Path) -> None:
    folder = write_reports(_result(tmp_path), tmp_path / "reports", "run-1", redactor=Redactor([SECRET]))
    # a hostile report written by hand: secrets in reasons, findings and the evidence it cites
    ev = tmp_path / "cmp.jsonl"
    ev.write_text(json.dumps({"record": "inject", "adapter": ADAPTER, "t": 1, "scenario": f"s{SCRIPT}",
                              "match": {"event.type": "message.received"}}) + "\n"
                  + json.dumps({"record": "event", "adapter": ADAPTER, "producer": "probe", "t": 2,
                                "event": {"type": "message.received", "components": [
                                    {"type": "Plain", "text": f"{BEARER} {SCRIPT}"}]}}) + "\n")
    raw = json.loads((folder / f"{safe_name(ADAPTER)}.json").read_text())
    raw["evidence_files"] = [str(ev)]
    raw["findings"].append({"evidence": "x:1", "message": f"{BEARER} {SCRIPT}{FORGE}"})
    raw["capabilities"][0]["reason"] = f"{BEARER} {SCRIPT}{FORGE}{PIPES}"
    a = tmp_path / "a.json"
    a.write_text(json.dumps(raw))
    paths = write_comparison(a, folder / "plain-adapter.json", tmp_path / "cmp")
    for kind, p in paths.items():
        text = p.read_text("utf-8")
        assert BEARER_TOKEN not in text, kind
        assert p.parent == tmp_path / "cmp"
    md = paths["md"].read_text()
    assert "<script" not in md and not [line for line in md.splitlines() if line.startswith("# Heading")]
    for line in md.splitlines():
        if line.startswith("| ") and "capability" not in line and "scenario" not in line:
            assert len(_cells(line)) in (5, 6), line
    tags = _tags(paths["html"].read_text())
    assert not [t for t, _ in tags if t == "script"]
    assert all(_link_ok(a.get("href")) for t, a in tags if t == "a")


def test_md_text_cannot_start_a_block() -> None:
    for text in ("# h", "  # h", "- x", "+ x", "---", "12) x", "> q", "\n# h", "**x**"):
        out = md_text(text)
        assert not re.match(r"\s*(#|[-+]\s|---|\d+[.)]\s|>|\*\*)", out), (text, out)
    assert md_text("4.11.2") == "4.11.2" and md_text("x-y") == "x-y"


# ---- the session and Allure ------------------------------------------------------------------------------

def test_session_reports_mask_the_runs_known_secrets(tmp_path: Path, demo_manifest_dir: Path) -> None:
    from harness.manifest import load_manifest_dir
    from harness.session import AcceptanceSession

    from .evidence_factory import Story

    session = AcceptanceSession(evidence_dir=tmp_path / "ev", report_dir=tmp_path / "rep", run_id="run-s")
    session._manifests = load_manifest_dir(demo_manifest_dir)
    story = Story(tmp_path / "ev" / "e.jsonl")  # a writer that does not know the secret: the line carries it
    story.skip(["receive:Voice"], "blocked", f"needs {SECRET} {SCRIPT}{FORGE}")
    story.w.close()
    session.add_secrets(SECRET)
    session.logs["demo-adapter"] = {"framework.log": f"login with {SECRET}"}
    folder = session.write_reports()
    assert folder is not None and SECRET in (tmp_path / "ev" / "e.jsonl").read_text()
    written = [p for p in folder.iterdir() if p.is_file()]
    assert written and not [p.name for p in written if SECRET in p.read_text("utf-8")]
    assert "needs" in (folder / "demo-adapter.md").read_text()


class _FakeAllure:
    """Just enough of the ``allure`` module for :func:`harness.allure_labels.annotate`."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []
        fake = self

        class _Dynamic:
            def __getattr__(self, name):
                return lambda *args: fake.calls.append((name, args))

        class _Attach:
            def __call__(self, body, name=None, attachment_type=None):
                fake.calls.append(("attach", (body, name)))

            def file(self, path, name=None, attachment_type=None):
                fake.calls.append(("attach.file", (path, name)))

        self.dynamic = _Dynamic()
        self.attach = _Attach()
        self.attachment_type = type("T", (), {"TEXT": "text", "PNG": "png"})


def test_allure_labels_description_and_attachments_are_redacted(monkeypatch, tmp_path: Path) -> None:
    import sys

    from harness import allure_labels

    fake = _FakeAllure()
    monkeypatch.setitem(sys.modules, "allure", fake)
    monkeypatch.setattr(allure_labels, "allure_active", lambda config: True)
    ev = tmp_path / "e.jsonl"
    v = Verdict("send", "Plain", True, Level.OUTBOUND, Status.FAILED, f"{SECRET} {BEARER} {IMG}{FORGE}" + LONG, [f"{ev}:1"])
    lines = {f"{ev}:1": json.dumps({"record": "api_call", "password": "hunter2-hunter2", "note": f"{SECRET} {BEARER}"})}
    shot = tmp_path / f"{SECRET}.png"
    shot.write_bytes(b"png")
    allure_labels.annotate(object(), f"adapter-{SECRET}", v, lines, [str(shot)], redactor=Redactor([SECRET]))
    # everything handed to Allure but the path it reads the screenshot from
    text = repr([(name, args[1:] if name == "attach.file" else args) for name, args in fake.calls])
    assert SECRET not in text and BEARER_TOKEN not in text and "hunter2" not in text
    assert "more characters; full text in the JSON report" in text
    assert {"epic", "story", "description_html", "attach", "attach.file"} <= {name for name, _ in fake.calls}
    (description,) = [args[0] for name, args in fake.calls if name == "description_html"]
    assert not [t for t, _ in _tags(description) if t not in ("p", "br")] and "&lt;img" in description
