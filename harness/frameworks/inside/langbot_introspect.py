"""Runs INSIDE LangBot's interpreter (not the harness's): prints what each adapter's code declares.

Usage: python langbot_introspect.py <adapters-folder>
Output: JSON {"<folder>": {"name", "events", "apis", "platform_actions", "errors"}} on stdout.
Standard library and PyYAML only (both are present in a LangBot environment).
"""

import importlib
import json
import sys
import traceback
from pathlib import Path

import yaml


def _bare_instance(cls, manifest):
    """An instance without __init__ (which would need a working platform configuration), carrying
    the manifest's default config so that config-dependent capability methods can answer."""
    inst = object.__new__(cls)
    defaults = {c["name"]: c.get("default") for c in (manifest.get("spec") or {}).get("config") or [] if "name" in c}
    for attr, value in (("config", defaults), ("bot", None)):
        try:
            object.__setattr__(inst, attr, value)
        except Exception:
            pass
    return inst


def _call(cls, method, manifest, errors):
    fn = getattr(cls, method, None)
    if fn is None:
        return None
    try:
        return list(fn(_bare_instance(cls, manifest)))
    except Exception:
        errors.append(f"{method}(): " + traceback.format_exc(limit=2))
        return None


def introspect(folder: Path) -> dict:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text("utf-8"))
    out = {"name": manifest["metadata"]["name"], "events": None, "apis": None, "platform_actions": None, "errors": []}
    package = "langbot.pkg.platform.adapters." + folder.name
    execution = (manifest.get("execution") or {}).get("python") or {}
    module_name = package + "." + Path(execution.get("path", "adapter.py")).stem
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, execution["attr"])
        out["class"] = f"{module_name}.{cls.__name__}"
        out["events"] = _call(cls, "get_supported_events", manifest, out["errors"])
        out["apis"] = _call(cls, "get_supported_apis", manifest, out["errors"])
        api_map = getattr(module, "PLATFORM_API_MAP", None)
        if api_map is None:
            try:
                api_map = getattr(importlib.import_module(package + ".platform_api"), "PLATFORM_API_MAP", None)
            except ImportError:
                api_map = None
        out["platform_actions"] = sorted(api_map) if isinstance(api_map, dict) else None
    except Exception:  # report, do not crash: one broken adapter must not hide the others
        out["errors"].append(traceback.format_exc(limit=3))
    return out


def main() -> None:
    root = Path(sys.argv[1])
    result = {d.name: introspect(d) for d in sorted(root.iterdir()) if (d / "manifest.yaml").exists()}
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
