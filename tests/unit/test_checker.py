import pytest

from harness.checker import check
from harness.levels import Level, Status
from harness.manifest import load_manifest_dir

from .evidence_factory import Story

pytestmark = pytest.mark.unit

PLAIN = [{"type": "Plain", "text": "a  b\nc"}]


@pytest.fixture
def manifests(demo_manifest_dir):
    return load_manifest_dir(demo_manifest_dir)


def run(manifests, path):
    result = check(manifests, [path])
    return result.adapters[0]


def test_protocol_inbound_is_partial_never_ui(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], PLAIN)
    # A record that claims UI but was not produced by a UI action stays protocol.
    s.inbound(["receive:At"], [{"type": "At", "target": "42"}], level="plugin-e2e-ui", producer="protocol-injector")
    res = run(manifests, tmp_path / "e.jsonl")
    for cap in ("event:message.received", "receive:Plain", "receive:At"):
        v = res.verdict(cap)
        assert v.level is Level.PROTOCOL and v.status is Status.PARTIAL, cap
    assert len(res.verdict("receive:Plain").evidence) == 2


def test_ui_inbound_accepts_and_justified_protocol_event_accepts(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], PLAIN, producer="ui-action", level="plugin-e2e-ui")
    s.inbound(["event:group.member_joined"], [], etype="group.member_joined", justification="no UI action joins a group")
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("receive:Plain").level is Level.UI
    assert res.verdict("receive:Plain").status is Status.ACCEPTED
    assert res.verdict("event:group.member_joined").status is Status.ACCEPTED


def test_plain_text_fidelity_is_exact(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["receive:Plain"], PLAIN, observed=[{"type": "Plain", "text": "a b\nc"}])
    v = run(manifests, tmp_path / "e.jsonl").verdict("receive:Plain")
    assert v.status is Status.FAILED and "text" in v.reason


def test_mixed_chain_order(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    chain = [{"type": "Plain", "text": "x"}, {"type": "At", "target": "1"}, {"type": "Face", "id": "2"}]
    s.inbound(["receive:mixed"], chain, observed=[chain[1], chain[0], chain[2]])
    v = run(manifests, tmp_path / "e.jsonl").verdict("receive:mixed")
    assert v.status is Status.FAILED and "order" in v.reason


def test_injected_but_never_arrived_fails(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["receive:Image"], [{"type": "Image"}], arrive=False)
    v = run(manifests, tmp_path / "e.jsonl").verdict("receive:Image")
    assert v.status is Status.FAILED and "no matching event" in v.reason


def test_outbound_requires_platform_receipt(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:get_group_info"], received=False)
    s.outbound(["api:send_message", "send:Plain"], PLAIN, rendered=True)
    s.outbound(["api:reply_message", "send:At"], [{"type": "At", "target": "9"}])
    res = run(manifests, tmp_path / "e.jsonl")
    v = res.verdict("api:get_group_info")
    assert v.level is None and v.status is Status.PARTIAL and "received nothing" in v.reason
    assert res.verdict("api:send_message").level is Level.OUTBOUND
    assert res.verdict("api:send_message").status is Status.ACCEPTED
    assert res.verdict("send:Plain").status is Status.ACCEPTED and res.verdict("send:Plain").detail["outbound"] == "rendered"
    # received but not seen rendered: a send component stays partial, the API is accepted
    assert res.verdict("send:At").status is Status.PARTIAL
    assert res.verdict("api:reply_message").status is Status.ACCEPTED


def test_outbound_fidelity_and_errors(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["send:Plain"], PLAIN, observed=[{"type": "Plain", "text": "different"}])
    s.outbound(["api:reply_message"], ok=False, received=False, scope="plugin")
    s.outbound(["platform_api:get_login_info"], ok=False, received=False, error_kind="refused")
    s.outbound(["platform_api:get_login_info"], scope="plugin", action="get_login_info")
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("send:Plain").status is Status.FAILED
    assert res.verdict("api:reply_message").status is Status.FAILED
    v = res.verdict("platform_api:get_login_info")
    assert v.status is Status.ACCEPTED and "refused" in v.reason  # both outcomes are reported


def test_skips_untested_undeclared_and_adapter_status(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.skip(["receive:Forward"], "not-supported", "platform has no forward")
    s.skip(["receive:Voice"], "blocked", "simulator UI cannot create this")
    s.outbound(["api:kick_member"])  # not declared by the demo manifest
    s.w.write("event", adapter=s.adapter, producer="probe", event={"type": "friend.added"})
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("receive:Forward").status is Status.NOT_SUPPORTED
    assert res.verdict("receive:Voice").status is Status.BLOCKED
    assert res.verdict("api:get_group_info").status is Status.UNTESTED
    assert res.verdict("api:kick_member").status is Status.UNDECLARED
    assert res.verdict("event:friend.added").status is Status.UNDECLARED
    assert res.status is Status.PARTIAL


def test_adapter_blocked_when_stack_failed(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.skip([], "blocked", "LangBot did not start: port in use")
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.status is Status.BLOCKED
    assert all(v.status is Status.BLOCKED and "port in use" in v.reason for v in res.verdicts)


def test_adapter_live_observer_gives_adapter_live(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["receive:Plain"], PLAIN, observer="adapter-driver")
    v = run(manifests, tmp_path / "e.jsonl").verdict("receive:Plain")
    assert v.level is Level.ADAPTER_LIVE and v.status is Status.PARTIAL


def test_run_scope_error_defers_to_plugin_wide_outcome(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:get_group_info"], ok=False, received=False, scope="run")
    s.outbound(["api:get_group_info"], scope="plugin", action="get_group_info")
    v = run(manifests, tmp_path / "e.jsonl").verdict("api:get_group_info")
    assert v.status is Status.ACCEPTED and "run scope" in v.reason
    s2 = Story(tmp_path / "f.jsonl")
    s2.outbound(["api:get_group_info"], ok=False, received=False, scope="run")
    s2.outbound(["api:get_group_info"], ok=False, received=False, scope="plugin")
    assert run(manifests, tmp_path / "f.jsonl").verdict("api:get_group_info").status is Status.FAILED


def test_component_mismatch_fails_the_component_not_the_event(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received", "receive:Forward"], [{"type": "Forward"}], observed=[{"type": "Unknown"}])
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("receive:Forward").status is Status.FAILED
    assert res.verdict("event:message.received").status is Status.PARTIAL


def test_source_platform_object_needs_an_adapter_side_observer(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["receive:Plain"], PLAIN)
    s.w.write("event", adapter=s.adapter, producer="probe", event={"type": "message.received", "source_platform_object": False})
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("compat:source_platform_object").status is Status.FAILED  # one message lacked it
    s2 = Story(tmp_path / "f.jsonl")
    s2.w.write("event", adapter=s2.adapter, producer="probe", event={"type": "message.received", "source_platform_object": False})
    assert run(manifests, tmp_path / "f.jsonl").verdict("compat:source_platform_object").status is Status.BLOCKED


def test_one_unjustified_injection_keeps_a_protocol_event_partial(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received"], PLAIN, justification="a card the client UI cannot compose")
    s.inbound(["event:message.received"], PLAIN)
    v = run(manifests, tmp_path / "e.jsonl").verdict("event:message.received")
    assert v.level is Level.PROTOCOL and v.status is Status.PARTIAL


def test_a_component_is_judged_on_its_own_type_a_mixed_chain_on_everything(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    sent = [{"type": "At", "target": "42"}, {"type": "Plain", "text": " please review"}]
    got = [{"type": "At", "target": "42"}, {"type": "Plain", "text": "please review"}]  # the adapter stripped the text
    s.inbound(["receive:At"], sent, observed=got)
    s.inbound(["receive:mixed"], sent, observed=got)
    s.inbound(["receive:Face"], [{"type": "Face", "face_id": "2"}], observed=[{"type": "Image", "url": "x"}])
    order = [{"type": "Plain", "text": "x"}, {"type": "AtAll"}]
    s.inbound(["receive:AtAll"], order, observed=order[::-1])
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("receive:At").status is Status.PARTIAL  # the mention arrived intact (protocol level)
    mixed = res.verdict("receive:mixed")
    assert mixed.status is Status.FAILED and "please review" in mixed.reason
    face = res.verdict("receive:Face")
    assert face.status is Status.FAILED and "observed ['Image']" in face.reason
    assert res.verdict("receive:AtAll").status is Status.PARTIAL  # order alone is the mixed chain's concern


def test_component_problems_name_the_type_they_concern():
    from harness.fidelity import component_problems

    assert component_problems([{"type": "Plain", "text": "a"}], [{"type": "Source", "id": "1"}, {"type": "Plain", "text": "a"}]) == []
    probs = component_problems([{"type": "At", "target": "1"}, {"type": "Plain", "text": " b"}],
                               [{"type": "At", "target": "2"}, {"type": "Plain", "text": "b"}])
    assert [t for t, _ in probs] == ["At", "Plain"]
    assert [t for t, _ in component_problems([{"type": "Forward"}], [{"type": "Unknown"}])] == ["Forward", "Unknown"]
    assert [t for t, _ in component_problems([{"type": "A"}, {"type": "B"}], [{"type": "B"}, {"type": "A"}])] == [None]


def test_a_failed_verdict_keeps_the_level_it_failed_at(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["receive:Forward"], [{"type": "Forward"}], observed=[{"type": "Unknown"}], producer="ui-action", level="plugin-e2e-ui")
    s.inbound(["receive:Face"], [{"type": "Face", "face_id": "1"}], arrive=False)
    res = run(manifests, tmp_path / "e.jsonl")
    assert (res.verdict("receive:Forward").status, res.verdict("receive:Forward").level) == (Status.FAILED, Level.UI)
    assert (res.verdict("receive:Face").status, res.verdict("receive:Face").level) == (Status.FAILED, None)


def test_rendered_needs_the_ui_check_as_producer(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.outbound(["api:send_message", "send:Plain"], PLAIN, rendered=True, ui_producer="simulator")
    v = run(manifests, tmp_path / "e.jsonl").verdict("send:Plain")
    assert v.status is Status.PARTIAL and v.detail.get("outbound") == "received"


def test_a_run_bucket_is_judged_against_its_manifest_under_the_run_name(tmp_path, demo_manifest_dir):
    """``demo-adapter@reverse-ws`` and ``demo-adapter@forward-ws`` are two runs of one manifest: each is its own
    result, named by the run, with the manifest's capabilities; their evidence never mixes."""
    from harness.manifest import load_manifest_dir

    manifests = load_manifest_dir(demo_manifest_dir)
    rev = Story(tmp_path / "e.jsonl", adapter="demo-adapter@reverse-ws")
    rev.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}], rendered=True)
    fwd = Story(tmp_path / "f.jsonl", adapter="demo-adapter@forward-ws")
    fwd.outbound(["api:send_message"], ok=False, scope="plugin")
    fwd.outbound(["api:kick_member"])  # undeclared in the manifest, in this run only
    result = check(manifests, [tmp_path / "e.jsonl", tmp_path / "f.jsonl"], only_declared_adapters=True)
    assert [a.adapter for a in result.adapters] == ["demo-adapter@reverse-ws", "demo-adapter@forward-ws"]
    by = {a.adapter: a for a in result.adapters}
    assert by["demo-adapter@reverse-ws"].verdict("api:send_message").status is Status.ACCEPTED
    assert by["demo-adapter@forward-ws"].verdict("api:send_message").status is Status.FAILED
    assert by["demo-adapter@forward-ws"].verdict("api:kick_member").status is Status.UNDECLARED
    assert by["demo-adapter@reverse-ws"].verdict("api:kick_member") is None
    declared = {v.id for v in by["demo-adapter@reverse-ws"].verdicts if v.declared}
    assert declared == {v.id for v in by["demo-adapter@forward-ws"].verdicts if v.declared}
    assert all(a.manifest_path for a in result.adapters)
    # a run of an adapter without a manifest stays an undeclared adapter of its own (when not only declared ones)
    Story(tmp_path / "g.jsonl", adapter="other@x").outbound(["api:send_message"])
    names = [a.adapter for a in check(manifests, [tmp_path / "e.jsonl", tmp_path / "g.jsonl"]).adapters]
    assert names == ["demo-adapter@reverse-ws", "other@x"]


def test_a_manifest_without_run_evidence_keeps_its_own_name(tmp_path, demo_manifest_dir):
    from harness.manifest import load_manifest_dir

    Story(tmp_path / "e.jsonl").outbound(["api:send_message"])  # plain adapter name (older evidence)
    result = check(load_manifest_dir(demo_manifest_dir), [tmp_path / "e.jsonl"])
    assert [a.adapter for a in result.adapters] == ["demo-adapter"]


def test_a_selected_run_without_evidence_still_has_a_result(manifests, tmp_path):
    """Two runs selected, one wrote nothing: it is reported (untested), not silently missing from the result."""
    from .evidence_factory import Story

    s = Story(tmp_path / "e.jsonl", adapter="demo-adapter@a")
    s.outbound(["api:send_message", "send:Plain"], [{"type": "Plain", "text": "hi"}])
    result = check(manifests, [tmp_path / "e.jsonl"], only_declared_adapters=True, runs=["demo-adapter@a", "demo-adapter@b"])
    names = [a.adapter for a in result.adapters]
    assert names == ["demo-adapter@a", "demo-adapter@b"]
    b = result.adapter("demo-adapter@b")
    assert b.verdict("api:send_message").status.value == "untested" and b.status.value != "accepted"


def test_an_empty_mode_selector_is_an_input_error(manifests):
    from harness.errors import InputError
    from harness.runs import select_runs

    with pytest.raises(InputError, match="names no mode"):
        select_runs(manifests, "langbot", ["demo-adapter@"], [], lambda name: None)


# ---------------------------------------------------------------------------------------- data vs the world
ALICE_FIELDS = {"chat_type": "group", "chat_id": "40", "group_id": "40", "sender_id": "31",
                "sender_name": {"one_of": ["Alice the Lead", "Alice"]}}


def _member_joined(story, event, *, fields=None, limits=None):
    story.w.write("inject", t=story.tick(), adapter=story.adapter, producer="protocol-injector",
                  level="plugin-e2e-protocol", capabilities=["event:group.member_joined"],
                  match={"event.type": "group.member_joined"},
                  expected={"fields": fields or {"group_id": "40", "user_id": "35", "operator_id": "32"},
                            **({"limits": limits} if limits else {})})
    story.w.write("event", t=story.tick(), adapter=story.adapter, producer="probe",
                  event={"type": "group.member_joined", **event})


def test_a_wrong_event_field_fails_with_expected_and_observed(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    _member_joined(s, {"group_id": "40", "user_id": "36", "operator_id": 32})
    v = run(manifests, tmp_path / "e.jsonl").verdict("event:group.member_joined")
    assert v.status is Status.FAILED
    assert v.reason == "expected user_id '35', observed '36'"  # a number 32 equals the id "32"


def test_event_fields_the_framework_lacks_and_platform_limits_are_limitations_not_failures(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    _member_joined(s, {"group_id": "40", "user_id": "35"}, limits={"comment": "the platform sends none"})
    v = run(manifests, tmp_path / "e.jsonl").verdict("event:group.member_joined")
    assert v.status is Status.PARTIAL and v.level is Level.PROTOCOL  # protocol injection, unjustified
    assert v.detail["compared"] == ["group_id", "user_id"]
    assert v.detail["limitations"] == ["comment: the platform sends none", "operator_id: not carried by the framework's event"]
    # ... and None where the world has a value is a difference, not a limitation.
    s2 = Story(tmp_path / "f.jsonl")
    _member_joined(s2, {"group_id": "40", "user_id": "35", "operator_id": None})
    v2 = run(manifests, tmp_path / "f.jsonl").verdict("event:group.member_joined")
    assert v2.status is Status.FAILED and v2.reason == "expected operator_id '32', observed nothing"


def test_a_wrong_sender_fails_the_event_not_the_components(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    s.w.write("inject", t=s.tick(), adapter=s.adapter, producer="ui-action", level="plugin-e2e-ui",
              capabilities=["event:message.received", "receive:Plain"],
              match={"event.type": "message.received", "event.message_id": "7"},
              expected={"components": [{"type": "Source", "id": "7"}, *PLAIN], "fields": ALICE_FIELDS})
    s.w.write("event", t=s.tick(), adapter=s.adapter, producer="probe", event={
        "type": "message.received", "message_id": "7", "components": [{"type": "Source", "id": "7"}, *PLAIN],
        "chat_type": "group", "chat_id": "40", "group_id": "40", "sender_id": "33", "sender_name": "Alice"})
    res = run(manifests, tmp_path / "e.jsonl")
    assert res.verdict("event:message.received").reason == "expected sender_id '31', observed '33'"
    assert res.verdict("receive:Plain").status is Status.ACCEPTED
    # One of the world's names for the sender is right.
    s2 = Story(tmp_path / "f.jsonl")
    s2.w.write("inject", t=s2.tick(), adapter=s2.adapter, producer="ui-action", level="plugin-e2e-ui",
               capabilities=["event:message.received"], match={"event.type": "message.received", "event.message_id": "8"},
               expected={"fields": ALICE_FIELDS})
    s2.w.write("event", t=s2.tick(), adapter=s2.adapter, producer="probe", event={
        "type": "message.received", "message_id": "8", "chat_type": "group", "chat_id": 40, "group_id": "40",
        "sender_id": "31", "sender_name": "Alice the Lead"})
    assert run(manifests, tmp_path / "f.jsonl").verdict("event:message.received").status is Status.ACCEPTED


def _lookup(story, api_name, *, facts, truth, args=None, call_input=None, after=None, action="get_group_info"):
    start, rec_t, end = story.tick(), story.tick(), story.tick()
    story.w.write("api_call", t=end, adapter=story.adapter, producer="probe", capabilities=[f"api:{api_name}"],
                  api={"name": api_name, "scope": "plugin", "ok": True, "started": start, "ended": end,
                       "input": call_input or {"group_id": "40"}, "facts": facts})
    observed = {"args": args or {"group_id": "40"}, "truth": truth}
    if after is not None:
        observed["after"] = after
    story.w.write("platform_received", t=rec_t, adapter=story.adapter, producer="simulator", action=action,
                  observed=observed)


WORLD_GROUP = {"group": {"id": "40", "name": "Acceptance Lab", "member_count": 5}}


def test_an_api_result_is_compared_with_the_world(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    _lookup(s, "get_group_info", facts={"group": {"id": 40, "name": "Acceptance Lab", "member_count": 5}}, truth=WORLD_GROUP)
    assert run(manifests, tmp_path / "e.jsonl").verdict("api:get_group_info").status is Status.ACCEPTED
    s2 = Story(tmp_path / "f.jsonl")
    _lookup(s2, "get_group_info", facts={"group": {"id": "40", "name": "Wrong Name", "member_count": 5}}, truth=WORLD_GROUP)
    v = run(manifests, tmp_path / "f.jsonl").verdict("api:get_group_info")
    assert v.status is Status.FAILED
    assert v.reason == "group name: the world has 'Acceptance Lab', the plugin got 'Wrong Name'"
    s3 = Story(tmp_path / "g.jsonl")
    _lookup(s3, "get_group_info", facts={"group": None}, truth=WORLD_GROUP)
    assert "the plugin got nothing" in run(manifests, tmp_path / "g.jsonl").verdict("api:get_group_info").reason


def test_a_list_result_names_missing_extra_and_wrong_items(tmp_path, manifests):
    from harness.truth import compare_result

    truth = [{"id": "1", "name": "A", "role": "owner"}, {"id": "2", "name": "B", "role": "member"}]
    problems, absent = compare_result("members", truth, [{"id": 1, "name": "A", "role": "admin"}, {"id": "9", "name": "Z"}])
    assert problems == ["members: missing 2", "members: not in the world 9",
                        "members[1] role: the world has 'owner', the plugin got 'admin'"]
    assert compare_result("members", truth, [{"id": "1", "name": "A"}, {"id": "2", "name": "B"}]) == ([], ["members[].role"])
    assert compare_result("members", truth, [])[0] == ["members: missing 1, 2"]


def test_a_parameter_lost_on_the_way_fails_the_call(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    _lookup(s, "get_group_info", facts={"group": {"id": "41", "name": "Other", "member_count": 2}},
            truth={"group": {"id": "41", "name": "Other", "member_count": 2}}, args={"group_id": "41"})
    v = run(manifests, tmp_path / "e.jsonl").verdict("api:get_group_info")
    assert v.status is Status.FAILED
    assert v.reason == "parameter group_id: the plugin asked '40', the platform received '41'"


def test_a_side_effect_is_judged_by_the_world_afterwards(tmp_path, demo_manifest_dir):
    import shutil

    import yaml

    from harness.manifest import load_manifest_dir

    folder = tmp_path / "m" / "demo"
    shutil.copytree(demo_manifest_dir / "demo", folder)
    data = yaml.safe_load((folder / "manifest.yaml").read_text())
    data["spec"]["supported_apis"]["optional"].append("mute_member")
    (folder / "manifest.yaml").write_text(yaml.safe_dump(data))
    manifests = load_manifest_dir(tmp_path / "m")
    ask = {"group_id": "40", "user_id": "35", "duration": 60}
    s = Story(tmp_path / "e.jsonl")
    _lookup(s, "mute_member", facts=None, truth=None, args=ask, call_input=ask, after={"muted_seconds": 60}, action="set_group_ban")
    assert run(manifests, tmp_path / "e.jsonl").verdict("api:mute_member").status is Status.ACCEPTED
    s2 = Story(tmp_path / "f.jsonl")
    _lookup(s2, "mute_member", facts=None, truth=None, args=ask, call_input=ask, after={"muted_seconds": 0}, action="set_group_ban")
    v = run(manifests, tmp_path / "f.jsonl").verdict("api:mute_member")
    assert v.status is Status.FAILED and v.reason == "after the call the world has muted_seconds 0, expected 60"


def test_a_platform_action_that_reaches_the_platform_as_another_request_fails(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    for action in ("get_login_info", "get_status"):
        start, rec_t, end = s.tick(), s.tick(), s.tick()
        s.w.write("api_call", t=end, adapter=s.adapter, producer="probe",
                  capabilities=["api:call_platform_api", "platform_api:get_login_info"],
                  api={"name": "call_platform_api", "action": "get_login_info", "scope": "plugin", "ok": True,
                       "started": start, "ended": end}, expected={"action": "get_login_info"})
        s.w.write("platform_received", t=rec_t, adapter=s.adapter, producer="simulator", action=action, observed={})
    res = run(manifests, tmp_path / "e.jsonl")
    v = res.verdict("platform_api:get_login_info")
    assert v.status is Status.FAILED
    assert v.reason == "the platform received get_status, not the get_login_info request this action must make"
    assert res.verdict("api:call_platform_api").status is not Status.FAILED  # the call itself was delivered


def test_a_result_the_probe_does_not_normalise_is_a_limitation_not_a_pass_in_silence(tmp_path, manifests):
    s = Story(tmp_path / "e.jsonl")
    _lookup(s, "get_group_info", facts=None, truth=WORLD_GROUP)
    v = run(manifests, tmp_path / "e.jsonl").verdict("api:get_group_info")
    assert v.detail["limitations"] == ["the probe reports no normalised group result, so the world's data were not compared"]
    assert v.detail["compared"] == ["arguments"]
