"""Delivery counts (harness/delivery.py through the checker): each platform event the simulator raised once is
reported per event type as delivered exactly once, more than once or lost, and a duplicate fails the event."""

from __future__ import annotations

import pytest

from harness.checker import check
from harness.manifest import load_manifest_dir
from harness.levels import Status
from harness.report.markdown import adapter_markdown

from .evidence_factory import Story

pytestmark = pytest.mark.unit


def _again(story: Story, etype: str = "message.received") -> None:
    """The platform event just raised reaches the probe once more (what a gateway replay after RESUME can cause)."""
    mid = str(story.mid)
    story.w.write("event", t=story.tick(), adapter=story.adapter, producer="probe",
                  event={"type": etype, "message_id": mid, "components": [{"type": "Source", "id": mid}, {"type": "Plain", "text": "hi"}]})


@pytest.fixture
def demo_manifest(demo_manifest_dir):
    (manifest,) = load_manifest_dir(demo_manifest_dir)
    return manifest


def _result(demo_manifest, path):
    return check([demo_manifest], [path]).adapters[0]


def test_each_event_delivered_once_is_counted_once(demo_manifest, tmp_path):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    res = _result(demo_manifest, tmp_path / "e.jsonl")
    assert res.deliveries["message.received"] == {"injected": 2, "once": 2, "more_than_once": 0, "extra_copies": 0, "lost": 0}
    assert res.verdict("event:message.received").status is not Status.FAILED


def test_a_duplicate_reaching_the_plugin_fails_the_event_with_the_counts(demo_manifest, tmp_path):
    s = Story(tmp_path / "e.jsonl")
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    _again(s)
    _again(s)
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}], arrive=False)
    s.inbound(["event:message.received", "receive:Plain"], [{"type": "Plain", "text": "hi"}])
    res = _result(demo_manifest, tmp_path / "e.jsonl")
    assert res.deliveries["message.received"] == {"injected": 3, "once": 1, "more_than_once": 1, "extra_copies": 2, "lost": 1}
    v = res.verdict("event:message.received")
    assert v.status is Status.FAILED
    assert "received it 3 times" in v.reason and "1 lost" in v.reason, v.reason
    # the duplicate is the event's fault, not the component's (Plain fails only for the lost injection)
    assert "times" not in res.verdict("receive:Plain").reason
    md = adapter_markdown(res, generated="now")
    assert "## Delivery of platform events" in md and "| `message.received` | 3 | 1 | 1 (2) | 1 |" in md


def test_an_event_matched_by_type_alone_is_never_counted_as_a_duplicate(demo_manifest, tmp_path):
    """A ``match`` naming only the event type identifies no single platform event: another event of that type is
    not evidence of duplication."""
    s = Story(tmp_path / "e.jsonl")
    s.w.write("inject", t=s.tick(), adapter=s.adapter, producer="protocol-injector", level="plugin-e2e-protocol",
              capabilities=["event:message.received"], match={"event.type": "message.received"})
    _again(s)
    _again(s)
    res = _result(demo_manifest, tmp_path / "e.jsonl")
    assert res.deliveries["message.received"]["more_than_once"] == 0
    assert res.verdict("event:message.received").status is not Status.FAILED
