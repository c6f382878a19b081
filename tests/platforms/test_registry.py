"""The platform registry (entry points, in-process registration), the OneBot v11 bindings, the declaration
lookup of frameworks without manifests and the simulator command, all through the registry."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from importlib.metadata import EntryPoint

import aiohttp
import pytest

import acceptance_fixtures.platforms.discovery as reg
from acceptance_fixtures.platforms import (
    ENTRY_POINT_GROUP, Platform, PlatformError, PlatformProfile, live_target, platform_named, profile_for, registry,
)
from acceptance_fixtures.simulator import SimulatorServer
from tests.platforms import fake_platform

pytestmark = pytest.mark.unit

SECRET = "fake-platform-token-7Qw3Ez9Rt1Yu5Io0"


def _ep(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)


@pytest.fixture
def fresh_registry(monkeypatch):
    """The registry reloaded from the entry points ``set_eps(...)`` gives."""
    def set_eps(*eps: EntryPoint) -> None:
        monkeypatch.setattr(reg, "entry_points", lambda group: list(eps) if group == ENTRY_POINT_GROUP else [])
        monkeypatch.setattr(reg, "_loaded", None)

    yield set_eps


def test_onebot_is_registered_through_its_entry_point() -> None:
    platforms = registry()
    assert "onebot-v11" in platforms
    onebot = platform_named("onebot-v11")
    assert isinstance(onebot, Platform) and isinstance(onebot, PlatformProfile)
    assert profile_for("onebot-v11") is onebot and registry()["onebot-v11"] is onebot  # loaded once
    assert profile_for("no-such-adapter") is None and live_target("no-such-adapter") is None
    with pytest.raises(PlatformError, match="known: .*onebot-v11"):
        platform_named("no-such-platform")


def test_a_broken_entry_point_is_named(fresh_registry) -> None:
    fresh_registry(_ep("broken-one", "acceptance_fixtures.platforms.no_such_module:PLATFORM"))
    with pytest.raises(PlatformError, match=r"entry point 'broken-one' \(acceptance_fixtures.platforms.no_such_module:PLATFORM"):
        registry()
    fresh_registry(_ep("not-a-platform", "acceptance_fixtures.world:World"))
    with pytest.raises(PlatformError, match="'not-a-platform'.*is not an acceptance_fixtures.platforms.Platform"):
        registry()
    fresh_registry(_ep("other-name", "tests.platforms.fake_platform:PLATFORM"))
    with pytest.raises(PlatformError, match="names itself 'fake-chat'"):
        registry()


def test_entry_points_dedupe_and_conflict(fresh_registry) -> None:
    value = "tests.platforms.fake_platform:PLATFORM"
    fresh_registry(_ep("fake-chat", value), _ep("fake-chat", value))
    assert list(registry()) == ["fake-chat"] and profile_for("fake-chat") is fake_platform.PLATFORM
    fresh_registry(_ep("fake-chat", value), _ep("fake-chat", "tests.platforms.fake_platform:FakePlatform"))
    with pytest.raises(PlatformError, match="registered twice"):
        registry()
    fresh_registry(_ep("fake-chat", "tests.platforms.fake_platform:FakePlatform"))  # a class is instantiated
    assert isinstance(registry()["fake-chat"], fake_platform.FakePlatform)


def test_in_process_registration(fake_platform_registered) -> None:
    assert registry()["fake-chat"] is fake_platform_registered
    assert profile_for("fake-chat") is fake_platform_registered and platform_named("fake-chat") is fake_platform_registered
    assert live_target("fake-chat") is None  # the fake has no adapter-live binding
    fake_platform.unregister()
    assert "fake-chat" not in registry() and profile_for("fake-chat") is None
    with pytest.raises(PlatformError):
        reg.register(object())  # type: ignore[arg-type]


# ---- OneBot v11 bindings ------------------------------------------------------------------------------------------
def test_onebot_modes_per_framework() -> None:
    onebot = platform_named("onebot-v11")
    assert onebot.modes("langbot") == ("reverse-ws", "forward-ws")
    assert onebot.modes("astrbot") == ("reverse-ws",)  # aiocqhttp: CQHttp(use_ws_reverse=True) only
    assert [onebot.adapter_dials("langbot", m) for m in onebot.modes("langbot")] == [False, True]
    assert onebot.adapter_dials("astrbot", "reverse-ws") is False
    assert onebot.adapter_dials("langbot", None) is False
    with pytest.raises(ValueError, match="forward-ws.*not offered for astrbot"):
        onebot.adapter_config("astrbot", "tok", mode="forward-ws")


def test_onebot_langbot_configs_and_codecs() -> None:
    from types import SimpleNamespace

    onebot = platform_named("onebot-v11")
    reverse = {"connection_mode": "reverse_ws", "access-token": "tok"}
    assert onebot.adapter_config("langbot", "tok") == reverse  # unchanged default: the old two-argument call
    assert onebot.adapter_config("langbot", "tok", mode="reverse-ws") == reverse
    forward = onebot.adapter_config("langbot", "tok", mode="forward-ws", simulator_url="http://127.0.0.1:5123")
    assert forward == {"connection_mode": "forward_ws", "ws_url": "ws://127.0.0.1:5123/onebot/v11/ws", "access-token": "tok"}
    with pytest.raises(ValueError, match="simulator's http"):
        onebot.adapter_config("langbot", "tok", mode="forward-ws")
    stack = SimpleNamespace(ws_base="ws://127.0.0.1:5300")
    codec = onebot.codec("langbot", access_token="tok", stack=stack, bot_id="b1")
    assert codec.mode == "reverse" and codec.url == "ws://127.0.0.1:5300/bots/b1/onebot/v11/ws"
    codec = onebot.codec("langbot", access_token="tok", stack=stack, bot_id="b1", mode="forward-ws")
    assert codec.mode == "forward" and codec.forward_path == "/onebot/v11/ws" and codec.url is None


async def test_onebot_forward_ws_codec_serves_the_url_the_config_names() -> None:
    onebot = platform_named("onebot-v11")
    codec = onebot.codec("langbot", access_token="tok", stack=None, bot_id="b1", mode="forward-ws")
    async with SimulatorServer(codec) as sim:
        cfg = onebot.adapter_config("langbot", "tok", mode="forward-ws", simulator_url=sim.base_url)
        assert cfg["ws_url"] == codec.forward_url
        async with aiohttp.ClientSession() as http, http.ws_connect(cfg["ws_url"], headers={"Authorization": "Bearer tok"}):
            await sim.wait_connected(timeout=5)


def test_onebot_adapter_live_target_moved_into_the_platform() -> None:
    from harness.adapter_live.targets import FORWARD, REVERSE, LiveTarget, live_target as harness_live_target

    target = harness_live_target("onebot-v11")
    assert isinstance(target, LiveTarget) and type(target).__module__ == "acceptance_fixtures.platforms.onebot_v11.live"
    assert target.modes == (FORWARD, REVERSE) and target.reverse_path() == "/onebot/v11/ws"
    assert target.adapter_config(REVERSE, "tok", None) == {"connection_mode": "reverse_ws", "access-token": "tok"}


# ---- declarations of frameworks without manifests --------------------------------------------------------------------
def test_astrbot_declarations_come_from_the_platform_folders() -> None:
    from harness.frameworks.manifests import declaration_files, framework_manifests, load_manifests
    from harness.frameworks.spec import FrameworkSpec

    files = declaration_files("astrbot")
    assert [(name, path.relative_to(path.parents[3]).as_posix()) for name, path in files] == \
        [("discord", "platforms/discord/declarations/astrbot.yaml"),
         ("onebot-v11", "platforms/onebot_v11/declarations/astrbot.yaml"),
         ("tailchat", "platforms/tailchat/declarations/astrbot.yaml"),
         ("tangsengdaodao", "platforms/tangsengdaodao/declarations/astrbot.yaml"),
         ("telegram", "platforms/telegram/declarations/astrbot.yaml")]
    found = framework_manifests(FrameworkSpec.parse("astrbot"))
    assert [(m.name, len(m.events), len(m.apis), len(m.platform_actions)) for m in found] == \
        [("discord-omni", 1, 2, 0), ("onebot-v11", 2, 5, 11), ("tailchat", 1, 2, 0), ("tangsengdaodao", 2, 3, 5), ("telegram-omni", 1, 3, 9)]
    assert [m.name for m in load_manifests("astrbot")[0]] == ["discord-omni", "onebot-v11", "tailchat", "tangsengdaodao", "telegram-omni"]


def test_declaration_lookup_names_a_broken_platform(monkeypatch) -> None:
    import harness.frameworks.manifests as manifests
    from harness.errors import InputError

    eps = [_ep("fake-chat", "tests.platforms.fake_platform:PLATFORM")]
    monkeypatch.setattr(manifests, "entry_points", lambda group: eps if group == manifests.PLATFORMS_GROUP else [])
    assert [(n, p.name) for n, p in manifests.declaration_files("fakebot")] == [("fake-chat", "fakebot.yaml")]
    assert manifests.declaration_files("astrbot") == []
    eps.append(_ep("gone", "tests.platforms.no_such_platform:PLATFORM"))
    with pytest.raises(InputError, match="platform entry point 'gone'"):
        manifests.declaration_files("fakebot")
    assert manifests.PLATFORMS_GROUP == ENTRY_POINT_GROUP


def test_manifest_dir_override_still_wins(tmp_path) -> None:
    from harness.frameworks.manifests import load_manifests

    (tmp_path / "x.yaml").write_text(fake_platform.PLATFORM.declaration("fakebot").read_text("utf-8"))
    found, spec = load_manifests("astrbot", tmp_path)
    assert spec.name == "astrbot" and [m.name for m in found] == ["fake-chat"]


# ---- the fake platform over the generic server --------------------------------------------------------------------------
async def test_fake_platform_round_trip_over_the_generic_server() -> None:
    from harness.evidence import EvidenceWriter, MemorySink

    platform = fake_platform.PLATFORM
    sink = MemorySink()
    writer = EvidenceWriter(sink, run_id="fake", producer="simulator")
    codec = platform.codec("fakebot", access_token=SECRET, stack=None, bot_id="b1")
    async with SimulatorServer(codec, writer=writer) as sim:
        cfg = platform.adapter_config("fakebot", SECRET, simulator_url=sim.base_url)
        async with aiohttp.ClientSession() as http:
            with pytest.raises(aiohttp.WSServerHandshakeError):
                await http.ws_connect(cfg["url"], headers={"Authorization": "Bearer nope"})
            async with http.ws_connect(cfg["url"], headers={"Authorization": f"Bearer {cfg['token']}"}) as ws:
                await sim.wait_connected(timeout=5)
                injected = await sim.inject("message.private.plain")
                frame = await asyncio.wait_for(ws.receive_json(), 5)
                assert frame["text"] == "hello fake" and frame["message_id"] == injected.match["event.message_id"]
                await ws.send_json({"action": "send_message", "params": {"user": frame["user"], "text": "hi"}, "echo": 1})
                assert (await asyncio.wait_for(ws.receive_json(), 5)) == {"echo": 1, "ok": True}
                got = await sim.wait_for_action("send_message", timeout=5)
                assert got.observed["components"] == [{"type": "Plain", "text": "hi"}]
    kinds = [r["record"] for r in sink.records]
    assert "inject" in kinds and "platform_received" in kinds
    assert SECRET not in json.dumps(sink.records)


# ---- the simulator command ---------------------------------------------------------------------------------------------
def test_simulator_command_rejects_unknown_platforms_and_modes(capsys) -> None:
    from acceptance_fixtures.simulator.__main__ import main

    with pytest.raises(SystemExit) as exc:
        main(["no-such-platform"])
    assert exc.value.code == 2 and "known: " in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["onebot-v11", "--mode", "sideways"])
    assert "choose from reverse-ws, forward-ws" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--help"])
    # argparse wraps the help at the terminal's width: compare with the line breaks undone
    assert "onebot-v11 (modes: reverse-ws, forward-ws)" in " ".join(capsys.readouterr().out.split())


def test_simulator_command_runs_a_registered_platform() -> None:
    proc = subprocess.Popen([sys.executable, "-m", "acceptance_fixtures.simulator", "onebot-v11", "--mode", "forward-ws"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "SIM_ACCESS_TOKEN": "tok"})
    try:
        info = json.loads(proc.stdout.readline())
        assert info["platform"] == "onebot-v11" and info["mode"] == "forward-ws"
        assert info["ws_url"] == info["base_url"].replace("http://", "ws://") + "/onebot/v11/ws"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
