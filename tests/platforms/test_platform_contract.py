"""The platform contract: what every registered platform (and the fake one of tests/platforms/fake_platform)
must offer the generic harness. A new platform folder passes this suite before it runs against a framework.

The fault and secret parts drive the platform's codec through the generic simulator server with the
platform's adapter double (``DOUBLE`` in ``tests/platforms/<folder>/double.py``, see
``tests/platforms/adapter_double.py``): a new platform adds one, including the one-method hook
``answer(reply)`` saying what its error answer looks like."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from acceptance_fixtures.platforms import LiveTarget, Platform, registry
from acceptance_fixtures.simulator import NotConnectedError, SimulatorServer
from acceptance_fixtures.simulator.codec import Codec
from acceptance_fixtures.simulator.scenario import Scenario, check_match
from acceptance_fixtures.world import World
from harness.capabilities import load_catalogue, split_id
from harness.evidence import EvidenceWriter, MemorySink
from harness.evidence.redact import is_secret_key
from harness.manifest import parse_manifest
from harness.secret_scan import encoded_forms, scan
from tests.platforms import fake_platform
from tests.platforms.adapter_double import WAIT, AdapterDouble, Answer, doubles, free_port, running

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
    if platform.adapter_dials(framework, mode) and not platform.egress_hosts(framework, mode):
        # the adapter must be told where the simulator listens (unless the run's egress plan sends its SDK's own
        # host names there: an adapter without a base-URL setting)
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
    world = platform.world()
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
    world = platform.world()  # the platform's own world: its roles are what the parameter file may name
    params = platform.platform_action_params(world)
    assert isinstance(params, dict)
    left = [(path, v) for path, v in _strings(params) if PLACEHOLDER.search(v)]
    assert left == [], f"unfilled placeholders (no such role in World.roles): {left}"
    if platform.params_file() is not None:
        assert platform.params_file().is_file()
    assert platform.probe_world(world)["group_id"] == world.roles["main_group"]
    assert platform.probe_media("http://127.0.0.1:1/media", world)["image_url"].startswith("http://127.0.0.1:1/media/")


def test_declarations_exist_parse_and_have_action_params(platform: Platform) -> None:
    params = platform.platform_action_params(platform.world())
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


# ---- faults behave (through the platform's adapter double, tests/platforms/<folder>/double.py) ----------------------
DOUBLES = doubles()
#: How long past a slow fault's delay the answer may take, and how promptly a refused injection must fail.
SLACK = 2.0
#: The slow fault's delay.
DELAY = 1.0
#: A token whose URL-encoded and base64 forms differ from it.
SECRET_TOKEN = "contract/secret+Tk=9xQ2Lw5"


def _double(name: str, token: str = TOKEN) -> AdapterDouble:
    try:
        return DOUBLES[name](token)
    except KeyError:
        pytest.fail(f"no adapter double for platform {name!r}: add DOUBLE to tests/platforms/<folder>/double.py "
                    "(see tests/platforms/adapter_double.py)")


def _kinds(sink: MemorySink, kind: str) -> list[dict]:
    return [r for r in sink.records if r["record"] == kind]


@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_error_fault_answers_in_the_platform_error_shape_until_cleared(name: str, framework: str, mode: str) -> None:
    sink = MemorySink()
    double = _double(name)
    async with running(double, PLATFORMS[name], framework, mode,
                       writer=EvidenceWriter(sink, run_id="contract", producer="simulator")) as pair:
        (faulted, fparams), (other, oparams) = double.quiet_actions(pair.sim.world)
        assert double.answer(await double.call(faulted, fparams)).ok, "the quiet action answers normally"
        await pair.sim.set_faults({"error": {"retcode": 177, "message": "contract boom", "actions": [faulted]}})
        assert double.answer(await double.call(faulted, fparams)) == Answer(False, 177, "contract boom")
        rec = _kinds(sink, "platform_received")[-1]
        assert rec["action"] == faulted and rec["observed"]["fault"] == "error" and rec["observed"]["ok"] is False
        assert rec["observed"]["retcode"] == 177
        assert pair.sim.received(faulted)[-1].fault == "error"
        assert double.answer(await double.call(other, oparams)).ok, "an error fault fails only the selected actions"
        await pair.sim.set_faults({"unsupported": [other]})
        assert not double.answer(await double.call(other, oparams)).ok
        assert pair.sim.received(other)[-1].fault == "unsupported"
        await pair.sim.clear_faults()
        assert double.answer(await double.call(faulted, fparams)).ok and double.answer(await double.call(other, oparams)).ok
        assert pair.sim.received()[-1].fault is None


@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_slow_fault_is_bounded_and_blocks_no_other_action(name: str, framework: str, mode: str) -> None:
    double = _double(name)
    async with running(double, PLATFORMS[name], framework, mode) as pair:
        (slow, sparams), (other, oparams) = double.quiet_actions(pair.sim.world)
        await pair.sim.set_faults({"slow": {"seconds": DELAY, "actions": [slow]}})
        t0 = time.monotonic()
        task = asyncio.create_task(double.call(slow, sparams))
        arrived = await pair.sim.wait_for_action(slow, timeout=WAIT)
        assert arrived.fault == "slow" and not task.done(), "the record comes first, the answer later"
        assert double.answer(await double.call(other, oparams)).ok and not task.done(), "other actions are not held up"
        assert double.answer(await task).ok
        assert DELAY <= time.monotonic() - t0 < DELAY + SLACK
        await pair.sim.set_faults({"slow": None})
        t0 = time.monotonic()
        assert double.answer(await double.call(slow, sparams)).ok and time.monotonic() - t0 < DELAY * 0.8


@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_drop_and_outage_are_bounded_and_recover(name: str, framework: str, mode: str) -> None:
    sink = MemorySink()
    double = _double(name)
    async with running(double, PLATFORMS[name], framework, mode,
                       writer=EvidenceWriter(sink, run_id="contract", producer="simulator")) as pair:
        sim = pair.sim
        (action, params), _ = double.quiet_actions(sim.world)
        await sim.drop_connection()
        await sim.wait_disconnected(WAIT)
        await pair.reconnect(connections=2)
        assert double.answer(await double.call(action, params)).ok

        await sim.set_faults({"offline": True})
        await sim.wait_disconnected(WAIT)
        scenario = sim.scenarios()[0].name
        t0 = time.monotonic()
        with pytest.raises(NotConnectedError):
            await sim.inject(scenario, connect_timeout=0.2)
        assert time.monotonic() - t0 < 0.2 + SLACK, "a refused injection fails promptly"
        assert _kinds(sink, "inject") == [], "nothing is claimed that was never sent"
        if pair.dials:
            with pytest.raises(Exception):
                await double.dial(pair.adapter_config)  # the outage refuses the adapter
        else:
            await asyncio.sleep(0.3)
            assert double.connections == 2, "the simulator does not dial during an outage"
        assert not sim.connected

        await sim.set_faults({"offline": False})
        await pair.reconnect(connections=3)
        assert double.answer(await double.call(action, params)).ok
        injected = await sim.inject(scenario)
        assert _kinds(sink, "inject")[-1]["scenario"] == scenario and injected.frames


@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_injection_without_an_adapter_fails_promptly(name: str, framework: str, mode: str) -> None:
    platform = PLATFORMS[name]
    sink = MemorySink()
    closed = free_port()  # nothing listens: a codec that dials keeps retrying
    codec = platform.codec(framework, access_token=TOKEN, stack=_stack(platform, framework, mode, "b1", closed),
                           bot_id="b1", mode=mode)
    async with SimulatorServer(codec, writer=EvidenceWriter(sink, run_id="contract", producer="simulator")) as sim:
        assert not sim.connected
        t0 = time.monotonic()
        with pytest.raises(NotConnectedError):
            await sim.inject(sim.scenarios()[0].name, connect_timeout=0.2)
        with pytest.raises(NotConnectedError):
            await sim.inject_raw(platform.trigger_frame(sim.world, "nobody listens"), connect_timeout=0.2,
                                 capabilities=["event:message.received"])
        assert time.monotonic() - t0 < 0.4 + SLACK
    assert _kinds(sink, "inject") == []


# ---- secrets are masked in what the simulator writes --------------------------------------------------------------
@pytest.mark.parametrize("name,framework,mode", _bound())
async def test_the_token_never_reaches_the_evidence_file(name: str, framework: str, mode: str, tmp_path: Path) -> None:
    path = tmp_path / "simulator.jsonl"
    writer = EvidenceWriter.to_file(path, run_id="contract", producer="simulator", secrets=[SECRET_TOKEN])
    double = _double(name, SECRET_TOKEN)
    try:
        async with running(double, PLATFORMS[name], framework, mode, writer=writer) as pair:
            scenario = next(s for s in pair.sim.scenarios() if s.capabilities).name
            await pair.sim.inject(scenario)
            forms = encoded_forms(SECRET_TOKEN)  # the adapter echoes its token in every form it might
            text = f"token {forms['plain']} url {forms['url-encoded']} b64 {forms['base64']}"
            action, params = double.text_action(pair.sim.world, text)
            await double.call(action, params)
            await pair.sim.wait_for_action(action, timeout=WAIT)
    finally:
        writer.close()
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    kinds = [r["record"] for r in lines]
    sent = [r for r in lines if r["record"] == "platform_received" and r.get("action") == action]
    assert kinds.count("inject") == 1 and len(sent) == 1
    assert " url " in json.dumps(sent[0]["observed"]), "the text was recorded (masked), not left out"
    assert [r["scenario"] for r in lines if r["record"] == "inject"] == [scenario]
    result = scan([path], [SECRET_TOKEN])
    assert result.files == 1 and result.forms >= 3
    assert result.leaks == [], f"{name}/{framework}/{mode}: the token leaked into the evidence: {result.leaks}"
