"""The component registry (harness/data/components.yaml, harness/components.py) and every consumer reading it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml

from harness.components import SCHEMA, default_registry, load_registry, probe_json, write_probe_registry
from harness.errors import InputError

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]

#: What the consumers hard-coded before the registry: OneBot's verdicts on LangBot and AstrBot rest on these.
LEGACY_COMMON = {"Source", "Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Forward", "Unknown"}
LEGACY_COMPOSER = ("Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Forward")
LEGACY_LANGBOT_IDS = {"Source": ("id",), "At": ("target",), "Quote": ("id", "group_id", "sender_id", "target_id"),
                      "File": ("id",), "Image": ("image_id",), "Voice": ("voice_id",)}

STICKER = {"components": {"Sticker": {
    "common": False, "receive": True, "send": True, "identity": "sticker_id",
    "assertions": {"receive": "A platform sticker arrives as Sticker.", "send": "A Sticker sends."},
    "fields": {"sticker_id": {"type": "id", "match": "exact"}, "pack": {"type": "string", "match": "may-differ"}},
    "ui": {"label": "Sticker", "view": "fields", "summary": "label",
           "composer": {"order": 9, "testid": "tool-sticker", "button": "Sticker", "input": "form",
                        "fields": [{"name": "sticker_id", "label": "sticker id"}, {"name": "pack"}]},
           "dom": {"tag": "span", "class": "c-sticker", "attrs": {"sticker_id": "data-sticker-id", "pack": "data-pack"},
                   "content_format": "[sticker {sticker_id}]", "text": True,
                   "compare": {"sticker_id": {"mode": "string"}}, "evidence": ["sticker_id", "pack"]}}}}}


def _base() -> dict:
    return yaml.safe_load(resources.files("harness.data").joinpath("components.yaml").read_text(encoding="utf-8"))


# ---- the registry loads and validates ---------------------------------------------------------------

def test_the_data_file_validates_against_its_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.validate(_base(), SCHEMA)
    reg = default_registry()
    assert reg.common == LEGACY_COMMON
    assert reg.envelope == {"Source"}
    assert reg.composer == LEGACY_COMPOSER
    assert {n: t.id_fields for n, t in reg.types.items() if t.id_fields} == LEGACY_LANGBOT_IDS


def test_every_rendered_kind_marks_itself_with_data_attributes():
    for t in default_registry().types.values():
        if t.ui:
            assert t.dom.get("tag") or t.dom.get("widget"), t.name
            assert all(a.startswith("data-") for a in (t.dom.get("attrs") or {}).values()), t.name


@pytest.mark.parametrize("bad, field", [
    ({"components": {"Sticker": {"fields": {"x": {"type": "blob", "match": "exact"}}}}}, "components.Sticker.fields.x.type"),
    ({"components": {"Sticker": {"fields": {"x": {"type": "id"}}}}}, "components.Sticker.fields.x"),
    ({"components": {"Sticker": {"colour": "red"}}}, "components.Sticker"),
    ({"components": {"Sticker": {"identity": "nope", "fields": {}}}}, "components.Sticker.identity"),
    ({"components": {"Plain": {"common": False}}}, "components.Plain.common"),
    ({"components": {"Plain": {"fields": {"text": {"type": "string", "match": "exact"}}}}}, "components.Plain.fields.text"),
    ({"components": {"Sticker": {"fields": {"a": {"type": "id", "match": "exact"}}, "ui": {
        "view": "fields", "summary": "label", "composer": {"order": 1, "testid": "tool-s", "input": "form"},
        "dom": {"tag": "span"}}}}}, "components.Sticker.ui.composer.fields"),
    ({"components": {"Sticker": {"ui": {"view": "fields", "summary": "label", "dom": {"tag": "span",
                                                                                        "attrs": {"a": "sticker"}}}}}},
     "components.Sticker.ui.dom.attrs.a"),
])
def test_a_malformed_extension_names_its_file_and_field(tmp_path, bad, field):
    path = tmp_path / "platforms" / "demo" / "components.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(yaml.safe_dump(bad), encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_registry([path])
    assert info.value.path == str(path) and info.value.field == field, str(info.value)
    assert str(path) in str(info.value) and f"field '{field}'" in str(info.value)


def test_unreadable_and_non_yaml_extensions_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        load_registry([tmp_path / "missing.yaml"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("components: {Sticker: [", encoding="utf-8")
    with pytest.raises(InputError, match="not valid YAML"):
        load_registry([broken])


def test_an_extension_adds_kinds_and_fields(tmp_path):
    path = tmp_path / "components.yaml"
    path.write_text(yaml.safe_dump(STICKER), encoding="utf-8")
    reg = load_registry([path, {"components": {"Plain": {"fields": {"style": {"type": "string", "match": "may-differ"}}}}}])
    assert reg.names[-1] == "Sticker" and reg["Sticker"].source == str(path)
    assert "Sticker" not in reg.common and "Sticker" in reg.receive and "Sticker" in reg.send
    assert reg.composer[-1] == "Sticker" and reg["Sticker"].id_fields == ("sticker_id",)
    assert set(reg["Plain"].fields) == {"text", "style"} and reg["Plain"].exact_fields == ("text",)
    assert reg.sources == ("harness/data/components.yaml", str(path), "<dict>")


# ---- every consumer reads the registry ---------------------------------------------------------------

def test_consumers_agree_with_the_default_registry():
    from acceptance_fixtures.webui.identity import COMPONENTS
    from harness.capabilities import load_catalogue
    from harness.checker import COMMON_COMPONENTS
    from harness.fidelity import ENVELOPE
    from harness.ui.rendered import READ_MESSAGE_JS, dom_spec

    reg = default_registry()
    assert COMMON_COMPONENTS == reg.common
    cat = load_catalogue()
    assert list(cat.receive) == [*reg.receive, "mixed"] and list(cat.send) == [*reg.send, "mixed"]
    assert all(cat.receive[n]["assertion"] == reg[n].assertions["receive"] for n in reg.receive)
    assert COMPONENTS == reg.composer
    assert ENVELOPE == reg.envelope
    spec = dom_spec()
    assert set(spec) == set(reg.rendered)
    for name in reg.rendered:
        for attr in (reg[name].dom.get("attrs") or {}).values():
            assert attr in READ_MESSAGE_JS, (name, attr)


def test_the_catalogue_is_unchanged_by_the_move():
    """receive/send capabilities, their order and assertions are what catalogue.yaml listed before."""
    from harness.capabilities import load_catalogue

    cat = load_catalogue()
    assert list(cat.receive) == ["Source", "Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Forward",
                                 "Unknown", "mixed"]
    assert list(cat.send) == ["Plain", "At", "AtAll", "Image", "Voice", "File", "Quote", "Face", "Forward", "mixed"]
    assert cat.receive["Plain"]["assertion"] == "Text preserved exactly, including spaces and multi-line content."
    assert cat.send["mixed"]["assertion"] == "A mixed chain preserves component order as closely as the platform allows."


def test_probe_registry_is_what_the_probes_read(tmp_path):
    path = write_probe_registry(tmp_path, load_registry([STICKER]))
    data = json.loads(path.read_text("utf-8"))
    assert data["components"]["Sticker"]["id_fields"] == ["sticker_id"]
    assert json.loads(probe_json())["components"]["Quote"]["id_fields"] == list(LEGACY_LANGBOT_IDS["Quote"])


def test_a_fake_kind_added_through_the_loader_reaches_every_consumer(tmp_path):
    """One extension, no other edit: the checker, the catalogue, the UI's composer, view and part validation,
    the DOM reader and the rendered check, and both probes see the new kind."""
    ext = tmp_path / "components.yaml"
    ext.write_text(yaml.safe_dump(STICKER), encoding="utf-8")
    common = tmp_path / "common.yaml"
    common.write_text(yaml.safe_dump({"components": {"Card": {
        "common": True, "receive": True, "fields": {"title": {"type": "string", "match": "exact"}}}}}), encoding="utf-8")
    script = textwrap.dedent(f"""
        import json, sys
        from harness.components import set_default_extensions
        set_default_extensions([{str(ext)!r}, {str(common)!r}])

        from harness.checker import COMMON_COMPONENTS
        from harness.capabilities import load_catalogue
        from harness.ui.rendered import READ_MESSAGE_JS, observed_components, rendered_problems
        from acceptance_fixtures.webui.identity import COMPONENTS, UIIdentity
        from acceptance_fixtures.webui.view import Viewer
        from acceptance_fixtures.world import World
        from harness.components import write_probe_registry
        cat = load_catalogue()
        identity = UIIdentity("demo", "Demo", components=COMPONENTS)
        page = identity.to_dict()
        viewer = Viewer(World.default(), identity)
        seen = {{"visible": True, "components": [{{"type": "Sticker", "sticker_id": "77", "pack": "p", "visible": True}}]}}
        out = {{
            "common": sorted(COMMON_COMPONENTS), "receive": list(cat.receive), "send": list(cat.send),
            "assertion": cat.receive["Sticker"]["assertion"], "composer": list(COMPONENTS),
            "page_composer": page["composer"], "page_types": sorted(page["component_types"]),
            "reader": "data-sticker-id" in READ_MESSAGE_JS and "data-pack" in READ_MESSAGE_JS,
            "view": viewer.component({{"type": "Sticker", "sticker_id": 77, "pack": "p"}}, None, 0),
            "summary": viewer.summary([{{"type": "Sticker", "sticker_id": 77}}]),
            "ok": rendered_problems([{{"type": "Sticker", "sticker_id": 77}}], seen),
            "wrong": rendered_problems([{{"type": "Sticker", "sticker_id": 78}}], seen),
            "evidence": observed_components(seen),
        }}
        write_probe_registry(sys.argv[1])
        print(json.dumps(out))
    """)
    probe_dir = tmp_path / "acceptance_probe"
    probe_dir.mkdir()
    proc = subprocess.run([sys.executable, "-c", script, str(probe_dir)], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert "Card" in out["common"] and "Sticker" not in out["common"]  # a platform kind is reported as native
    assert out["receive"][-3:] == ["Sticker", "Card", "mixed"] and out["send"][-2:] == ["Sticker", "mixed"]
    assert out["assertion"] == "A platform sticker arrives as Sticker."
    assert out["composer"][-1] == "Sticker" and out["page_composer"] == out["composer"] and "Sticker" in out["page_types"]
    assert out["reader"] is True
    assert out["view"] == {"type": "Sticker", "sticker_id": "77", "pack": "p"}
    assert out["summary"] == "[Sticker]"
    assert out["ok"] == [] and out["wrong"] == ["component 0 (Sticker) shows sticker_id '77', received 78"]
    assert out["evidence"] == [{"type": "Sticker", "visible": True, "sticker_id": "77", "pack": "p"}]

    # The probes, from the components.json a build ships (LangBot: id fields; AstrBot: the kind keeps its type).
    probe = textwrap.dedent("""
        import importlib.util, json, sys, types
        from pathlib import Path
        repo, target, which = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
        pkg = types.ModuleType("acceptance_probe"); pkg.__path__ = [str(target)]; sys.modules["acceptance_probe"] = pkg
        def load(name, path):
            spec = importlib.util.spec_from_file_location("acceptance_probe." + name, path)
            mod = importlib.util.module_from_spec(spec); sys.modules[spec.name] = mod; spec.loader.exec_module(mod)
            return mod
        for shared in ("jsonsafe", "media"):
            load(shared, repo / "probes/langbot/acceptance_probe" / (shared + ".py"))
        import shutil
        # registry.py reads the components.json next to it: both come from the build folder, as in a real build
        shutil.copy2(repo / "probes/langbot/acceptance_probe/registry.py", target / "registry.py")
        load("registry", target / "registry.py")
        shutil.copy2(repo / "probes" / which / "acceptance_probe/components.py", target / "components.py")
        comps = load("components", target / "components.py")
        class Sticker:
            sticker_id = 77
            pack = "p"
        if which == "langbot":
            print(json.dumps(comps.normalize_chain([{"type": "Sticker", "sticker_id": 77, "pack": "p"}])))
        else:
            print(json.dumps(comps.normalize_chain([Sticker()])))
    """)
    for which in ("langbot", "astrbot"):
        proc = subprocess.run([sys.executable, "-c", probe, str(REPO), str(probe_dir), which],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout.strip()) == [{"type": "Sticker", "sticker_id": "77", "pack": "p"}], which


def test_probes_in_the_source_tree_read_the_base_file():
    """Without a build's components.json the probes fall back to harness/data/components.yaml (tests)."""
    assert not (REPO / "probes/langbot/acceptance_probe/components.json").exists()
    assert not (REPO / "probes/astrbot/acceptance_probe/components.json").exists()


def test_a_registered_platform_contributes_its_components_file(tmp_path, monkeypatch):
    """A platform adds a kind with a components.yaml in its folder; the registry finds it through the entry point."""
    import importlib.metadata
    import sys

    import harness.components as components

    pkg = tmp_path / "demo_platform_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "components.yaml").write_text("components: {}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    ep = importlib.metadata.EntryPoint("demo", "demo_platform_pkg:PLATFORM", components.PLATFORMS_GROUP)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group=None: [ep] if group == components.PLATFORMS_GROUP else [])
    assert components.platform_component_files() == [pkg / "components.yaml"]
    assert "demo_platform_pkg" not in sys.modules  # found without importing the platform
