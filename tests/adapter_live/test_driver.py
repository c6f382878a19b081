"""The driver subprocess and its control channel: commands, failures, timeouts and teardown."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import signal
import time

import pytest

from harness.adapter_live import AdapterDriver, DriverError
from harness.errors import StackError
from harness.frameworks import FrameworkSpec, ensure_env
from harness.levels import Level, Status

pytestmark = pytest.mark.adapter_live


@pytest.fixture(scope="module")
def spec(request) -> FrameworkSpec:
    spec = FrameworkSpec.parse(request.config.getoption("--framework"))
    ensure_env(spec)
    return spec


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie still answers kill(0); it is gone for our purposes once reaped by asyncio.
    return False


async def test_hello_errors_and_stop(spec, tmp_path):
    driver = AdapterDriver(spec, log_path=tmp_path / "driver.log")
    hello = await driver.start()
    assert hello["versions"]["langbot"] and hello["protocol"] == 1
    with pytest.raises(DriverError, match="unknown command"):
        await driver.request("no-such-command", timeout=10)
    with pytest.raises(DriverError, match="no adapter started"):
        await driver.request("call", timeout=10, api="get_group_list")
    # The adapter's own config validation surfaces as the command's error; the driver lives on.
    with pytest.raises(DriverError, match="access token"):
        await driver.request("start", timeout=30, adapter="onebot-v11", config={"connection_mode": "forward_ws", "ws_url": "ws://127.0.0.1:9/"})
    with pytest.raises(DriverError, match="no adapter manifest named"):
        await driver.request("start", timeout=30, adapter="no-such-adapter", config={})
    assert driver.alive()
    pid = driver.pid
    await driver.stop()
    assert driver.proc.returncode is not None and _gone(pid)


async def test_stop_kills_an_unresponsive_driver(spec, tmp_path):
    driver = AdapterDriver(spec, log_path=tmp_path / "driver.log")
    await driver.start()
    os.kill(driver.pid, signal.SIGSTOP)  # it can no longer answer 'stop' nor handle SIGTERM
    t = time.monotonic()
    with pytest.raises(StackError, match="did not answer"):
        await driver.request("hello", timeout=1)
    await driver.stop(timeout=1)
    assert driver.proc.returncode == -signal.SIGKILL
    assert time.monotonic() - t < 15


async def test_dead_driver_is_reported(spec, tmp_path):
    driver = AdapterDriver(spec, log_path=tmp_path / "driver.log")
    await driver.start()
    os.kill(driver.pid, signal.SIGKILL)
    await asyncio.wait_for(driver.proc.wait(), 10)
    with pytest.raises(StackError, match="exited|gone|closed"):
        await driver.request("hello", timeout=5)
    await driver.stop()


async def test_commands_against_the_simulator(spec, tmp_path):
    """``call`` / ``send`` / ``echo`` on command, each an api_call joined with what the platform received."""
    from acceptance_fixtures.platforms.onebot_v11.codec import OneBotV11Codec
    from acceptance_fixtures.simulator.server import SimulatorServer
    from harness.checker import check
    from harness.evidence import EvidenceWriter
    from harness.frameworks.manifests import load_manifests

    token = secrets.token_urlsafe(16)
    evidence = tmp_path / "evidence"
    sim_writer = EvidenceWriter.to_file(evidence / "simulator.jsonl", run_id="cmd", framework="langbot",
                                        framework_version=spec.version, producer="simulator", secrets=[token])
    sim = SimulatorServer(OneBotV11Codec(access_token=token, mode="forward"), writer=sim_writer)
    driver = AdapterDriver(spec, log_path=tmp_path / "driver.log")
    async with sim:
        await driver.start()
        try:
            await driver.request("start", timeout=60, adapter="onebot-v11",
                                 config={"connection_mode": "forward_ws", "ws_url": sim.codec.forward_url, "access-token": token},
                                 evidence={"path": str(evidence / "driver.jsonl"), "run_id": "cmd", "redact_values": [token]})
            await sim.wait_connected(timeout=30)
            group = sim.world.roles["main_group"]
            out = await driver.request("call", timeout=30, api="call_platform_api", action="get_login_info",
                                       params={"action": "get_login_info", "params": {}},
                                       capabilities=["api:call_platform_api", "platform_api:get_login_info"])
            assert out["api"]["ok"] is True and out["api"]["result"]["user_id"]
            sent = await driver.request("send", timeout=30, target_type="group", target_id=group,
                                        components=[{"type": "Plain", "text": "driver  says\nhi"}, {"type": "AtAll"}])
            assert sent["api"]["ok"] is True, sent
            failed = await driver.request("call", timeout=30, api="get_group_info", params={"group_id": "1"})
            assert failed["api"]["ok"] is False and failed["api"]["error_kind"] == "error"
            # echo: the driver replies to each message itself (used by bench/e2e_latency.py)
            await driver.request("echo", timeout=10, enabled=True)
            injected = await sim.inject("message.private.plain")
            mid = injected.refs["message_id"]
            reply = await sim.wait_for_action(where=lambda a: any(c.get("text") == f"echo:{mid}" for c in a.observed.get("components") or []),
                                              since=injected.t, timeout=10)
            assert reply.t >= injected.t
        finally:
            await driver.stop()
    sim_writer.close()
    records = [json.loads(line) for line in (evidence / "driver.jsonl").read_text().splitlines()]
    assert {r["producer"] for r in records} == {"adapter-driver"}
    assert not any(token in line for f in evidence.glob("*.jsonl") for line in f.read_text().splitlines())
    manifests, _ = load_manifests(f"{spec.name}=={spec.version}" if spec.env is None else f"{spec.name}@{spec.env}")
    manifest = next(m for m in manifests if m.name == "onebot-v11")
    result = check([manifest], sorted(evidence.glob("*.jsonl")), only_declared_adapters=True).adapters[0]
    for cap in ("platform_api:get_login_info", "send:Plain", "send:AtAll", "receive:Plain"):
        v = result.verdict(cap)
        assert v.level is Level.ADAPTER_LIVE and v.status is Status.PARTIAL, (cap, v.level, v.status, v.reason)
    assert result.verdict("api:get_group_info").status is Status.FAILED
