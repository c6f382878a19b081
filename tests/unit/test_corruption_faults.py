"""The generic corruptions the sensitivity suite switches on (acceptance_fixtures.simulator.faults)."""

from __future__ import annotations

import pytest

from acceptance_fixtures.simulator.faults import Faults, altered, altered_keys, reshaped

pytestmark = pytest.mark.unit


def test_altered_changes_every_scalar_and_keeps_the_shape():
    data = {"group_id": 4000000001, "group_name": "Lab", "ids": ["17", "x"], "ok": True}
    assert altered(data) == {"group_id": 4000000002, "group_name": "Lab (corrupted)", "ids": ["18", "x (corrupted)"], "ok": False}


def test_reorder_and_drop_item_touch_lists_only():
    data = {"members": [{"id": 1}, {"id": 2}, {"id": 3}], "name": "n"}
    assert reshaped(data, "reorder") == {"members": [{"id": 3}, {"id": 2}, {"id": 1}], "name": "n"}
    assert reshaped(data, "drop_item") == {"members": [{"id": 1}, {"id": 2}], "name": "n"}
    assert altered_keys({"a": {"operator_id": 5, "user_id": 6}}, frozenset({"operator_id"})) == {"a": {"operator_id": 6, "user_id": 6}}


def test_faults_apply_per_action_and_clear():
    f = Faults()
    f.update({"corrupt": [{"how": "drop_item", "actions": ["get_list"]}],
              "drop_param": [{"param": "duration", "actions": ["ban"]}], "corrupt_frames": ["nickname"]})
    assert f.shape_answer("get_list", [1, 2]) == [1] and f.shape_answer("other", [1, 2]) == [1, 2]
    assert f.shape_params("ban", {"duration": 60, "user_id": 1}) == {"user_id": 1}
    assert f.shape_params("kick", {"duration": 60}) == {"duration": 60}
    assert f.shape_frame({"sender": {"nickname": "Al"}}) == {"sender": {"nickname": "Al (corrupted)"}}
    assert f.to_dict()["drop_param"] == [{"param": "duration", "actions": ["ban"]}]
    f.update({"corrupt_received": ["text"]})
    assert f.shape_observed({"components": [{"type": "Plain", "text": "hi"}], "message_id": "7"}) == {
        "components": [{"type": "Plain", "text": "hi (corrupted)"}], "message_id": "7"}
    f.clear()
    assert f.shape_params("ban", {"duration": 60}) == {"duration": 60} and f.corrupt == () and not f.corrupt_frames


@pytest.mark.parametrize("spec", [{"corrupt": [{"how": "shuffle"}]}, {"drop_param": [{"actions": ["x"]}]},
                                  {"corrupt_frames": "nickname"}, {"corrupt": "alter"}])
def test_bad_corruption_specs_are_refused_and_change_nothing(spec):
    f = Faults()
    f.update({"drop_param": [{"param": "p"}]})
    with pytest.raises(ValueError):
        f.update(spec)
    assert [d.param for d in f.drop_param] == ["p"]
