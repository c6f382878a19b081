import json

import pytest

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _ini(pytester):
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def test_capability_ids_come_from_manifest_and_reports_are_written(pytester, demo_manifest_dir):
    """An adapter no simulated platform serves has one run, in the mode ``default``: ``demo-adapter@default``."""
    pytester.makepyfile(test_caps="""
        def test_capability(capability, acceptance):
            run, cap = capability
            if cap.id == "api:send_message":
                acceptance.writer("harness").write("skip", adapter=run.name, capabilities=[cap.id],
                                                   status="blocked", reason="no simulator in this test")
    """)
    result = pytester.runpytest("-p", "no:randomly", "--manifest-dir", str(demo_manifest_dir),
                                "--report-dir", "rep", "--run-id", "r1", "--collect-only", "-q")
    ids = [line for line in result.outlines if "::test_capability[" in line]
    assert "test_caps.py::test_capability[demo-adapter@default::event:demo.custom_event]" in ids
    assert "test_caps.py::test_capability[demo-adapter@default::platform_api:get_login_info]" in ids
    assert "test_caps.py::test_capability[demo-adapter@default::receive:mixed]" in ids
    result = pytester.runpytest("--manifest-dir", str(demo_manifest_dir), "--report-dir", "rep", "--run-id", "r1")
    result.assert_outcomes(passed=len(ids))
    data = json.loads((pytester.path / "rep" / "r1" / "demo-adapter@default.json").read_text())
    assert data["adapter"] == "demo-adapter@default"
    caps = {c["id"]: c for c in data["capabilities"]}
    assert caps["api:send_message"]["status"] == "blocked"
    result.stdout.fnmatch_lines(["*acceptance reports*", "demo-adapter@default: *"])


@pytest.fixture
def onebot_manifest_dir(tmp_path, demo_manifest_dir):
    """The demo manifest under the name of an adapter a simulated platform serves in several modes."""
    folder = tmp_path / "manifests" / "onebot"
    folder.mkdir(parents=True)
    text = (demo_manifest_dir / "demo" / "manifest.yaml").read_text().replace("name: demo-adapter", "name: onebot-v11")
    (folder / "manifest.yaml").write_text(text)
    return folder.parent


def _run_ids(result, test="test_capability"):
    ids = [line.split("[", 1)[1].rstrip("]") for line in result.outlines if f"::{test}[" in line]
    return [i for i in ids if i != "NOTSET"]  # pytest's id for an empty parameter set


@pytest.mark.parametrize("args, langbot, astrbot", [
    ([], ["onebot-v11@reverse-ws", "onebot-v11@forward-ws"], ["onebot-v11@reverse-ws"]),
    (["--adapter", "onebot-v11"], ["onebot-v11@reverse-ws", "onebot-v11@forward-ws"], ["onebot-v11@reverse-ws"]),
    (["--adapter", "onebot-v11@forward-ws"], ["onebot-v11@forward-ws"], []),
    (["--adapter", "onebot-v11", "--mode", "reverse-ws"], ["onebot-v11@reverse-ws"], ["onebot-v11@reverse-ws"]),
])
def test_runs_are_adapter_at_mode_per_framework(pytester, onebot_manifest_dir, args, langbot, astrbot):
    """One test per run: ``--adapter NAME`` selects every mode the platform offers on the framework,
    ``NAME@MODE`` one; a mode the framework's binding lacks has no run (and the session says so)."""
    pytester.makepyfile(test_runs="""
        def test_run(run_spec, manifest):
            assert run_spec.manifest is manifest and run_spec.name == f"{manifest.name}@{run_spec.mode}"

        def test_capability(capability):
            pass
    """)
    for framework, expected in (("langbot", langbot), ("astrbot", astrbot)):
        result = pytester.runpytest("-p", "no:randomly", f"--manifest-dir={onebot_manifest_dir}", "--framework", framework,
                                    *args, "--collect-only", "-q")
        assert _run_ids(result, "test_run") == expected, result.outlines
        caps = _run_ids(result)
        assert sorted({c.split("::")[0] for c in caps}) == sorted(expected)
        if expected:
            assert f"{expected[0]}::event:message.received" in caps
        result.stdout.fnmatch_lines([f"acceptance: onebot-v11 on {framework}: modes *"])
    if not astrbot:
        result.stdout.fnmatch_lines(["*astrbot offers no forward-ws; offered: reverse-ws*"])


def test_the_shipped_suite_runs_from_a_project_without_ini(pytester, demo_manifest_dir, tmp_path):
    """A fresh folder, no ini (so no ``asyncio_mode``, no rootdir of ours), the report folder given as two
    arguments: the shipped suite collects through ``--pyargs`` and yields one test per capability of each run."""
    for ini in ("tox.ini", "pytest.ini", "setup.cfg", "pyproject.toml"):
        (pytester.path / ini).unlink(missing_ok=True)
    reports = tmp_path / "abs-reports"
    result = pytester.runpytest_subprocess("--pyargs", "harness.suite", "-m", "plugin_e2e", "--manifest-dir",
                                           str(demo_manifest_dir), "--report-dir", str(reports), "--collect-only", "-q")
    assert result.ret == 0, result.outlines
    caps = _run_ids(result)
    assert "demo-adapter@default::event:demo.custom_event" in caps
    assert "demo-adapter@default::api:send_message" in caps
    assert _run_ids(result, "test_report_of_this_run_opens_in_the_browser") == ["demo-adapter@default"]
    assert not any("PytestUnhandledCoroutineWarning" in line or "async def functions are not natively" in line
                   for line in result.outlines + result.errlines)


def test_plugin_e2e_in_a_project_without_tests_runs_the_shipped_suite(pytester, demo_manifest_dir):
    """``pytest -m plugin_e2e --adapter NAME`` with no path and no testpaths: the shipped suite is collected."""
    for ini in ("tox.ini", "pytest.ini", "setup.cfg", "pyproject.toml"):
        (pytester.path / ini).unlink(missing_ok=True)
    result = pytester.runpytest_subprocess("-m", "plugin_e2e", "--adapter", "demo-adapter", "--manifest-dir",
                                           str(demo_manifest_dir), "--collect-only", "-q")
    assert result.ret == 0, result.outlines
    assert "demo-adapter@default::api:send_message" in _run_ids(result)
    # a virtualenv in the project folder is not searched (pytest would collect nothing from it, or all of it)
    (pytester.path / "venv" / "lib").mkdir(parents=True)
    (pytester.path / "venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (pytester.path / "venv" / "lib" / "test_thirdparty.py").write_text("def test_theirs(): pass\n")
    result = pytester.runpytest_subprocess("-m", "plugin_e2e", "--manifest-dir", str(demo_manifest_dir), "--collect-only", "-q")
    assert "demo-adapter@default::api:send_message" in _run_ids(result)
    assert not any("test_thirdparty" in line for line in result.outlines)
    # with a path given, only that path is collected
    pytester.makepyfile(test_own="def test_mine(): pass")
    result = pytester.runpytest_subprocess("test_own.py", "-m", "plugin_e2e", "--manifest-dir", str(demo_manifest_dir),
                                           "--collect-only", "-q")
    assert _run_ids(result) == []


def test_the_plugin_fixtures_run_without_asyncio_mode_auto(pytester, demo_manifest_dir, monkeypatch):
    """The plugin's async fixtures (``adapter_runs``, ``browser_status``) work in strict asyncio mode (no ini);
    a run whose stack did not start ends blocked under its run name, and the session's reports name the run."""
    for ini in ("tox.ini", "pytest.ini", "setup.cfg", "pyproject.toml"):
        (pytester.path / ini).unlink(missing_ok=True)
    monkeypatch.setenv("ACCEPTANCE_NO_UI", "1")
    pytester.makeconftest("""
        import pytest
        from harness.errors import HarnessError

        @pytest.fixture(scope="session")
        def framework_stack():  # no framework here: the stack "did not start"
            return HarnessError("no stack in this test")
    """)
    pytester.makepyfile(test_strict="""
        import pytest

        @pytest.mark.asyncio(loop_scope="session")
        async def test_blocked_run(run_spec, adapter_runs, ui_browser):
            assert ui_browser is None
            result = await adapter_runs.result(run_spec)
            assert result.adapter == run_spec.name == "demo-adapter@default"
            assert result.status.value == "blocked" and "no stack in this test" in result.status_reason
    """)
    result = pytester.runpytest_subprocess("--manifest-dir", str(demo_manifest_dir), "--report-dir", "rep",
                                           "--run-id", "r1", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    data = json.loads((pytester.path / "rep" / "r1" / "demo-adapter@default.json").read_text())
    assert data["adapter"] == "demo-adapter@default" and data["status"] == "blocked"


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
