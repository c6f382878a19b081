"""bring_up's cleanup: a run that fails after its bot was created removes that bot (no framework)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.bringup import bring_up
from harness.evidence import EvidenceWriter

pytestmark = pytest.mark.unit


class _Stack:
    framework, framework_version, ws_base = "langbot", "4.11.2", "ws://127.0.0.1:9"

    def __init__(self) -> None:
        self.redactor = SimpleNamespace(known=[])
        self.deleted: list[str] = []

    def add_secrets(self, *values: str) -> None:
        pass

    def probe_config_for(self, adapter, overrides, secrets):
        return dict(overrides)

    async def create_bot(self, adapter, config, **kwargs) -> str:
        return "bot-1"

    async def delete_bot(self, bot_id: str) -> None:
        self.deleted.append(bot_id)


async def test_a_bring_up_that_fails_after_the_bot_exists_removes_the_bot(tmp_path: Path) -> None:
    from acceptance_fixtures.platforms.onebot_v11 import PLATFORM

    writers = {}
    session = SimpleNamespace(
        spec=SimpleNamespace(name="langbot"), destructive=False, add_secrets=lambda *a: None,
        writer=lambda name: writers.setdefault(name, EvidenceWriter.to_file(tmp_path / f"{name}.jsonl", run_id="r")))
    stack = _Stack()
    sims = []

    async def guard(awaitable, what):
        if what == "the adapter's connection":
            awaitable.close()
            raise TimeoutError("no adapter connected")
        return await awaitable

    with pytest.raises(TimeoutError):
        await bring_up(session, stack, SimpleNamespace(name="onebot-v11"), PLATFORM, mode="reverse-ws",
                       run="onebot-v11@reverse-ws", evidence_path=tmp_path / "probe.jsonl", guard=guard,
                       on_simulator=sims.append)
    for sim in sims:
        await sim.stop()
    assert stack.deleted == ["bot-1"]


def test_unexercised_capabilities_end_blocked_and_unproducible_events_not_supported(tmp_path: Path, demo_manifest_dir) -> None:
    import json

    from harness.acceptance_run import block_unexercised
    from harness.manifest import load_manifest_dir

    (manifest,) = load_manifest_dir(demo_manifest_dir)
    writer = EvidenceWriter.to_file(tmp_path / "harness.jsonl", run_id="r")
    writer.write("finding", adapter="demo-adapter@x", message="the run started")
    session = SimpleNamespace(evidence_files=lambda: [tmp_path / "harness.jsonl"])
    block_unexercised(session, manifest, "demo-adapter@x", writer, "the demo simulator",
                      {"group.member_joined": ("the protocol has no join notice", "demo spec §3"),  # the old, bare form
                       "receive:AtAll": ("the protocol has no mention of everyone", "demo spec §5")},  # by capability id
                      adapter="demo-adapter@x", sweep="sweep step of the probe", scenario="scenario")
    skips = {r["capabilities"][0]: r for line in (tmp_path / "harness.jsonl").read_text().splitlines()
             if (r := json.loads(line))["record"] == "skip"}
    joined = skips["event:group.member_joined"]
    assert joined["status"] == "not-supported" and joined["source"] == "demo spec §3"
    assert joined["reason"] == "the protocol has no join notice: the platform cannot produce it"
    assert (skips["receive:AtAll"]["status"], skips["receive:AtAll"]["source"]) == ("not-supported", "demo spec §5")
    assert skips["receive:At"]["status"] == "blocked"
    assert skips["event:message.received"]["status"] == "blocked"
    assert skips["api:send_message"]["reason"] == "no sweep step of the probe exercises it against the demo simulator"
