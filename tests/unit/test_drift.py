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
