"""Find the manifests under test: from an installed framework release or from a folder."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from harness.errors import InputError
from harness.frameworks.spec import FrameworkSpec
from harness.frameworks.venv import ensure_env, run_in_env
from harness.manifest import Manifest, load_manifest_dir

_FIND_PACKAGE = "import importlib.util, sys; s = importlib.util.find_spec(sys.argv[1]); print(list(s.submodule_search_locations)[0])"


@lru_cache(maxsize=8)
def manifest_root(spec: FrameworkSpec) -> Path:
    """The folder holding the framework's adapter manifests (or the harness's declarations)."""
    if spec.info.declarations:
        return Path(str(resources.files("harness.data").joinpath(spec.info.declarations)))
    ensure_env(spec)
    package_dir = Path(run_in_env(spec, _FIND_PACKAGE, spec.info.package).strip())
    root = package_dir.parent / spec.info.manifest_subdir  # type: ignore[operator]
    if not root.is_dir():
        raise InputError(f"{spec} has no adapter folder {spec.info.manifest_subdir}", path=root)
    return root


def load_manifests(framework: str | None = None, manifest_dir: str | Path | None = None) -> tuple[list[Manifest], FrameworkSpec | None]:
    """Manifests from ``--manifest-dir`` if given, else from the framework release (default: pinned LangBot)."""
    spec = FrameworkSpec.parse(framework or "langbot")
    if manifest_dir:
        return load_manifest_dir(manifest_dir), spec
    return load_manifest_dir(manifest_root(spec)), spec


def introspect_code(spec: FrameworkSpec) -> dict[str, dict]:
    """What each adapter's code declares, read inside the framework's own interpreter.

    Returns ``{manifest name: {"events", "apis", "platform_actions", "errors", "class"}}``.
    """
    if spec.info.name != "langbot":
        return {}
    script = resources.files("harness.frameworks.inside").joinpath(f"{spec.info.name}_introspect.py").read_text("utf-8")
    raw = json.loads(run_in_env(spec, script, str(manifest_root(spec)), timeout=600))
    return {info["name"]: {**info, "folder": folder} for folder, info in raw.items()}
