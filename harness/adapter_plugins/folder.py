"""An AstrBot plugin folder handed over by the user, read without importing it.

AstrBot loads ``data/plugins/<folder>/main.py`` (or ``<folder>.py``) as ``data.plugins.<folder>.main`` and reads
``metadata.yaml`` for the plugin's name (astrbot/core/star/star_manager.py, ``_get_plugin_modules`` and
``_load_plugin_metadata``). A folder without the entry module is not a plugin: AstrBot would skip it without a
word, so the harness says so before it starts anything.

The adapter types the plugin registers are read from its source (``register_platform_adapter("<type>", ...)``,
as a decorator or called at the plugin's start): they tell which simulated platform or contract serves it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from harness.errors import InputError

_REGISTERS = re.compile(r"register_platform_adapter\(\s*(?:adapter_name\s*=\s*)?[\"']([^\"']+)[\"']")
#: Version fields a plugin's metadata may carry to say which AstrBot it needs.
VERSION_KEYS = ("astrbot_version", "astrbot", "requires_astrbot", "min_astrbot_version")
SKIP = ("__pycache__", ".git", "node_modules", ".venv")


@dataclass(frozen=True)
class AdapterPlugin:
    source: Path  # the folder the user gave
    folder: str  # its name: the folder under data/plugins/ and the module data.plugins.<folder>
    name: str  # metadata.yaml name (what AstrBot's plugin list shows), the folder when there is none
    version: str = ""
    entry: str = "main.py"
    requirements: Path | None = None
    adapter_types: tuple[str, ...] = ()
    needs_astrbot: str = ""  # the metadata's version requirement, verbatim ("" when it states none)
    metadata: dict = field(default_factory=dict, compare=False)

    def requirements_digest(self) -> str:
        """A key for the requirements layer cache: the requirement file's content."""
        text = self.requirements.read_text("utf-8") if self.requirements else ""
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class InvalidPlugin:
    """A folder handed over as an adapter plugin that is not one: kept so the runs it was meant for end ``blocked``
    with ``reason`` instead of the session stopping."""

    source: Path
    reason: str
    adapter_types: tuple[str, ...] = ()

    @property
    def folder(self) -> str:
        return self.source.name

    @property
    def name(self) -> str:
        return self.source.name


def _sources(folder: Path):
    for path in sorted(folder.rglob("*.py")):
        if not any(part in SKIP for part in path.relative_to(folder).parts):
            yield path


def registered_types(folder: Path) -> tuple[str, ...]:
    """Adapter types named in ``register_platform_adapter(...)`` calls anywhere in the plugin's Python source."""
    found: dict[str, None] = {}
    for path in _sources(folder):
        try:
            text = path.read_text("utf-8", "replace")
        except OSError:
            continue
        for m in _REGISTERS.finditer(text):
            found[m.group(1)] = None
    return tuple(found)


def inspect_plugin(path: str | Path) -> AdapterPlugin:
    """The plugin in ``path``; :class:`InputError` naming the folder and what is missing when it is not one."""
    folder = Path(path).expanduser()
    if not folder.exists():
        raise InputError("the adapter plugin folder does not exist", path=folder)
    if not folder.is_dir():
        raise InputError("an adapter plugin must be a folder (an AstrBot plugin: metadata.yaml and main.py)", path=folder)
    folder = folder.resolve()
    entry = next((n for n in ("main.py", f"{folder.name}.py") if (folder / n).is_file()), None)
    if entry is None:
        raise InputError(f"not an AstrBot plugin: no main.py (nor {folder.name}.py), so AstrBot would not load it",
                         path=folder, hint="point --adapter-plugin at the plugin's own folder (the one holding main.py)")
    meta: dict = {}
    meta_path = folder / "metadata.yaml"
    if meta_path.is_file():
        try:
            loaded = yaml.safe_load(meta_path.read_text("utf-8"))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            raise InputError(f"metadata.yaml is not valid YAML: {getattr(exc, 'problem', exc)}", path=meta_path,
                             line=mark.line + 1 if mark else None) from None
        if loaded is not None and not isinstance(loaded, dict):
            raise InputError("metadata.yaml must be a mapping (name, author, version, desc)", path=meta_path)
        meta = loaded or {}
    req = folder / "requirements.txt"
    needs = next((str(meta[k]) for k in VERSION_KEYS if meta.get(k)), "")
    return AdapterPlugin(source=folder, folder=folder.name, name=str(meta.get("name") or folder.name),
                         version=str(meta.get("version") or ""), entry=entry,
                         requirements=req if req.is_file() and req.read_text("utf-8").strip() else None,
                         adapter_types=registered_types(folder), needs_astrbot=needs, metadata=meta)
