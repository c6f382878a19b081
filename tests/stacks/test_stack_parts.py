"""Fast tests of the stack's parts and of the probe's pure logic (no LangBot process needed)."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

from harness.errors import StackError
from harness.frameworks import FrameworkSpec
from harness.frameworks.venv import MARKER
from harness.stacks import EvidenceTail, ManagedProcess, Stack, StackTimeouts
from harness.stacks.langbot_config import LangBotPorts, closed_network_config
from harness.stacks.langbot_probe import PROBE_SOURCE, build_probe, probe_identity
from harness.stacks.ports import free_ports



def _load_probe_package():
    """Import ``probes/langbot/acceptance_probe`` without putting the plugin root on sys.path."""
    if "acceptance_probe" not in sys.modules:
        pkg = PROBE_SOURCE / "acceptance_probe"
        spec = importlib.util.spec_from_file_location("acceptance_probe", pkg / "__init__.py",
                                                      submodule_search_locations=[str(pkg)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["acceptance_probe"] = module
        spec.loader.exec_module(module)
    return sys.modules["acceptance_probe"]


_load_probe_package()
from acceptance_probe.components import normalize_chain, truncate_base64  # noqa: E402
from acceptance_probe.config import ProbeConfig  # noqa: E402
from acceptance_probe.events import describe_event, event_capabilities  # noqa: E402

pytestmark = pytest.mark.unit


# ---- processes and waiting ----------------------------------------------------------------------

def _sh(tmp_path: Path, script: str, name: str = "p") -> ManagedProcess:
    return ManagedProcess(name, ["sh", "-c", script], cwd=tmp_path, env=dict(os.environ), log_path=tmp_path / f"{name}.log")


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def test_process_stop_kills_whole_group(tmp_path):
    # The child ignores SIGTERM, so stop() must escalate to SIGKILL for the group.
    proc = _sh(tmp_path, "echo started; sh -c 'trap \"\" TERM; sleep 60' & sleep 60")
    proc.start()
    deadline = time.monotonic() + 5
    while "started" not in proc.tail() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.alive() and "started" in proc.tail()
    t0 = time.monotonic()
    proc.stop(timeout=1.0)
    assert time.monotonic() - t0 < 10
    assert not proc.alive() and not _group_alive(proc.pid)
    assert proc.stop() is not None  # idempotent


class _DummyStack(Stack):
    framework = "dummy"

    async def start(self):  # pragma: no cover - not used
        pass

    async def stop(self):
        for p in self.processes.values():
            p.stop(1)

    async def create_bot(self, adapter, adapter_config, **kw):  # pragma: no cover
        return ""

    async def bot_logs(self, bot_id):  # pragma: no cover
        return []

    async def collect_logs(self, dest=None):  # pragma: no cover
        return {}


async def test_wait_until_reports_a_crash_with_logs(tmp_path):
    stack = _DummyStack(tmp_path, StackTimeouts(http=1))
    stack.add_secrets("supersecret-value")
    proc = _sh(tmp_path, "echo 'boom supersecret-value'; sleep 0.3; exit 3", "core")
    stack.processes["core"] = proc
    proc.start()

    async def never():
        return None

    t0 = time.monotonic()
    with pytest.raises(StackError) as err:
        await stack.wait_until(never, timeout=30, what="something that never happens")
    assert time.monotonic() - t0 < 10
    assert "core" in str(err.value) and "exited with 3" in str(err.value)
    assert "boom ***" in err.value.logs["core"] and "supersecret-value" not in err.value.logs["core"]
    await stack.stop()


async def test_wait_until_times_out(tmp_path):
    stack = _DummyStack(tmp_path, StackTimeouts(http=1))

    async def never():
        raise OSError("connection refused")

    with pytest.raises(StackError, match="timed out after 1s waiting for x .*connection refused"):
        await stack.wait_until(never, timeout=1, what="x", interval=0.1)


async def test_evidence_tail_reads_complete_lines_only(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text('{"record": "event", "n": 1}\n{"record": "eve')
    tail = EvidenceTail(path)
    assert [r["n"] for r in tail.read_new()] == [1]
    with open(path, "a") as fh:
        fh.write('nt", "n": 2}\n')
    assert [r["n"] for r in tail.read_new()] == [2]
    hits = await tail.wait_for(lambda r: r["record"] == "event", timeout=1, what="events", count=2)
    assert len(hits) == 2
    with pytest.raises(StackError, match="timed out"):
        await tail.wait_for(lambda r: r["record"] == "finding", timeout=0.3, what="a finding")


def test_free_ports_are_distinct():
    ports = free_ports(3)
    assert len(set(ports)) == 3


def test_closed_network_config():
    template = {"api": {"port": 5300, "host": "0.0.0.0"}, "space": {"disable_telemetry": False},
                "box": {"enabled": True}, "plugin": {"enable_marketplace": True, "runtime_ws_url": "ws://x"},
                "system": {"jwt": {"secret": ""}}}
    cfg = closed_network_config(template, LangBotPorts(15300, 15400, 15401), "s" * 40, {"concurrency": {"session": 2}})
    assert cfg["api"]["port"] == 15300 and cfg["api"]["webhook_prefix"] == "http://127.0.0.1:15300"
    assert cfg["plugin"]["runtime_ws_url"] == "ws://127.0.0.1:15400/control/ws"
    assert cfg["plugin"]["enable_marketplace"] is False and cfg["box"]["enabled"] is False
    assert cfg["space"]["disable_telemetry"] is True and cfg["space"]["disable_models_service"] is True
    assert cfg["system"]["jwt"]["secret"] == "s" * 40 and cfg["concurrency"]["session"] == 2
    assert template["api"]["port"] == 5300  # template untouched


# ---- the probe build ------------------------------------------------------------------------------

def test_probe_identity():
    ident = probe_identity()
    assert ident.component_ref == "plugin:acceptance/probe/probe"


def test_probe_source_holds_no_copy_of_the_evidence_modules():
    assert not (PROBE_SOURCE / "acceptance_probe" / "writer.py").exists()
    assert not (PROBE_SOURCE / "acceptance_probe" / "redact.py").exists()


def test_probe_build(tmp_path):
    spec = FrameworkSpec.parse("langbot")
    if not (spec.env_dir / MARKER).exists():
        pytest.skip(f"LangBot environment not built at {spec.env_dir}")
    package = build_probe(spec.env_dir, tmp_path / "build")
    names = zipfile.ZipFile(package).namelist()
    for needed in ("manifest.yaml", "main.py", "components/runner/probe.yaml", "components/runner/probe.py",
                   "acceptance_probe/writer.py", "acceptance_probe/redact.py", "acceptance_probe/sweep.py"):
        assert needed in names, needed


# ---- the probe's pure logic ------------------------------------------------------------------------

def test_probe_config_defaults_and_json_text():
    cfg = ProbeConfig.from_mapping({
        "evidence_path": "/tmp/e.jsonl", "destructive": "true", "apis": '["get_group_info"]',
        "probe_config_json": json.dumps({"world": {"group_id": "1"}, "run_id": "r9"}), "run_id": "",
        "platform_action_params": {"a": {}, "b": {"params": {"x": 1}, "destructive": True}, "c": {"x": 2}},
    })
    assert cfg.destructive is True and cfg.apis == ["get_group_info"] and cfg.run_id == "r9"
    assert cfg.world == {"group_id": "1"} and cfg.sweep_trigger == "acceptance:sweep"
    assert cfg.action_entry("a") == ({}, False)
    assert cfg.action_entry("b") == ({"x": 1}, True)
    assert cfg.action_entry("c") == ({"x": 2}, False)
    assert cfg.action_entry("missing") == (None, False)
    assert ProbeConfig.from_mapping(None).evidence_path == ""


def test_normalize_chain_common_vocabulary():
    b64 = "data:image/png;base64," + "A" * 500
    chain = [
        {"type": "Source", "id": 901, "timestamp": 17},
        {"type": "Plain", "text": " a  b\n c "},
        {"type": "At", "target": 20001, "display": ""},
        {"type": "Image", "image_id": "", "url": "", "path": None, "base64": b64},
        {"type": "Quote", "id": 5, "group_id": None, "sender_id": 7, "target_id": None,
         "origin": [{"type": "Plain", "text": "orig"}]},
        {"type": "Forward", "display": {"title": "t"}, "node_list": [
            {"sender_id": 1, "sender_name": "n", "message_id": 0, "message_chain": [{"type": "Plain", "text": "x"}]}]},
        {"type": "File", "id": "f1", "name": "a.txt", "size": 3, "url": "", "path": ""},
    ]
    out = normalize_chain(chain)
    assert out[0] == {"type": "Source", "id": "901", "timestamp": 17}
    assert out[1] == {"type": "Plain", "text": " a  b\n c "}
    assert out[2] == {"type": "At", "target": "20001"}
    assert out[3]["base64"] == truncate_base64(b64) and out[3]["base64_len"] == len(b64) and "url" not in out[3]
    assert out[4] == {"type": "Quote", "id": "5", "sender_id": "7", "origin": [{"type": "Plain", "text": "orig"}]}
    assert out[5]["nodes"] == [{"sender_id": "1", "sender_name": "n", "components": [{"type": "Plain", "text": "x"}]}]
    assert out[6] == {"type": "File", "id": "f1", "name": "a.txt", "size": 3}


@pytest.mark.parametrize("data, expect", [
    ({"type": "group.member_joined", "group": {"id": 30001, "name": "g"}, "member": {"id": 20003},
      "inviter": {"id": 20002}, "join_type": "invite"},
     {"group_id": "30001", "user_id": "20003", "sender_id": "20002", "chat_type": None}),
    ({"type": "group.member_left", "group": {"id": 1}, "member": {"id": 2}, "is_kicked": False, "operator": None},
     {"group_id": "1", "user_id": "2", "sender_id": "2"}),
    ({"type": "group.member_banned", "group": {"id": 1}, "member": {"id": 2}, "operator": {"id": 3}, "duration": 60},
     {"group_id": "1", "user_id": "2", "sender_id": "3"}),
    ({"type": "friend.request_received", "request_id": "r1", "user": {"id": 9}, "message": "hi"},
     {"user_id": "9", "sender_id": "9", "group_id": None}),
    ({"type": "bot.muted", "group": {"id": 4}, "operator": {"id": 5}, "duration": 10},
     {"group_id": "4", "sender_id": "5", "user_id": None}),
    ({"type": "bot.invited_to_group", "group": {"id": 4}, "inviter": {"id": 6}, "request_id": "q"},
     {"group_id": "4", "sender_id": "6"}),
    ({"type": "feedback.received", "feedback_id": "f", "feedback_type": 1, "user_id": "u1", "message_id": "m1"},
     {"user_id": "u1", "message_id": "m1"}),
    ({"type": "message.edited", "message_id": 77, "editor": {"id": 8}, "chat_type": "group", "chat_id": 4,
      "new_content": [{"type": "Plain", "text": "new"}]},
     {"message_id": "77", "sender_id": "8", "group_id": "4", "chat_type": "group"}),
    ({"type": "message.received", "message_id": 1, "chat_type": "group", "chat_id": 4, "sender": {"id": 8},
      "group": {"id": 4}, "message_chain": [{"type": "Source", "id": 12, "timestamp": 1}, {"type": "Plain", "text": "x"}],
      "source_platform_object": None},
     {"message_id": "12", "sender_id": "8", "user_id": "8", "group_id": "4", "source_platform_object": False}),
])
def test_describe_event_fills_ids(data, expect):
    event = describe_event({"bot_uuid": "b", "adapter_name": "onebot-v11", **data})
    assert event["type"] == data["type"] and event["adapter_name"] == "onebot-v11" and event["bot_uuid"] == "b"
    for key, value in expect.items():
        assert event[key] == value, key
    json.dumps(event)


def test_event_capabilities():
    event = describe_event({"type": "message.received", "message_chain": [
        {"type": "Source", "id": 1}, {"type": "Plain", "text": "a"}, {"type": "At", "target": 2}, {"type": "Plain", "text": "b"}]})
    assert event_capabilities(event) == ["event:message.received", "receive:Plain", "receive:At", "receive:mixed"]
    assert event_capabilities(describe_event({"type": "bot.muted"})) == ["event:bot.muted"]


class _FlakyClient:
    """Answers HTTP 500 ``failures`` times, then creates the processor."""

    def __init__(self, failures: int, status: int = 500) -> None:
        self.failures, self.status, self.calls = failures, status, 0

    async def create_event_processor(self, *args, **kwargs) -> str:
        from harness.stacks.langbot_api import LangBotAPIError

        self.calls += 1
        if self.calls <= self.failures:
            raise LangBotAPIError("POST", "/api/v1/agents", self.status, {"code": "internal_error"})
        return "processor-uuid"


def _bare_langbot_stack(monkeypatch):
    from harness.stacks.langbot import LangBotStack

    stack = LangBotStack.__new__(LangBotStack)
    stack.probe = type("P", (), {"component_ref": "plugin:x/y/z"})()
    stack.processes, stack.allowed_platform_tools, stack.timings = {}, [], {}
    stack.progress = lambda _msg: None
    stack.redact_text = lambda text: text
    monkeypatch.setattr(LangBotStack, "PROCESSOR_RETRY_DELAYS", (0.0, 0.0))
    return stack


async def test_processor_creation_retries_a_transient_langbot_500(monkeypatch):
    stack = _bare_langbot_stack(monkeypatch)
    client = _FlakyClient(failures=2)
    assert await stack._create_processor(client, "p", {}) == "processor-uuid"
    assert client.calls == 3 and len([k for k in stack.timings if k.startswith("retry:")]) == 2


async def test_processor_creation_gives_up_after_its_retries_and_never_retries_a_4xx(monkeypatch):
    from harness.stacks.langbot_api import LangBotAPIError

    stack = _bare_langbot_stack(monkeypatch)
    client = _FlakyClient(failures=5)
    with pytest.raises(LangBotAPIError):
        await stack._create_processor(client, "p", {})
    assert client.calls == 3
    client = _FlakyClient(failures=1, status=400)
    with pytest.raises(LangBotAPIError):
        await stack._create_processor(client, "p", {})
    assert client.calls == 1
