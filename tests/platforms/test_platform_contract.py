"""The platform contract: what every registered platform (and the fake one of tests/platforms/fake_platform)
must offer the generic harness. A new platform folder passes this suite before it runs against a framework."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from acceptance_fixtures.platforms import LiveTarget, Platform, registry
from acceptance_fixtures.simulator import SimulatorServer
from acceptance_fixtures.simulator.codec import Codec
from acceptance_fixtures.simulator.scenario import Scenario, check_match
from acceptance_fixtures.world import World
from harness.capabilities import load_catalogue, split_id
from harness.evidence.redact import is_secret_key
from harness.manifest import parse_manifest
from tests.platforms import fake_platform

pytestmark = pytest.mark.unit

TOKEN = "contract-token-Zq8r2Lw5Xv0p9Tn4"
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
PLATFORMS: dict[str, Platform] = {**registry(), fake_platform.NAME: fake_platform.PLATFORM}


def _bound() -> list[tuple[str, str, str]]:
    return [(name, fw, mode) for name, p in PLATFORMS.items() for fw in p.frameworks() for mode in p.modes(fw)]


@pytest.fixture(params=sorted(PLATFORMS), ids=sorted(PLATFORMS))
def platform(request) -> Platform:
    return PLATFORMS[request.param]


def _stack(platform: Platform, framework: str, mode: str, bot_id: str, port: int) -> Any:
    """A stand-in for a started stack: what bindings read (``ws_base`` of a framework serving adapter
    endpoints on its API port, ``bots[bot_id].adapter_config``)."""
    cfg = platform.adapter_config(framework, TOKEN, mode=mode, simulator_url=f"http://127.0.0.1:{port}")
    return SimpleNamespace(ws_base=f"ws://127.0.0.1:{port}", api_base=f"http://127.0.0.1:{port}",
                           bots={bot_id: SimpleNamespace(bot_id=bot_id, adapter_config=cfg)})


def _codec(platform: Platform, framework: str | None = None, mode: str | None = None) -> Codec:
    framework = framework or platform.frameworks()[0]
    return platform.codec(framework, access_token=TOKEN, stack=_stack(platform, framework, mode or platform.modes(framework)[0], "b1", 9),
                          bot_id="b1", mode=mode)


def _strings(value: Any, path: str = ""):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")
    elif isinstance(value, str):
        yield path, value


# ---- identity, frameworks and modes -----------------------------------------------------------------------------
def test_identity(platform: Platform) -> None:
    assert platform.name and re.fullmatch(r"[a-z0-9][a-z0-9-]*", platform.name)
    assert platform.title.strip()
    assert platform.adapters and all(isinstance(a, str) and a for a in platform.adapters)
    assert platform.frameworks(), "a platform binds at least one framework"


def test_registered_names_match_and_adapters_are_served_once() -> None:
    served: dict[str, str] = {}
    for name, p in PLATFORMS.items():
        assert p.name == name
        for adapter in p.adapters:
            assert adapter not in served, f"{adapter} is served by {served[adapter]} and {name}"
            served[adapter] = name


def test_every_binding_has_modes_with_titles(platform: Platform) -> None:
    for fw in platform.frameworks():
        modes = platform.modes(fw)
        assert modes and len(set(modes)) == len(modes), fw
        assert platform.binding(fw).framework == fw
        assert platform.resolve_mode(fw, None) == modes[0]
        for mode in modes:
            assert platform.mode_title(mode) and platform.mode_title(mode) != mode, (fw, mode)
            assert isinstance(platform.adapter_dials(fw, mode), bool)
        with pytest.raises(ValueError, match="not offered"):
            platform.adapter_config(fw, TOKEN, mode="no-such-mode")
    assert platform.modes("no-such-framework") == ()
    with pytest.raises(NotImplementedError):
        platform.adapter_config("no-such-framework", TOKEN)


@pytest.mark.parametrize("name,framework,mode", _bound())
def test_adapter_config_carries_the_token_only_where_it_must(name: str, framework: str, mode: str) -> None:
    platform = PLATFORMS[name]
    cfg = platform.adapter_config(framework, TOKEN, mode=mode, simulator_url="http://127.0.0.1:45678")
    assert isinstance(cfg, dict) and cfg
    carried = [(path, value) for path, value in _strings(cfg) if TOKEN in value]
    for path, value in carried:
        assert value == TOKEN and is_secret_key(path.rsplit(".", 1)[-1]), \
            f"{name}/{framework}/{mode}: the token appears in plain view at {path!r}: {value!r}"
    if platform.adapter_dials(framework, mode):  # the adapter must be told where the simulator listens
        assert any("127.0.0.1:45678" in v for _, v in _strings(cfg)), cfg
    default = platform.modes(framework)[0]  # mode=None is the default mode (values may differ: a free port per call)
    assert set(platform.adapter_config(framework, TOKEN, simulator_url="http://127.0.0.1:45678")) == \
        set(platform.adapter_config(framework, TOKEN, mode=default, simulator_url="http://127.0.0.1:45678"))


@pytest.mark.parametrize("name,framework,mode", _bound())
def test_codec_builds_for_every_mode(name: str, framework: str, mode: str) -> None:
    codec = _codec(PLATFORMS[name], framework, mode)
    assert isinstance(codec, Codec)
    assert TOKEN in codec.secrets() or not codec.secrets()
    assert codec.adapter in PLATFORMS[name].adapters


# ---- scenarios --------------------------------------------------------------------------------------------------
def _built(platform: Platform, tmp_path: Path):
    codec = _codec(platform)
    world = World.default()
    SimulatorServer(codec, world=world)  # binds the codec to the world without listening
    world.media_base_url = "http://127.0.0.1:1/media"
    world.materialise_media(tmp_path)
    return codec, world, [(s, s.build(world)) for s in codec.scenarios()]


def test_scenarios_are_named_known_and_justified(platform: Platform) -> None:
    scenarios = _codec(platform).scenarios()
    assert scenarios
    names = [s.name for s in scenarios]
    assert len(names) == len(set(names))
    cat = load_catalogue()
    for s in scenarios:
        assert isinstance(s, Scenario) and s.description, s.name
        assert s.ui_triggerable or s.justification, s.name
        for cap in s.capabilities:
            kind, cap_name = split_id(cap)
            assert kind in ("event", "receive"), (s.name, cap)
            assert cap_name in (cat.events if kind == "event" else cat.receive), (s.name, cap)


def test_every_scenario_builds_frames_that_round_trip_the_encoder(platform: Platform, tmp_path: Path) -> None:
    codec, _, built = _built(platform, tmp_path)
    for scenario, injection in built:
        assert injection.frames, scenario.name
        check_match(injection.match)
        if scenario.capabilities:
            assert injection.match, f"{scenario.name}: a scenario with capabilities must identify its event"
        for frame in injection.frames:
            filled = codec.fill_frame(copy.deepcopy(frame))
            wire = platform.encode_frame(filled)
            assert isinstance(wire, (str, bytes)) and wire, scenario.name
            assert platform.decode_frame(wire) == filled, scenario.name


def test_trigger_frame_round_trips(platform: Platform, tmp_path: Path) -> None:
    codec, world, _ = _built(platform, tmp_path)
    frame = codec.fill_frame(platform.trigger_frame(world, "contract trigger"))
    assert "contract trigger" in repr(frame)
    assert platform.decode_frame(platform.encode_frame(frame)) == frame


# ---- the probe's inputs -------------------------------------------------------------------------------------------
def test_platform_action_params_fill_every_role(platform: Platform) -> None:
    world = World.default()
    params = platform.platform_action_params(world)
    assert isinstance(params, dict)
    left = [(path, v) for path, v in _strings(params) if PLACEHOLDER.search(v)]
    assert left == [], f"unfilled placeholders (no such role in World.roles): {left}"
    if platform.params_file() is not None:
        assert platform.params_file().is_file()
    assert platform.probe_world(world)["group_id"] == world.roles["main_group"]
    assert platform.probe_media("http://127.0.0.1:1/media", world)["image_url"].startswith("http://127.0.0.1:1/media/")


def test_declarations_exist_parse_and_have_action_params(platform: Platform) -> None:
    params = platform.platform_action_params(World.default())
    for fw in platform.frameworks():
        path = platform.declaration(fw)
        if path is None:
            continue
        assert Path(path).is_file(), path
        m = parse_manifest(path)
        assert m.kind == "AdapterDeclaration" and m.problems == [], (path, m.problems)
        assert m.name in platform.adapters, (path, m.name)
        missing = [a for a in m.platform_actions if a not in params]
        assert missing == [], f"{path}: declared platform actions without safe parameters in {platform.params_file()}"
    assert platform.declaration("no-such-framework") is None


# ---- the simulator ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_simulator_starts_and_stops_with_the_codec(name: str, framework: str, mode: str) -> None:
    import socket

    import aiohttp

    platform = PLATFORMS[name]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]  # nothing listens there: a codec that dials keeps retrying until stopped
    codec = platform.codec(framework, access_token=TOKEN, stack=_stack(platform, framework, mode, "b1", closed),
                           bot_id="b1", mode=mode)
    sim = SimulatorServer(codec)
    await sim.start()
    try:
        async with aiohttp.ClientSession(base_url=sim.base_url) as http, http.get("/control/health") as r:
            assert r.status == 200 and (await r.json())["connected"] is False
    finally:
        await sim.stop()
    assert sim._runner is None


def test_standalone_modes_build_codecs(platform: Platform) -> None:
    for mode in platform.standalone_modes():
        try:
            codec = platform.standalone_codec(mode, access_token=TOKEN, url="ws://127.0.0.1:9/endpoint")
        except NotImplementedError:
            continue
        assert isinstance(codec, Codec), mode


def test_live_target_if_any(platform: Platform) -> None:
    target = platform.live_target()
    if target is None:
        return
    assert isinstance(target, LiveTarget)
    assert target.adapters and target.adapters <= platform.adapters
    for mode in target.modes:
        codec = target.codec(mode, TOKEN, reverse_url=f"ws://127.0.0.1:9{target.reverse_path() or '/'}")
        assert isinstance(codec, Codec), mode
