"""A plugin's declared requirements in a layer of their own, beside the framework's cached environment.

AstrBot installs a plugin's ``requirements.txt`` into its own environment when the plugin's import fails
(``PluginManager._check_plugin_dept_update``); that would change the cached environment every other run
shares. The harness therefore installs the plugin *without* its requirement file and puts what the file
asks for into a layer folder that goes on the framework's ``PYTHONPATH``:

1. ``pip install --dry-run --report`` in the framework's interpreter says which distributions the
   environment lacks (or has in a version the requirements exclude);
2. exactly those, pinned, are installed with ``--no-deps --target <layer>``. Anything already satisfied
   stays the environment's own, so the layer shadows nothing it does not have to.

Layers are cached by plugin folder, requirement file content and framework environment.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from harness.adapter_plugins.folder import AdapterPlugin
from harness.errors import StackError

LAYER_TIMEOUT = 900.0


class RequirementsError(StackError):
    """The plugin's requirements could not be resolved or installed (pip's own words in the message)."""


@dataclass(frozen=True)
class Layer:
    path: Path | None  # None: nothing to add to the path
    installed: tuple[str, ...] = ()  # "name==version" put in the layer

    def describe(self) -> str:
        return ", ".join(self.installed) if self.installed else "nothing (the environment satisfies them)"


def _pip(python: Path, args: list[str], timeout: float) -> subprocess.CompletedProcess:
    cmd = [str(python), "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RequirementsError(f"pip did not finish within {timeout:.0f}s: {' '.join(args[:3])} ...") from None


def _tail(proc: subprocess.CompletedProcess, chars: int = 2500) -> str:
    text = (proc.stderr or "") + (proc.stdout or "")
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines)[-chars:]


def ensure_layer(plugin: AdapterPlugin, python: Path, cache_root: Path, *,
                 progress: Callable[[str], None] = lambda _m: None, timeout: float = LAYER_TIMEOUT) -> Layer:
    """The requirements layer of ``plugin`` for the interpreter ``python`` (built once, then reused)."""
    if plugin.requirements is None:
        return Layer(None)
    env_key = Path(python).resolve().parent.parent.name
    dest = Path(cache_root) / f"{plugin.folder}-{plugin.requirements_digest()}-{env_key}"
    done = dest / ".acceptance-layer.json"
    if done.is_file():
        return Layer(dest, tuple(json.loads(done.read_text("utf-8"))["installed"]))
    progress(f"adapter plugin {plugin.folder}: resolving {plugin.requirements.name} against {env_key}")
    with tempfile.TemporaryDirectory(prefix="plugin-layer-") as tmp:
        report = Path(tmp) / "report.json"
        proc = _pip(python, ["install", "--dry-run", "--quiet", "--report", str(report), "-r", str(plugin.requirements)],
                    timeout)
        if proc.returncode != 0 or not report.is_file():
            raise RequirementsError(f"the requirements of adapter plugin {plugin.folder} ({plugin.requirements}) do not "
                                    f"resolve (pip exit {proc.returncode}):\n{_tail(proc)}")
        wanted = [f"{i['metadata']['name']}=={i['metadata']['version']}" for i in json.loads(report.read_text("utf-8")).get("install", [])]
        staging = Path(tmp) / "layer"
        staging.mkdir()
        if wanted:
            progress(f"adapter plugin {plugin.folder}: installing {', '.join(wanted)} into its layer")
            proc = _pip(python, ["install", "--quiet", "--no-deps", "--no-compile", "--target", str(staging), *wanted], timeout)
            if proc.returncode != 0:
                raise RequirementsError(f"the requirements of adapter plugin {plugin.folder} did not install "
                                        f"(pip exit {proc.returncode}):\n{_tail(proc)}")
        (staging / done.name).write_text(json.dumps({"installed": wanted, "requirements": plugin.requirements.read_text("utf-8")}), "utf-8")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.move(str(staging), str(dest))
    return Layer(dest, tuple(wanted))


def install_plugin_copy(plugin: AdapterPlugin, plugins_dir: Path) -> Path:
    """Copy the plugin into ``plugins_dir/<folder>`` without its requirement file (so AstrBot's own installer,
    which would change the shared environment, finds nothing to install); return the copy."""
    target = Path(plugins_dir) / plugin.folder
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(plugin.source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".git", "requirements.txt"))
    return target
