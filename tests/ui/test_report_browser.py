"""Generated HTML reports opened in the real browser: they open, tables render, evidence and screenshot links resolve."""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance_fixtures import media
from harness.checker import check
from harness.evidence import EvidenceWriter
from harness.manifest import load_manifest_dir
from harness.report import write_reports
from harness.ui.report_check import check_report

pytestmark = pytest.mark.unit

ADAPTER = "demo-adapter"


def _evidence(path: Path, shot: str) -> None:
    w = EvidenceWriter.to_file(path, run_id="run-1", framework="langbot", framework_version="4.11.2")
    t = 1_700_000_000.0
    for i, (producer, level, mid) in enumerate((("ui-action", "plugin-e2e-ui", "11"), ("protocol-injector", "plugin-e2e-protocol", "12"))):
        caps = ["event:message.received", "receive:Plain"] if i == 0 else ["receive:At"]
        comps = [{"type": "Plain", "text": "a  b"}] if i == 0 else [{"type": "At", "target": "5"}]
        w.write("inject", t=t + i, adapter=ADAPTER, producer=producer, level=level, capabilities=caps,
                match={"event.type": "message.received", "event.message_id": mid}, expected={"components": comps})
        w.write("event", t=t + i + 0.1, adapter=ADAPTER, producer="probe",
                event={"type": "message.received", "message_id": mid, "components": [{"type": "Source", "id": mid}, *comps]})
    for n, (caps, rendered) in enumerate(((["api:send_message", "send:Plain"], True), (["api:send_message", "send:At"], False))):
        start = t + 10 + n
        w.write("api_call", t=start + 0.2, adapter=ADAPTER, producer="probe", capabilities=caps,
                api={"name": "send_message", "scope": "run", "ok": True, "started": start, "ended": start + 0.2})
        w.write("platform_received", t=start + 0.1, adapter=ADAPTER, producer="simulator", action="send_msg",
                observed={"components": [{"type": "Plain", "text": "hi"}], "message_id": f"9{n}"})
        if rendered:
            w.write("ui_observed", t=start + 0.5, adapter=ADAPTER, producer="ui-check",
                    observed={"message_id": f"9{n}", "components": [{"type": "Plain", "text": "hi"}], "text": "hi"}, screenshot=shot)
    w.close()


async def test_generated_report_opens_and_its_links_resolve(browser, tmp_path: Path, demo_manifest_dir: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # evidence names screenshots relative to the working folder, as a run does
    shot = Path("reports/run-1/screenshots/demo-adapter/group-1.png")
    shot.parent.mkdir(parents=True)
    shot.write_bytes(media.png_bytes(40, 30))
    _evidence(tmp_path / "ev" / "e.jsonl", str(shot))
    result = check(load_manifest_dir(demo_manifest_dir), [tmp_path / "ev"])
    result.adapters[0].screenshots.append(str(shot))
    folder = write_reports(result, Path("reports"), "run-1")
    info = await check_report(browser, folder / f"{ADAPTER}.html")
    assert info["problems"] == [], info["problems"]
    assert ADAPTER in info["h1"] and info["anchors"] > 0
    assert {"plugin-e2e-ui", "plugin-e2e-protocol", "plugin-e2e-outbound"} <= set(info["levels"])
    # the rendered send's own link (from its ui_observed record) and the run's screenshot gallery, each on its own
    for testid in ("screenshot-link", "screenshot"):
        assert {s["href"] for s in info["shots"] if s["testid"] == testid} == {"screenshots/demo-adapter/group-1.png"}, testid
    assert info["images"] and info["images"][0]["width"] == 40
    md = (folder / f"{ADAPTER}.md").read_text()
    assert "(screenshots/demo-adapter/group-1.png)" in md and "outbound rendered" in md and "outbound received" in md
    # through the `latest` link too
    assert (await check_report(browser, Path("reports/latest") / f"{ADAPTER}.html"))["problems"] == []

    # a broken screenshot link is caught
    shot.unlink()
    broken = await check_report(browser, folder / f"{ADAPTER}.html")
    assert any("does not resolve" in p for p in broken["problems"]) and any("did not load" in p for p in broken["problems"])

