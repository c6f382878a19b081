import pytest

from harness import drift
from harness.checker import check
from harness.levels import Status
from harness.manifest import load_manifest_dir

from .evidence_factory import Story

pytestmark = pytest.mark.unit


def test_manifest_vs_code_names_both_directions(demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    code = {m.name: {"events": ["message.received", "group.member_joined"], "apis": m.apis + ["get_friend_list"],
                     "platform_actions": ["get_login_info"], "errors": []}}
    found = {(f.capability, f.kind) for f in drift.manifest_vs_code([m], code)}
    assert found == {("event:demo.custom_event", "declared-not-in-code"), ("api:get_friend_list", "in-code-not-declared")}


def test_an_implemented_but_undeclared_api_is_drift_a_refusing_override_is_not(demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    code = {m.name: {"events": m.events, "apis": m.apis, "platform_actions": m.platform_actions, "errors": [],
                     "overrides": {"upload_file": False, "kick_member": True, "send_message": False}}}
    found = [(f.capability, f.kind) for f in drift.manifest_vs_code([m], code)]
    assert found == [("api:upload_file", "implemented-not-declared")]


def test_capabilities_offered_only_in_some_modes_are_reported_per_mode(demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    by_config = [{"field": "mode", "value": "socket", "events": m.events, "apis": m.apis},
                 {"field": "mode", "value": "webhook", "events": [e for e in m.events if e != "group.member_joined"],
                  "apis": [*m.apis, "get_friend_list"]}]
    code = {m.name: {"events": m.events, "apis": m.apis, "platform_actions": m.platform_actions, "errors": [],
                     "by_config": by_config}}
    findings = drift.manifest_vs_code([m], code)
    assert [(f.capability, f.kind) for f in findings] == [("event:group.member_joined", "declared-not-in-mode"),
                                                          ("api:get_friend_list", "in-mode-not-declared")]
    assert "mode=webhook" in findings[0].explanation


def test_manifest_vs_evidence_and_baseline(tmp_path, demo_manifest_dir):
    manifests = load_manifest_dir(demo_manifest_dir)
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:send_message"])
    s.outbound(["api:kick_member"])
    res = check(manifests, [tmp_path / "e.jsonl"]).adapters[0]
    found = {(f.capability, f.kind) for f in drift.manifest_vs_evidence([res])}
    assert ("api:kick_member", "undeclared") in found
    assert ("api:reply_message", "declared-untested") in found
    assert not any(c == "api:send_message" for c, _ in found)

    base = tmp_path / "baseline"
    drift.write_baseline([res], base)
    assert drift.evidence_vs_baseline([res], base) == []
    # Same capabilities, weaker evidence: the level drop is found.
    s2 = Story(tmp_path / "e2.jsonl")
    s2.outbound(["api:send_message"], received=False)
    res2 = check(manifests, [tmp_path / "e2.jsonl"]).adapters[0]
    dropped = drift.evidence_vs_baseline([res2], base)
    assert any(f.capability == "api:send_message" and f.kind == "level-dropped" for f in dropped)


def test_reproject_onto_changed_manifest(tmp_path, demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:get_group_info"])
    res = check([m], [tmp_path / "e.jsonl"]).adapters[0]
    m.optional_apis.remove("get_group_info")
    m.events.append("message.edited")
    again = drift.reproject(res, m)
    assert again.verdict("api:get_group_info").status is Status.UNDECLARED
    assert again.verdict("event:message.edited").status is Status.UNTESTED


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]
BASELINES = sorted((REPO / "reports" / "baseline").glob("*/*.json"))


def _result_from_baseline(data: dict, *, weaken: str | None = None):
    """An AdapterResult whose verdicts are exactly the baseline's (optionally one capability weakened)."""
    from harness.levels import Level
    from harness.verdicts import AdapterResult, Verdict

    verdicts = []
    for cap_id, entry in data["capabilities"].items():
        kind, _, name = cap_id.partition(":")
        level = Level(entry["level"]) if entry["level"] else None
        status = Status(entry["status"])
        if cap_id == weaken:
            level, status = Level.PROTOCOL, Status.PARTIAL
        verdicts.append(Verdict(kind, name, status is not Status.UNDECLARED, level, status, "", []))
    return AdapterResult(adapter=data["adapter"], framework=data["framework"], framework_version=data["framework_version"],
                         run_ids=["r"], simulator="", manifest_path=None, started=None, ended=None,
                         status=Status(data["status"]), status_reason="", verdicts=verdicts)


def test_committed_baselines_are_named_by_run():
    """One baseline entry per run: ``reports/baseline/<fw>-<version>/<adapter>@<mode>.json``, named as its ``adapter``."""
    import json

    assert {p.relative_to(REPO / "reports" / "baseline").as_posix() for p in BASELINES} >= {
        "langbot-4.11.2/onebot-v11@reverse-ws.json", "astrbot-4.14.6/onebot-v11@reverse-ws.json"}
    for path in BASELINES:
        data = json.loads(path.read_text())
        assert data["adapter"] == path.stem and "@" in path.stem
        assert path.parent.name == f"{data['framework']}-{data['framework_version']}"
        assert drift.load_baseline(path.parent, path.stem) == data["capabilities"]


@pytest.mark.parametrize("path", BASELINES, ids=[f"{p.parent.name}/{p.stem}" for p in BASELINES])
def test_a_run_equal_to_its_baseline_is_clean_capability_by_capability(path):
    """What ``acceptance drift`` does for evidence vs baseline: every capability of the run's report against
    the baseline entry of the same run name; an equal run has no finding, one weaker capability is the only one."""
    import json

    data = json.loads(path.read_text())
    res = _result_from_baseline(data)
    assert drift.evidence_vs_baseline([res], path.parent) == []
    for cap_id in data["capabilities"]:
        assert drift.regression(res.verdict(cap_id), data["capabilities"][cap_id]) is None, cap_id
    strong = next(c for c, e in data["capabilities"].items() if e["level"] == "plugin-e2e-outbound")
    found = drift.evidence_vs_baseline([_result_from_baseline(data, weaken=strong)], path.parent)
    assert [(f.adapter, f.capability, f.kind) for f in found] == [(data["adapter"], strong, "level-dropped")]
    # another mode of the same adapter is its own run: the reverse-ws baseline does not judge it
    other = _result_from_baseline({**data, "adapter": data["adapter"].split("@")[0] + "@no-such-mode"}, weaken=strong)
    assert drift.evidence_vs_baseline([other], path.parent) == []


def test_drift_cli_compares_each_run_report_with_its_own_baseline(tmp_path, demo_manifest_dir):
    """Reports ``demo-adapter@reverse-ws.json`` / ``@forward-ws.json`` vs a baseline holding the reverse-ws run:
    unchanged is clean against the baseline; the forward-ws run has none recorded and is said so."""
    import json

    from click.testing import CliRunner

    from harness.cli import main
    from harness.report import write_reports

    manifests = load_manifest_dir(demo_manifest_dir)
    for mode in ("reverse-ws", "forward-ws"):
        s = Story(tmp_path / "ev" / f"{mode}.jsonl", adapter=f"demo-adapter@{mode}")
        s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=True)
    result = check(manifests, [tmp_path / "ev"])
    folder = write_reports(result, tmp_path / "reports", "r1")
    assert sorted(p.name for p in folder.glob("demo-adapter@*.json")) == ["demo-adapter@forward-ws.json",
                                                                          "demo-adapter@reverse-ws.json"]
    base = tmp_path / "baseline"
    r = CliRunner().invoke(main, ["baseline", "--manifest-dir", str(demo_manifest_dir), "--report", str(folder),
                                  "--adapter", "demo-adapter@reverse-ws", "--baseline-dir", str(base)])
    assert r.exit_code == 0, r.output
    assert [p.name for p in base.iterdir()] == ["demo-adapter@reverse-ws.json"]
    r = CliRunner().invoke(main, ["drift", "--manifest-dir", str(demo_manifest_dir), "--report", str(folder), "--no-code",
                                  "--baseline-dir", str(base), "--format", "json"])
    data = json.loads(r.stdout)
    assert not [f for f in data["findings"] if f["comparison"] == "evidence-vs-baseline"], data
    assert "2 adapter(s) against" not in data["comparisons"]["evidence-vs-baseline"]
    assert data["comparisons"]["evidence-vs-baseline"].endswith("no baseline recorded for demo-adapter@forward-ws")
    assert {f["adapter"] for f in data["findings"]} == {"demo-adapter@reverse-ws", "demo-adapter@forward-ws"}
    # a weaker reverse-ws run is a regression of that run only
    s = Story(tmp_path / "ev2" / "reverse-ws.jsonl", adapter="demo-adapter@reverse-ws")
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], received=False)
    weaker = write_reports(check(manifests, [tmp_path / "ev2"]), tmp_path / "reports", "r2")
    r = CliRunner().invoke(main, ["drift", "--manifest-dir", str(demo_manifest_dir), "--report", str(weaker), "--no-code",
                                  "--baseline-dir", str(base), "--format", "json"])
    assert r.exit_code == 1
    regressions = [f for f in json.loads(r.stdout)["findings"] if f["comparison"] == "evidence-vs-baseline"]
    assert {(f["adapter"], f["capability"]) for f in regressions} >= {("demo-adapter@reverse-ws", "api:send_message")}


def test_a_declared_event_the_platform_cannot_produce_has_no_implementation_path(demo_manifest_dir):
    (m,) = load_manifest_dir(demo_manifest_dir)
    found = drift.manifest_vs_platform([m], {m.name: {"group.member_joined": ("no join notice", "spec §3")},
                                             "other": {"message.received": ("x", "y")}})
    assert [(f.capability, f.kind) for f in found] == [("event:group.member_joined", "declared-no-implementation-path")]
    assert "no join notice" in found[0].explanation and "spec §3" in found[0].explanation


def test_a_baseline_run_without_a_current_result_is_drift(tmp_path, demo_manifest_dir):
    import json

    manifests = load_manifest_dir(demo_manifest_dir)
    s = Story(tmp_path / "e.jsonl", adapter="demo-adapter@socket")
    s.outbound(["api:send_message"])
    res = check(manifests, [tmp_path / "e.jsonl"]).adapters
    base = tmp_path / "baseline"
    base.mkdir()
    for run in ("demo-adapter@socket", "demo-adapter@webhook", "other-adapter@socket"):
        (base / f"{run}.json").write_text(json.dumps({"adapter": run, "capabilities": {}}))
    found = [(f.adapter, f.kind) for f in drift.evidence_vs_baseline(res, base, every_run=True)]
    assert found == [("demo-adapter@webhook", "baseline-run-missing")]  # other adapters' runs are not this check's
    assert drift.evidence_vs_baseline(res, base) == []  # one run selected on purpose: the other mode is not asked for
