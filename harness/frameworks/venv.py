"""Cached virtual environments for the systems under test, one per framework version.

A framework never goes into the harness's own environment (LangBot alone pulls ~1.5 GB). The
environment is built once under the cache root, marked complete only after a successful install,
and reused by every later run; a lock file keeps two runs from building it at once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from harness.errors import StackError
from harness.frameworks.spec import FrameworkSpec

MARKER = ".acceptance-complete"
Progress = Callable[[str], None]


def _say(msg: str) -> None:
    print(f"[acceptance] {msg}", file=sys.stderr, flush=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _runs(python: str) -> bool:
    try:
        return subprocess.run([python, "-c", "pass"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _python_for(version: str) -> str:
    found = shutil.which(f"python{version}")
    if found and _runs(found):  # a pyenv shim for an inactive version is on PATH but does not run
        return found
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    # pyenv installs that are not activated: ~/.pyenv/versions/<version>.*/bin/python<version>
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for candidate in sorted(root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True):
        if _runs(str(candidate)):
            return str(candidate)
    raise StackError(f"Python {version} is needed to build this framework's environment, and python{version} is not on PATH")


def clean_env() -> dict[str, str]:
    """Environment for systems under test: no proxies (only 127.0.0.1 is reachable anyway)."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.setdefault("PYTHONUNBUFFERED", "1")
    return env


def ensure_env(spec: FrameworkSpec, progress: Progress = _say, timeout: float = 3600) -> Path:
    """Return the environment of ``spec``, installing the pinned release first if it is not cached."""
    if spec.env is not None:
        return spec.env
    env_dir = spec.env_dir
    if (env_dir / MARKER).exists():
        return env_dir
    with _locked(env_dir.with_name(env_dir.name + ".lock")):
        if (env_dir / MARKER).exists():
            return env_dir
        if env_dir.exists():
            progress(f"removing incomplete environment {env_dir}")
            shutil.rmtree(env_dir)
        python = _python_for(spec.python_version)
        progress(f"creating environment for {spec.requirement} at {env_dir} (Python {spec.python_version}); first time only, this takes several minutes")
        _run([python, "-m", "venv", str(env_dir)], timeout=300)
        pip = [str(env_dir / "bin" / "python"), "-m", "pip", "install", "--progress-bar", "off"]
        progress(f"installing {spec.requirement} (pip output follows)")
        _run(pip + [spec.requirement], timeout=timeout, stream=True)
        version = run_in_env(spec, f"import importlib.metadata as m; print(m.version({spec.info.package!r}))").strip()
        (env_dir / MARKER).write_text(json.dumps({"requirement": spec.requirement, "installed": version}))
        progress(f"{spec.requirement} ready in {env_dir}")
    return env_dir


def _run(cmd: list[str], timeout: float, stream: bool = False) -> None:
    try:
        proc = subprocess.run(cmd, env=clean_env(), timeout=timeout, text=True,
                              stdout=None if stream else subprocess.PIPE, stderr=subprocess.STDOUT)
    except subprocess.TimeoutExpired:
        raise StackError(f"timed out after {timeout:.0f}s: {' '.join(cmd)}") from None
    if proc.returncode != 0:
        raise StackError(f"command failed ({proc.returncode}): {' '.join(cmd)}", logs={"output": (proc.stdout or "")[-20000:]})


def run_in_env(spec: FrameworkSpec, code: str, *args: str, timeout: float = 300, cwd: str | None = None) -> str:
    """Run Python code inside the framework's own interpreter and return its stdout."""
    try:
        proc = subprocess.run([str(spec.python), "-c", code, *args], env=clean_env(), timeout=timeout,
                              capture_output=True, text=True, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise StackError(f"code inside {spec} timed out after {timeout:.0f}s") from None
    except FileNotFoundError:
        raise StackError(f"no interpreter at {spec.python}; is the environment installed?") from None
    if proc.returncode != 0:
        raise StackError(f"code inside {spec} failed ({proc.returncode})", logs={"stderr": proc.stderr[-20000:]})
    return proc.stdout
