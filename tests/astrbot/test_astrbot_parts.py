"""AstrBot parts that need no AstrBot: the declaration, the probe's event mapping, the probe install,
the OneBot profile's AstrBot branch and the report comparison."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from harness.frameworks.manifests import load_manifests
from harness.manifest import parse_manifest
from harness.report.compare import compare, load_report, to_html, to_markdown, write_comparison
from harness.stacks.astrbot_probe import LIB_PACKAGE, PLUGIN_DIR, install_probe, probe_identity

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[2]
def test_declarations_parse_cleanly_and_cite_their_source() -> None:
    from harness.frameworks.manifests import declaration_files

    from acceptance_fixtures.platforms import platform_named

    named = declaration_files("astrbot")
    assert named and all(REPO / "fixtures" / "platforms" in f.parents for _, f in named)
    for platform, f in named:
        m = parse_manifest(f)
        assert m.kind == "AdapterDeclaration" and m.problems == [], (f, m.problems)
        import yaml

        source = yaml.safe_load(f.read_text())["spec"].get("source") or ""
        # a release adapter's claims cite the release's code; a plugin-shipped adapter's cite the platform's document
        plugin_shipped = getattr(platform_named(platform).bindings["astrbot"], "adapter_plugin", False)
        assert ("astrbot" in source) if not plugin_shipped else len(source) > 40, f
    found, spec = load_manifests("astrbot")
    assert spec.name == "astrbot" and "onebot-v11" in [m.name for m in found]


def _probe_module(name: str):
    """Import a probe module by path (the probe is not a package of the harness)."""
    pkg = "astrbot_probe_under_test"
    if pkg not in sys.modules:
        spec = importlib.util.spec_from_file_location(pkg, REPO / "probes/astrbot/acceptance_probe/__init__.py",
                                                      submodule_search_locations=[str(REPO / "probes/astrbot/acceptance_probe")])
        module = importlib.util.module_from_spec(spec)
        sys.modules[pkg] = module
        spec.loader.exec_module(module)
        # the shared modules are copied in at install time; make them importable here
        for shared in ("jsonsafe", "media", "registry"):
            sspec = importlib.util.spec_from_file_location(f"{pkg}.{shared}", REPO / f"probes/langbot/acceptance_probe/{shared}.py")
            smod = importlib.util.module_from_spec(sspec)
            sys.modules[f"{pkg}.{shared}"] = smod
            sspec.loader.exec_module(smod)
    return importlib.import_module(f"{pkg}.{name}")


def test_native_kind_reads_the_raw_objects_own_kind() -> None:
    """The recipe comes from the platform's binding (OneBot's here), never from the probe itself."""
    from acceptance_fixtures.platforms import profile_for

    events = _probe_module("events")
    recipe = profile_for("onebot-v11").probe_settings("astrbot")["native_kind"]
    assert events.native_kind({"post_type": "message", "message_type": "group", "sub_type": "normal"}, recipe) == \
        ("message.group.normal", True)
    assert events.native_kind({"post_type": "notice", "notice_type": "group_increase", "sub_type": "approve"}, recipe) == \
        ("notice.group_increase.approve", False)
    assert events.native_kind({"post_type": "request", "request_type": "friend"}, recipe) == ("request.friend", False)
    assert events.native_kind({"post_type": "notice"}) == ("dict", True)  # no recipe: the object's class name
    assert events.native_kind(None, recipe) == (None, True)
    assert events.native_kind(object(), recipe) == ("object", True)


def test_unknown_components_keep_their_astrbot_class_name() -> None:
    comps = _probe_module("components")

    class Poke:  # stands in for an AstrBot component the vocabulary has no name for
        def __init__(self) -> None:
            self.qq = 42

    class Plain:
        def __init__(self, text: str) -> None:
            self.text = text

    out = comps.normalize_chain([Plain("  kept  exactly \n"), Poke()])
    assert out[0] == {"type": "Plain", "text": "  kept  exactly \n"}
    assert out[1]["type"] == "Unknown" and out[1]["native_type"] == "Poke"


def test_install_copies_probe_shared_and_evidence_modules(tmp_path: Path) -> None:
    target = install_probe(tmp_path)
    assert target == tmp_path / "data" / "plugins" / PLUGIN_DIR
    for name in ("main.py", "metadata.yaml", "_conf_schema.json"):
        assert (target / name).is_file(), name
    for module in ("core.py", "sweep.py", "events.py", "components.py", "config.py", "recorder.py",
                   "jsonsafe.py", "writer.py", "redact.py"):
        assert (target / LIB_PACKAGE / module).is_file(), module
    schema = json.loads((target / "_conf_schema.json").read_text())
    assert schema["bots_json"]["type"] == "text"
    assert probe_identity().name == "astrbot_plugin_acceptance_probe"


def test_onebot_profile_points_astrbot_at_a_loopback_reverse_ws() -> None:
    from acceptance_fixtures.platforms.onebot_v11.profile import OneBotV11Profile
    from harness.stacks.base import Bot

    profile = OneBotV11Profile()
    cfg = profile.adapter_config("astrbot", "tok")
    assert cfg["type"] == "aiocqhttp" and cfg["ws_reverse_host"] == "127.0.0.1" and cfg["ws_reverse_token"] == "tok"

    class FakeStack:
        bots = {"b1": Bot("b1", "onebot-v11", "n", cfg, {})}

    codec = profile.codec("astrbot", access_token="tok", stack=FakeStack(), bot_id="b1")
    assert codec.url == f"ws://127.0.0.1:{cfg['ws_reverse_port']}/ws"


def _report(tmp_path: Path, framework: str, caps: list[dict], events: list[dict]) -> Path:
    evidence = tmp_path / f"{framework}.jsonl"
    lines = [{"record": "inject", "adapter": "x", "t": 10.0, "scenario": "join", "match": {"event.type": "group.member_joined",
              "event.group_id": "7"}},
             *[{"record": "event", "adapter": "x", "producer": "probe", "t": 11.0, "event": e} for e in events]]
    evidence.write_text("".join(json.dumps({"v": 1, "run_id": "r", **r}) + "\n" for r in lines))
    caps = [{"kind": c["id"].partition(":")[0], "evidence": [], **c} for c in caps]
    report = {"schema": "acceptance-report/1", "generated": "now", "adapter": "x", "framework": framework,
              "framework_version": "1", "status": "partial", "counts": {},
              "capabilities": caps, "findings": [{"message": f"{framework} finding", "evidence": "e:1"}],
              "evidence_files": [str(evidence)]}
    path = tmp_path / f"{framework}.json"
    path.write_text(json.dumps(report))
    return path


def test_compare_lines_up_capabilities_and_what_reached_the_plugin(tmp_path: Path) -> None:
    a = _report(tmp_path, "fa", [{"id": "event:group.member_joined", "declared": True, "status": "accepted", "level": "plugin-e2e-ui", "reason": ""},
                                 {"id": "api:send_message", "declared": True, "status": "accepted", "level": "plugin-e2e-outbound", "reason": ""}],
                [{"type": "group.member_joined", "group_id": "7", "components": []}])
    b = _report(tmp_path, "fb", [{"id": "event:platform.specific", "declared": True, "status": "partial", "level": "plugin-e2e-protocol", "reason": ""},
                                 {"id": "api:send_message", "declared": True, "status": "failed", "level": None, "reason": "text differs"}],
                [{"type": "platform.specific", "group_id": "7", "components": [], "fields": {"native_kind": "notice.group_increase"}}])
    cmp = compare(load_report(a), load_report(b))
    rows = {r["id"]: r["difference"] for r in cmp["capabilities"]}
    assert rows == {"event:group.member_joined": "declared only in A", "event:platform.specific": "declared only in B",
                    "api:send_message": "status"}
    (arrival,) = cmp["arrivals"]
    assert arrival["a"]["type"] == "group.member_joined" and arrival["b"]["native_kind"] == "notice.group_increase"
    assert arrival["difference"] == "differs: type"
    assert "fa 1 / x vs fb 1 / x" in to_markdown(cmp) and "<table>" in to_html(cmp)
    paths = write_comparison(a, b, tmp_path / "out")
    assert all(p.is_file() for p in paths.values())
