"""Install the AstrBot probe plugin (``probes/astrbot``) into an AstrBot root's ``data/plugins/``.

AstrBot loads plugins from ``data/plugins/<folder>/main.py`` at start (module path
``data.plugins.<folder>.main``), where the harness is not importable. The install copies the probe
sources, the framework-neutral probe modules of the LangBot probe (``config.py``, ``recorder.py``,
``jsonsafe.py``) and the harness's standard-library evidence modules (``writer.py``, ``redact.py``)
into the plugin folder's ``acceptance_probe`` package, so the probe writes records with exactly the
harness's writer and redaction while the source tree holds no copy. The component registry
(harness/data/components.yaml with the platforms' kinds) goes in as ``acceptance_probe/components.json``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

import harness
from harness.components import write_probe_registry
from harness.errors import StackError

REPO_ROOT = Path(harness.__file__).resolve().parent.parent
PROBE_SOURCE = REPO_ROOT / "probes" / "astrbot"
SHARED_PROBE_MODULES = (REPO_ROOT / "probes" / "langbot" / "acceptance_probe", ("config.py", "recorder.py", "jsonsafe.py", "media.py", "registry.py"))
EVIDENCE_MODULES = ("writer.py", "redact.py")
LIB_PACKAGE = "acceptance_probe"
#: The plugin's folder under data/plugins/ (also its config file name: data/config/<folder>_config.json).
PLUGIN_DIR = "astrbot_plugin_acceptance_probe"


@dataclass(frozen=True)
class ProbeIdentity:
    name: str  # metadata.yaml name: the plugin name the dashboard API uses
    author: str
    version: str
    folder: str = PLUGIN_DIR


def probe_identity(source: Path = PROBE_SOURCE) -> ProbeIdentity:
    meta = yaml.safe_load((source / "metadata.yaml").read_text("utf-8"))
    return ProbeIdentity(str(meta["name"]), str(meta.get("author", "")), str(meta.get("version", "")))


def install_probe(astrbot_root: Path, *, source: Path = PROBE_SOURCE) -> Path:
    """Assemble the probe into ``<root>/data/plugins/<PLUGIN_DIR>``; return that folder."""
    if not (source / "main.py").exists() or not (source / "metadata.yaml").exists():
        raise StackError(f"AstrBot probe plugin sources not found at {source}")
    target = Path(astrbot_root) / "data" / "plugins" / PLUGIN_DIR
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "README.md"))
    shared_dir, shared = SHARED_PROBE_MODULES
    for module in shared:
        shutil.copy2(shared_dir / module, target / LIB_PACKAGE / module)
    evidence_src = Path(harness.__file__).resolve().parent / "evidence"
    for module in EVIDENCE_MODULES:
        shutil.copy2(evidence_src / module, target / LIB_PACKAGE / module)
    write_probe_registry(target / LIB_PACKAGE)
    return target
