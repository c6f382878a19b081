import json
from importlib import resources

import jsonschema
import pytest

from harness.checker import check
from harness.manifest import load_manifest_dir
from harness.report import write_reports

from .evidence_factory import Story

pytestmark = pytest.mark.unit


@pytest.fixture
def report_folder(tmp_path, demo_manifest_dir):
    s = Story(tmp_path / "ev" / "e.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "a  b"}])
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=True)
    s.skip(["receive:Voice"], "blocked", "simulator UI cannot create this")
    s.w.write("finding", adapter=s.adapter, message="call_platform_api refused in run scope")
    result = check(load_manifest_dir(demo_manifest_dir), [tmp_path / "ev"])
    return write_reports(result, tmp_path / "reports", "run-1")


def test_json_report_matches_schema_and_cites_lines(report_folder):
    data = json.loads((report_folder / "demo-adapter.json").read_text())
    schema = json.loads(resources.files("harness.report").joinpath("report.schema.json").read_text())
    jsonschema.validate(data, schema)
    caps = {c["id"]: c for c in data["capabilities"]}
    assert caps["receive:Plain"]["level"] == "plugin-e2e-protocol"
    assert caps["receive:Plain"]["evidence"][0].endswith("e.jsonl:1")
    assert caps["receive:Voice"]["status"] == "blocked" and data["blocked"][0]["reason"].startswith("simulator UI")
    assert data["findings"][0]["message"].startswith("call_platform_api refused")


def test_markdown_and_html_have_every_table(report_folder):
    md = (report_folder / "demo-adapter.md").read_text()
    html = (report_folder / "demo-adapter.html").read_text()
    for title in ("Events", "Common APIs", "Platform-specific APIs", "Receive components", "Send components"):
        assert f"## {title}" in md and f">{title}</h2>" in html
    assert "simulator UI cannot create this" in md
    # every evidence link in the HTML resolves to an anchor in the same page
    import re
    links = set(re.findall(r'href="#(ev-[^"]+)"', html))
    anchors = set(re.findall(r'id="(ev-[^"]+)"', html))
    assert links and links <= anchors


def test_matrix_and_latest_link(report_folder):
    root = report_folder.parent
    assert (root / "latest").resolve() == report_folder.resolve()
    matrix = json.loads((report_folder / "matrix.json").read_text())
    assert matrix["rows"]["api:send_message"]["demo-adapter"]["status"] == "accepted"
    assert (report_folder / "matrix.html").exists() and (report_folder / "matrix.md").exists()


def test_each_run_is_its_own_report_and_matrix_column(tmp_path, demo_manifest_dir):
    """A run is ``adapter@mode``: its own report files (the ``@`` kept in the name), its own matrix column
    with a link that resolves to that file."""
    from harness.report.model import report_href, safe_name

    assert safe_name("onebot-v11@reverse-ws") == "onebot-v11@reverse-ws"
    assert safe_name("a/b@c d").startswith("a_b@c_d-") and safe_name("a/b@c d") != safe_name("a_b@c_d")
    assert report_href("onebot-v11@forward-ws") == "onebot-v11@forward-ws.html"
    for mode, rendered in (("reverse-ws", True), ("forward-ws", False)):
        s = Story(tmp_path / "ev" / f"{mode}.jsonl", adapter=f"demo-adapter@{mode}")
        s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=rendered)
    folder = write_reports(check(load_manifest_dir(demo_manifest_dir), [tmp_path / "ev"]), tmp_path / "reports", "r1")
    for mode in ("reverse-ws", "forward-ws"):
        for ext in ("json", "md", "html"):
            assert (folder / f"demo-adapter@{mode}.{ext}").exists()
        assert json.loads((folder / f"demo-adapter@{mode}.json").read_text())["adapter"] == f"demo-adapter@{mode}"
    assert not (folder / "demo-adapter.json").exists()
    matrix = json.loads((folder / "matrix.json").read_text())
    assert matrix["adapters"] == ["demo-adapter@forward-ws", "demo-adapter@reverse-ws"] or \
        matrix["adapters"] == ["demo-adapter@reverse-ws", "demo-adapter@forward-ws"]
    assert matrix["rows"]["send:Plain"]["demo-adapter@reverse-ws"]["status"] == "accepted"
    assert matrix["rows"]["send:Plain"]["demo-adapter@forward-ws"]["status"] == "partial"
    html = (folder / "matrix.html").read_text()
    assert 'href="demo-adapter@reverse-ws.html"' in html and 'href="demo-adapter@forward-ws.html"' in html


def test_every_adapter_gets_its_own_files_and_the_matrix_links_resolve(tmp_path):
    """A dot in a name is not an extension; names that clean up alike, or start with a dot, never share a file."""
    from harness.verdicts import AdapterResult, CheckResult

    names = ["x.a", "x.b", "a b", "a_b", "..", "onebot-v11@reverse-ws"]
    folder = write_reports(CheckResult([AdapterResult(adapter=n) for n in names]), tmp_path, "r", update_latest=False)
    reports = sorted(p for p in folder.glob("*.json") if p.name != "matrix.json")
    assert len(reports) == len(names) and not any(p.name.startswith(".") for p in folder.iterdir())
    assert {json.loads(p.read_text())["adapter"] for p in reports} == set(names)
    assert (folder / "onebot-v11@reverse-ws.html").is_file() and (folder / "x.a.md").is_file()
    import re
    from urllib.parse import unquote

    links = re.findall(r'href="([^"#]+\.html)"', (folder / "matrix.html").read_text())
    assert len(links) == len(names) and all((folder / unquote(link)).is_file() for link in links)


def test_an_adapter_run_in_two_modes_gets_a_mode_comparison(demo_manifest_dir, tmp_path):
    """Runs ``adapter@mode``: the first mode is compared with each other one, capability by capability, so a
    difference between transport modes is in the report folder (``modes/``)."""
    from harness.checker import check
    from harness.manifest import load_manifest_dir
    from harness.report import write_reports

    from .evidence_factory import ADAPTER, Story

    manifests = load_manifest_dir(demo_manifest_dir)
    a = Story(tmp_path / "a.jsonl", adapter=f"{ADAPTER}@webhook")
    a.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    b = Story(tmp_path / "b.jsonl", adapter=f"{ADAPTER}@websocket")
    b.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}], arrive=False)
    a.w.close(), b.w.close()
    result = check(manifests, [tmp_path / "a.jsonl", tmp_path / "b.jsonl"], only_declared_adapters=True,
                   runs=[f"{ADAPTER}@webhook", f"{ADAPTER}@websocket"])
    out = write_reports(result, tmp_path / "reports", "r1", update_latest=False)
    (md,) = (out / "modes").glob("*.md")
    assert md.name == f"modes-{ADAPTER}@webhook-vs-websocket.md"
    data = json.loads(md.with_suffix(".json").read_text())
    row = next(r for r in data["capabilities"] if r["id"] == "event:message.received")
    assert row["a"]["status"] != row["b"]["status"] and row["difference"] != "same", row
