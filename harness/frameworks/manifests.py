"""Find the manifests under test: from an installed framework release, from the registered platforms'
declarations (frameworks without manifests) or from a folder."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from importlib.metadata import entry_points
from pathlib import Path

from harness.errors import InputError
from harness.frameworks.spec import FrameworkSpec
from harness.frameworks.venv import ensure_env, run_in_env
from harness.manifest import Manifest, load_manifest_dir, parse_manifests

_FIND_PACKAGE = "import importlib.util, sys; s = importlib.util.find_spec(sys.argv[1]); print(list(s.submodule_search_locations)[0])"


#: The entry-point group simulated platforms register under (``acceptance_fixtures.platforms.ENTRY_POINT_GROUP``).
#: This layer never imports a platform: it reaches them through the plug-in entry points only.
PLATFORMS_GROUP = "adapter_acceptance.platforms"


@lru_cache(maxsize=8)
def manifest_root(spec: FrameworkSpec) -> Path:
    """The folder holding the framework's adapter manifests (frameworks that ship manifests)."""
    if spec.info.declarations:
        raise InputError(f"{spec.name} has no adapter manifests: its declarations come from the registered platforms",
                         hint="use harness.frameworks.manifests.framework_manifests(spec)")
    ensure_env(spec)
    package_dir = Path(run_in_env(spec, _FIND_PACKAGE, spec.info.package).strip())
    root = package_dir.parent / spec.info.manifest_subdir  # type: ignore[operator]
    if not root.is_dir():
        raise InputError(f"{spec} has no adapter folder {spec.info.manifest_subdir}", path=root)
    return root


def declaration_files(framework: str) -> list[tuple[str, Path]]:
    """``(platform, path)`` of every registered platform's harness-side declaration for ``framework``,
    by platform name (the platforms are found through the ``adapter_acceptance.platforms`` entry points)."""
    found: list[tuple[str, Path]] = []
    seen: set[tuple[str, str]] = set()
    for ep in sorted(entry_points(group=PLATFORMS_GROUP), key=lambda e: (e.name, e.value)):
        if (ep.name, ep.value) in seen:
            continue
        seen.add((ep.name, ep.value))
        try:
            platform = ep.load()
            path = platform.declaration(framework)
        except Exception as exc:  # a plug-in's import or its declaration() raised
            raise InputError(f"platform entry point {ep.name!r} ({ep.value}, group {PLATFORMS_GROUP}) failed to load "
                             f"its {framework} declaration: {type(exc).__name__}: {exc}") from exc
        if path is not None:
            path = Path(path)
            if not path.is_file():
                raise InputError(f"platform {ep.name!r} names a {framework} declaration that does not exist", path=path)
            found.append((ep.name, path))
    return found


def framework_manifests(spec: FrameworkSpec) -> list[Manifest]:
    """The framework's adapter manifests: the installed release's, or every registered platform's declaration."""
    if not spec.info.declarations:
        return load_manifest_dir(manifest_root(spec))
    files = declaration_files(spec.name)
    if not files:
        raise InputError(f"no registered platform declares an adapter for {spec.name}",
                         hint=f"a platform's {spec.name} binding provides declaration(); see docs/writing-a-simulator.md")
    return parse_manifests(path for _, path in files)


def load_manifests(framework: str | None = None, manifest_dir: str | Path | None = None) -> tuple[list[Manifest], FrameworkSpec | None]:
    """Manifests from ``--manifest-dir`` if given, else from the framework release (default: pinned LangBot)."""
    spec = FrameworkSpec.parse(framework or "langbot")
    if manifest_dir:
        return load_manifest_dir(manifest_dir), spec
    return framework_manifests(spec), spec


def introspect_code(spec: FrameworkSpec) -> dict[str, dict]:
    """What each adapter's code declares, read inside the framework's own interpreter.

    Returns ``{manifest name: {"events", "apis", "platform_actions", "errors", "class"}}``.
    """
    if spec.info.name != "langbot":
        return {}
    script = resources.files("harness.frameworks.inside").joinpath(f"{spec.info.name}_introspect.py").read_text("utf-8")
    raw = json.loads(run_in_env(spec, script, str(manifest_root(spec)), timeout=600))
    return {info["name"]: {**info, "folder": folder} for folder, info in raw.items()}
