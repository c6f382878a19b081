"""Pure parts of the adapter-live driver, the echo plugin and the latency bench (no framework process)."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
import zipfile
from pathlib import Path

import pytest

from harness.frameworks import FrameworkSpec
from harness.frameworks.venv import MARKER
from harness.stacks.langbot_probe import PROBE_SOURCE, build_probe, probe_identity

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.unit


def _load(name: str, path: Path):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def inside():
    return _load("_test_langbot_adapter_driver", REPO / "harness" / "frameworks" / "inside" / "langbot_adapter_driver.py")


@pytest.fixture(scope="module")
def bench():
    return _load("_test_bench_e2e_latency", REPO / "bench" / "e2e_latency.py")


def test_shared_code_is_loaded_by_path_not_copied(inside, tmp_path):
    shared = inside.load_shared(REPO)
    assert Path(shared.events.__file__).resolve() == (REPO / "probes/langbot/acceptance_probe/events.py").resolve()
    assert Path(sys.modules[shared.EvidenceWriter.__module__].__file__).resolve() == (REPO / "harness/evidence/writer.py").resolve()
    assert not (REPO / "harness" / "adapter_live" / "components.py").exists()
    writer = shared.EvidenceWriter.to_file(tmp_path / "e.jsonl", run_id="r", producer="adapter-driver", secrets=["s3cr3t-value"])
    rec = inside.DriverRecorder(writer, "onebot-v11")
    rec.api_call({"name": "send_message", "ok": True, "input": "token s3cr3t-value"}, ["api:send_message"], {"components": []})
    rec.check(["compat:listener_dispatch_order"], "passed", "ok")
    writer.close()
    lines = [json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines()]
    assert [r["producer"] for r in lines] == ["adapter-driver", "adapter-driver"]
    assert lines[1]["level"] == "adapter-live" and "s3cr3t-value" not in json.dumps(lines)


def test_probe_echo_reply_option(inside):
    config = inside.load_shared(REPO).config
    assert config.ProbeConfig.from_mapping({}).echo_reply is False
    assert config.ProbeConfig.from_mapping({"echo_reply": True}).echo_reply is True
    assert config.ProbeConfig.from_mapping({"echo_reply": "true", "destructive": "no"}).echo_reply is True
    assert config.ProbeConfig.from_mapping({"probe_config_json": '{"echo_reply": true}'}).echo_reply is True


def test_driver_runtime_stand_in(inside):
    adapter = types.SimpleNamespace()
    runtime = inside.DriverRuntime(adapter, "bot-1")
    import asyncio

    assert asyncio.run(runtime.ap.platform_mgr.resolve_public_bot("bot-1")) is runtime
    assert asyncio.run(runtime.ap.platform_mgr.resolve_public_bot("other")) is None
    assert runtime.enable and runtime.workspace_uuid is None


def test_echo_plugin_identity():
    ident = probe_identity(REPO / "probes" / "langbot_echo")
    assert ident.component_ref == "plugin:acceptance/echo/echo"


def test_bench_percentiles_and_matching(bench):
    r = bench.PathResult("a", "x", latencies=[i / 1000 for i in range(1, 201)])
    assert r.pct(50) == pytest.approx(100.0) and r.pct(99) == pytest.approx(198.0)
    action = types.SimpleNamespace(observed={"components": [{"type": "Plain", "text": "echo:1101"}]})
    assert bench._is_echo(action, "1101") and not bench._is_echo(action, "110")
    assert bench._role("/venv/bin/python /venv/bin/lbp rt --ws-control-port 1") == "runtime"
    assert bench._role("/venv/bin/python -m langbot_plugin.cli.__init__ run --tag acceptance/probe -s") == "plugin"
    assert bench._role("/venv/bin/python /venv/bin/langbot --standalone-runtime") == "core"


def test_echo_plugin_build(tmp_path, bench):
    spec = FrameworkSpec.parse("langbot")
    if not (spec.env_dir / MARKER).exists():
        pytest.skip(f"LangBot environment not built at {spec.env_dir}")
    staged = bench.stage_echo_plugin(tmp_path / "echo")
    package = build_probe(spec.env_dir, tmp_path / "build", source=staged)
    names = zipfile.ZipFile(package).namelist()
    for needed in ("manifest.yaml", "main.py", "components/runner/echo.yaml", "components/runner/echo.py"):
        assert needed in names, needed
    assert not (REPO / "probes" / "langbot_echo" / "acceptance_probe").exists()
    assert PROBE_SOURCE != staged
