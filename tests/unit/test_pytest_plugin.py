import json

import pytest

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _ini(pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def test_capability_ids_come_from_manifest_and_reports_are_written(pytester, demo_manifest_dir):
    pytester.makepyfile(test_caps="""
        def test_capability(capability, acceptance):
            manifest, cap = capability
            if cap.id == "api:send_message":
                acceptance.writer("harness").write("skip", adapter=manifest.name, capabilities=[cap.id],
                                                   status="blocked", reason="no simulator in this test")
    """)
    result = pytester.runpytest("-p", "no:randomly", "--manifest-dir", str(demo_manifest_dir),
                                "--report-dir", "rep", "--run-id", "r1", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::test_capability[" in line]
    assert "test_caps.py::test_capability[demo-adapter::event:demo.custom_event]" in ids
    assert "test_caps.py::test_capability[demo-adapter::platform_api:get_login_info]" in ids
    assert "test_caps.py::test_capability[demo-adapter::receive:mixed]" in ids
    result = pytester.runpytest("--manifest-dir", str(demo_manifest_dir), "--report-dir", "rep", "--run-id", "r1")
    result.assert_outcomes(passed=len(ids))
    data = json.loads((pytester.path / "rep" / "r1" / "demo-adapter.json").read_text())
    caps = {c["id"]: c for c in data["capabilities"]}
    assert caps["api:send_message"]["status"] == "blocked"
    result.stdout.fnmatch_lines(["*acceptance reports*", "demo-adapter: *"])


def test_markers_registered(pytester):
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.plugin_e2e:*", "@pytest.mark.adapter_live:*"])


def test_no_evidence_no_reports(pytester):
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest("--report-dir", "rep")
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "rep").exists()


def test_allure_results_carry_adapter_kind_capability_level_and_evidence(pytester, tmp_path):
    """With --alluredir, a capability test's result has epic/feature/story, the level label and the cited lines."""
    shot = tmp_path / "conv.png"
    from acceptance_fixtures import media

    shot.write_bytes(media.png_bytes(8, 8))
    pytester.makepyfile(test_allure=f"""
        from harness.allure_labels import annotate
        from harness.levels import Level, Status
        from harness.verdicts import Verdict

        def test_cap(request):
            v = Verdict("send", "Plain", True, Level.OUTBOUND, Status.ACCEPTED, "", ["probe.jsonl:3"], {{}}, "")
            annotate(request.config, "demo-adapter", v, {{"probe.jsonl:3": '{{"record": "api_call"}}'}}, [{str(shot)!r}])
    """)
    result = pytester.runpytest("--alluredir", "allure")
    result.assert_outcomes(passed=1)
    found = [json.loads(p.read_text()) for p in (pytester.path / "allure").glob("*-result.json")]
    assert len(found) == 1
    labels = {(l["name"], l["value"]) for l in found[0]["labels"]}
    assert {("epic", "demo-adapter"), ("story", "send:Plain"), ("evidence_level", "plugin-e2e-outbound"),
            ("acceptance_status", "accepted")} <= labels
    assert any(name == "feature" for name, _ in labels)
    attachments = {a["name"]: a for a in found[0]["attachments"]}
    assert "conv.png" in attachments and attachments["conv.png"]["type"] == "image/png"
    text = (pytester.path / "allure" / attachments["evidence lines"]["source"]).read_text()
    assert text.startswith("probe.jsonl:3") and "api_call" in text


@pytest.mark.parametrize("leak", [False, True])
def test_session_scans_its_own_output_for_secrets(pytester, demo_manifest_dir, leak):
    """Every registered secret is searched for in the run's evidence and reports; a leak fails the session."""
    pytester.makepyfile(test_leak=f"""
        import base64

        def test_x(acceptance):
            acceptance.add_secrets("registered-secret-value-42")
            acceptance.writer("harness").write("finding", adapter="demo-adapter", message="token registered-secret-value-42")
            if {leak!r}:  # a file written past the redacting writer, base64 of the secret inside
                (acceptance.evidence_dir / "raw.jsonl").write_text(base64.b64encode(b"registered-secret-value-42").decode())
    """)
    result = pytester.runpytest("--manifest-dir", str(demo_manifest_dir), "--report-dir", "rep", "--run-id", "r1",
                                "--evidence-dir", "ev")
    scan = json.loads((pytester.path / "rep" / "r1" / "secret-scan.json").read_text())
    assert scan["secrets"] == 1 and scan["files"] >= 4
    if leak:
        assert result.ret == 1 and [x["form"] for x in scan["leaks"]] == ["base64"]
        result.stdout.fnmatch_lines(["*secret scan: 1 configured secret*LEAK(S) in *raw.jsonl*"])
    else:
        assert result.ret == 0 and scan["leaks"] == []
        result.stdout.fnmatch_lines(["*secret scan: 1 configured secret*none found*"])
    assert "registered-secret-value-42" not in (pytester.path / "rep" / "r1" / "secret-scan.json").read_text()
