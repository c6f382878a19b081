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
