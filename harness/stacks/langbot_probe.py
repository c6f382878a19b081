"""Build the LangBot probe plugin (``probes/langbot``) into an installable ``.lbpkg``.

The probe runs inside LangBot's plugin runtime, where the harness is not installed. The build copies
the probe sources and the harness's standard-library evidence modules (``writer.py``,
``redact.py``) into a build folder, then runs the SDK's own ``lbp build`` there, so the probe writes
records with exactly the harness's writer and redaction while the source tree holds no copy. The
component registry (harness/data/components.yaml with the platforms' kinds) goes in as
``acceptance_probe/components.json``: the probe's component types and id fields come from it.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml

import harness
from harness.components import write_probe_registry
from harness.errors import StackError
from harness.frameworks.venv import clean_env

REPO_ROOT = Path(harness.__file__).resolve().parent.parent
PROBE_SOURCE = REPO_ROOT / "probes" / "langbot"
EVIDENCE_MODULES = ("writer.py", "redact.py")
LIB_PACKAGE = "acceptance_probe"


@dataclass(frozen=True)
class ProbeIdentity:
    author: str
    name: str
    version: str
    runner: str

    @property
    def component_ref(self) -> str:
        return f"plugin:{self.author}/{self.name}/{self.runner}"


def probe_identity(source: Path = PROBE_SOURCE) -> ProbeIdentity:
    manifest = yaml.safe_load((source / "manifest.yaml").read_text("utf-8"))
    meta = manifest["metadata"]
    runners = sorted((source / "components" / "runner").glob("*.yaml"))
    if not runners:
        raise StackError(f"probe at {source} has no Runner component")
    runner = yaml.safe_load(runners[0].read_text("utf-8"))["metadata"]["name"]
    return ProbeIdentity(meta["author"], meta["name"], str(meta["version"]), runner)


def build_probe(env_dir: Path, build_dir: Path, *, source: Path = PROBE_SOURCE, timeout: float = 120) -> Path:
    """Assemble the probe in ``build_dir`` and build it with the framework's ``lbp``; return the package."""
    if not (source / "manifest.yaml").exists():
        raise StackError(f"probe plugin sources not found at {source}")
    lbp = Path(env_dir) / "bin" / "lbp"
    if not lbp.exists():
        raise StackError(f"no lbp in {env_dir}/bin; is langbot-plugin installed in the framework environment?")
    if build_dir.exists():
        shutil.rmtree(build_dir)
    shutil.copytree(source, build_dir, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "dist", "*.lbpkg"))
    evidence_src = Path(harness.__file__).resolve().parent / "evidence"
    for module in EVIDENCE_MODULES:
        shutil.copy2(evidence_src / module, build_dir / LIB_PACKAGE / module)
    write_probe_registry(build_dir / LIB_PACKAGE)
    try:
        proc = subprocess.run([str(lbp), "build", "-o", "dist"], cwd=build_dir, env=clean_env(),
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StackError(f"lbp build timed out after {timeout:.0f}s in {build_dir}") from None
    packages = sorted((build_dir / "dist").glob("*.lbpkg"))
    if proc.returncode != 0 or not packages:
        raise StackError(f"lbp build failed ({proc.returncode}) in {build_dir}",
                         logs={"lbp build": (proc.stdout + proc.stderr)[-20000:]})
    return packages[-1]
