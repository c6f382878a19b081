import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness.cli import main

from .evidence_factory import Story

pytestmark = pytest.mark.unit


@pytest.fixture
def evidence(tmp_path):
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}])
    with open(tmp_path / "e.jsonl", "a") as fh:
        fh.write("{corrupt\n")
    return tmp_path / "e.jsonl"


def test_manifests_json(demo_manifest_dir):
    r = CliRunner().invoke(main, ["manifests", "--manifest-dir", str(demo_manifest_dir), "--format", "json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["adapters"][0]["counts"] == {"events": 3, "apis": 4, "platform_actions": 1}


def test_check_reports_corrupt_line_and_verdicts(evidence, demo_manifest_dir):
    r = CliRunner().invoke(main, ["check", str(evidence), "--manifest-dir", str(demo_manifest_dir), "--format", "json"])
    assert r.exit_code == 0, r.output
    assert f"{evidence}:3" in r.stderr and "not JSON" in r.stderr
    data = json.loads(r.stdout)
    caps = {c["id"]: c for c in data["adapters"][0]["capabilities"]}
    assert caps["api:send_message"]["status"] == "accepted"
    r = CliRunner().invoke(main, ["check", str(evidence), "--manifest-dir", str(demo_manifest_dir), "--strict"])
    assert r.exit_code == 2


def test_report_writes_all_formats(evidence, demo_manifest_dir, tmp_path):
    r = CliRunner().invoke(main, ["report", str(evidence), "--manifest-dir", str(demo_manifest_dir),
                                  "--report-dir", str(tmp_path / "rep"), "--run-id", "r1"])
    assert r.exit_code == 0, r.output
    for ext in ("md", "html", "json"):
        assert (tmp_path / "rep" / "r1" / f"demo-adapter.{ext}").exists()
    assert (tmp_path / "rep" / "latest").is_symlink()


def test_bad_input_exits_2_with_place(tmp_path, demo_manifest_dir):
    r = CliRunner().invoke(main, ["check", str(tmp_path / "missing.jsonl"), "--manifest-dir", str(demo_manifest_dir)])
    assert r.exit_code == 2 and "missing.jsonl" in r.stderr and "not found" in r.stderr
    bad = tmp_path / "m" / "x"
    bad.mkdir(parents=True)
    (bad / "manifest.yaml").write_text("metadata: {name: x}\n")
    r = CliRunner().invoke(main, ["manifests", "--manifest-dir", str(tmp_path / "m")])
    assert r.exit_code == 2 and "manifest.yaml" in r.stderr and "spec" in r.stderr
    r = CliRunner().invoke(main, ["manifests", "--framework", "nosuch==1"])
    assert r.exit_code == 2 and "unknown framework" in r.stderr


def test_drift_uses_reports_and_baseline(evidence, demo_manifest_dir, tmp_path):
    runner = CliRunner()
    runner.invoke(main, ["report", str(evidence), "--manifest-dir", str(demo_manifest_dir),
                         "--report-dir", str(tmp_path / "rep"), "--run-id", "r1"])
    args = ["drift", "--manifest-dir", str(demo_manifest_dir), "--no-code", "--format", "json",
            "--report", str(tmp_path / "rep" / "latest"), "--baseline-dir", str(tmp_path / "base")]
    r = runner.invoke(main, args)
    assert r.exit_code == 2 and "base" in r.stderr and "--baseline-dir" in r.stderr  # an explicit baseline must exist
    (tmp_path / "base").mkdir()
    r = runner.invoke(main, args)
    assert r.exit_code == 1, r.output  # declared but unproven capabilities are drift
    data = json.loads(r.stdout)
    assert any(f["capability"] == "api:reply_message" for f in data["findings"])
    assert "no baseline recorded for demo-adapter" in data["comparisons"]["evidence-vs-baseline"]
    r = runner.invoke(main, [*args[:6], "--report", str(tmp_path / "nowhere")])
    assert r.exit_code == 2 and "report folder not found" in r.stderr


def test_drift_falls_back_to_the_newest_run_of_this_framework(evidence, demo_manifest_dir, tmp_path, monkeypatch):
    """reports/latest written by another framework's run (as in `make test`) is not mistaken for "no evidence"."""
    import os

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["--manifest-dir", str(demo_manifest_dir), "--report-dir", "reports"]
    assert runner.invoke(main, ["report", str(evidence), *args, "--run-id", "ours"]).exit_code in (0, 1)
    other = Path("reports/theirs")
    other.mkdir()
    data = json.loads(Path("reports/ours/demo-adapter.json").read_text())
    (other / "demo-adapter.json").write_text(json.dumps({**data, "framework": "astrbot"}))
    os.utime(other, (time.time() + 5, time.time() + 5))
    Path("reports/latest").unlink()
    Path("reports/latest").symlink_to("theirs")
    r = runner.invoke(main, ["drift", "--manifest-dir", str(demo_manifest_dir), "--no-code", "--format", "json"])
    ran = json.loads(r.stdout)["comparisons"]["manifest-vs-evidence"]
    assert "reports/ours" in ran and "newest run" in ran, ran


def test_check_and_report_per_run(tmp_path, demo_manifest_dir):
    """Evidence of two runs (``adapter@mode``): ``--adapter NAME`` judges both, ``--adapter NAME@MODE`` that run."""
    for mode in ("reverse-ws", "forward-ws"):
        Story(tmp_path / "ev" / f"{mode}.jsonl", adapter=f"demo-adapter@{mode}").outbound(["api:send_message"])
    args = ["check", str(tmp_path / "ev"), "--manifest-dir", str(demo_manifest_dir), "--format", "json"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 0, r.output
    assert sorted(a["adapter"] for a in json.loads(r.stdout)["adapters"]) == ["demo-adapter@forward-ws", "demo-adapter@reverse-ws"]
    r = CliRunner().invoke(main, [*args, "--adapter", "demo-adapter"])
    assert sorted(a["adapter"] for a in json.loads(r.stdout)["adapters"]) == ["demo-adapter@forward-ws", "demo-adapter@reverse-ws"]
    r = CliRunner().invoke(main, [*args, "--adapter", "demo-adapter@forward-ws"])
    assert [a["adapter"] for a in json.loads(r.stdout)["adapters"]] == ["demo-adapter@forward-ws"]
    r = CliRunner().invoke(main, ["report", str(tmp_path / "ev"), "--manifest-dir", str(demo_manifest_dir),
                                  "--report-dir", str(tmp_path / "rep"), "--run-id", "r1", "--adapter", "demo-adapter@reverse-ws"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "rep" / "r1").glob("demo-adapter*.json")) == ["demo-adapter@reverse-ws.json"]


def test_simulate_needs_an_adapter_or_a_plugin():
    r = CliRunner().invoke(main, ["simulate"])
    assert r.exit_code == 2 and "--adapter-plugin" in r.output, r.output


def test_simulate_picks_the_platform_an_adapter_plugin_stands_for(tmp_path):
    """``acceptance simulate --adapter-plugin DIR``: the simulated platform serving the plugin's registered type; a
    plugin of a published contract has no simulator and says how to run its contract instead."""
    from acceptance_fixtures.platforms import profile_for

    from harness.contract.model import contract_for
    from harness.contract.run import plugin_adapters_of_type
    from harness.errors import HarnessError
    from harness.session import AcceptanceSession
    from harness.ui.simulate import _plugin_adapter

    plugins = Path(__file__).parents[2] / "fixtures" / "adapter_plugins"

    def session(folder: str) -> AcceptanceSession:
        s = AcceptanceSession(framework="astrbot", adapter_plugins=[plugins / folder], evidence_dir=tmp_path / "e",
                              contract_for=contract_for, plugin_adapters_of_type=plugin_adapters_of_type)
        s.profile_for = profile_for
        return s

    assert _plugin_adapter(session("reference_tangsengdaodao")) == "tangsengdaodao"
    with pytest.raises(HarnessError, match="published contract http-platform.*pytest -m plugin_e2e --adapter-plugin"):
        _plugin_adapter(session("reference_http_platform"))
