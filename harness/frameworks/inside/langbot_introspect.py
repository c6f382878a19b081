"""Runs INSIDE LangBot's interpreter (not the harness's): prints what each adapter's code declares.

Usage: python langbot_introspect.py <adapters-folder>
Output: JSON {"<folder>": {"name", "events", "apis", "platform_actions", "overrides", "by_config", "errors"}} on
stdout. ``overrides``: the common API methods of the SDK's base adapter class that the adapter class overrides (name ->
whether the override only raises, i.e. refuses the API);
``by_config``: ``get_supported_*()`` once per value of each config field that selects between values (a
``select``'s options, a ``boolean``'s true and false) other than its default, the rest at their defaults.
Standard library and PyYAML only (both are present in a LangBot environment).
"""

import importlib
import json
import sys
import traceback
from pathlib import Path

import yaml


def _bare_instance(cls, manifest, overrides=None):
    """An instance without __init__ (which would need a working platform configuration), carrying
    the manifest's default config (with ``overrides``) so that config-dependent capability methods can answer."""
    inst = object.__new__(cls)
    defaults = {c["name"]: c.get("default") for c in (manifest.get("spec") or {}).get("config") or [] if "name" in c}
    defaults.update(overrides or {})
    for attr, value in (("config", defaults), ("bot", None)):
        try:
            object.__setattr__(inst, attr, value)
        except Exception:
            pass
    return inst


def _call(cls, method, manifest, errors, overrides=None):
    fn = getattr(cls, method, None)
    if fn is None:
        return None
    try:
        return list(fn(_bare_instance(cls, manifest, overrides)))
    except Exception:
        where = f" with {overrides}" if overrides else ""
        errors.append(f"{method}(){where}: " + traceback.format_exc(limit=2))
        return None


#: Methods of the SDK's base adapter classes that are the adapter's plumbing, not common APIs.
_NOT_APIS = {"run_async", "kill", "is_muted", "register_listener", "unregister_listener", "is_stream_output_supported",
             "create_message_card", "reply_message_chunk", "get_supported_events", "get_supported_apis"}


def _overrides(cls):
    """Common API methods of the SDK's base adapter class that ``cls`` (or a class between them) overrides."""
    try:
        from langbot_plugin.api.definition.abstract.platform.adapter import AbstractPlatformAdapter
    except Exception:
        return None
    bases = [k for k in AbstractPlatformAdapter.__mro__ if k.__module__.startswith("langbot_plugin.")]
    names = {n for k in bases for n, v in vars(k).items()
             if callable(v) and not isinstance(v, type) and not n.startswith("_")} - _NOT_APIS
    own = [k for k in cls.__mro__ if k not in bases and k is not object and not k.__module__.startswith(("pydantic", "abc"))]
    found = {}
    for n in sorted(names):
        owner = next((k for k in own if n in vars(k)), None)
        if owner is not None:
            found[n] = _only_raises(vars(owner)[n])
    return found


def _only_raises(fn):
    """Whether a method's body (docstring, ``pass`` and the imports of the exception aside) is a single ``raise``: an
    override that refuses, not an API."""
    import ast
    import inspect
    import textwrap

    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    except (OSError, TypeError, SyntaxError):
        return False
    body = tree.body[0].body if tree.body and hasattr(tree.body[0], "body") else []
    body = [b for b in body if not (isinstance(b, ast.Expr) and isinstance(getattr(b, "value", None), ast.Constant))
            and not isinstance(b, (ast.Import, ast.ImportFrom, ast.Pass))]
    return len(body) == 1 and isinstance(body[0], ast.Raise)


def _mode_values(manifest):
    for item in (manifest.get("spec") or {}).get("config") or []:
        if not isinstance(item, dict) or "name" not in item:
            continue
        if item.get("type") == "select":
            values = [o.get("name") for o in item.get("options") or [] if isinstance(o, dict) and "name" in o]
        elif item.get("type") == "boolean":
            values = [True, False]
        else:
            continue
        for value in values:
            if value != item.get("default"):  # the default is what the plain evaluation already answered
                yield item["name"], value


def _by_config(cls, manifest, errors):
    out = []
    for name, value in _mode_values(manifest):
        overrides = {name: value}
        out.append({"field": name, "value": value,
                    "events": _call(cls, "get_supported_events", manifest, errors, overrides),
                    "apis": _call(cls, "get_supported_apis", manifest, errors, overrides)})
    return out


def introspect(folder: Path) -> dict:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text("utf-8"))
    out = {"name": manifest["metadata"]["name"], "events": None, "apis": None, "platform_actions": None,
           "overrides": None, "by_config": [], "errors": []}
    package = "langbot.pkg.platform.adapters." + folder.name
    execution = (manifest.get("execution") or {}).get("python") or {}
    module_name = package + "." + Path(execution.get("path", "adapter.py")).stem
    try:
        module = importlib.import_module(module_name)
        cls = getattr(module, execution["attr"])
        out["class"] = f"{module_name}.{cls.__name__}"
        out["events"] = _call(cls, "get_supported_events", manifest, out["errors"])
        out["apis"] = _call(cls, "get_supported_apis", manifest, out["errors"])
        out["overrides"] = _overrides(cls)
        out["by_config"] = _by_config(cls, manifest, out["errors"])
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
