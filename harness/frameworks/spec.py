"""Framework specifications: ``langbot==4.11.2``, ``langbot`` (the pinned default) or ``langbot@/path/to/venv``."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError


@dataclass(frozen=True)
class FrameworkInfo:
    name: str
    package: str
    pinned: str
    python: str
    #: Folder of adapter manifests inside the installed package, relative to site-packages.
    manifest_subdir: str | None
    #: True for frameworks without adapter manifests: each registered platform's binding for the
    #: framework supplies a harness-side declaration (``Platform.declaration(framework)``).
    declarations: bool = False
    #: Releases that need another Python than ``python``: ``(first_version, python)`` pairs, ascending.
    python_from: tuple[tuple[str, str], ...] = ()

    def python_for(self, version: str) -> str:
        """The Python version a release of this framework installs on."""
        chosen = self.python
        for first, python in self.python_from:
            if _version_key(version) >= _version_key(first):
                chosen = python
        return chosen


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version.split("+")[0])[:4])


FRAMEWORKS: dict[str, FrameworkInfo] = {
    "langbot": FrameworkInfo("langbot", "langbot", "4.11.2", "3.11", "langbot/pkg/platform/adapters"),
    # 4.14.6 is the last release on Python 3.11; later ones need 3.12 (e.g. astrbot==4.28.2).
    "astrbot": FrameworkInfo("astrbot", "astrbot", "4.14.6", "3.11", None, declarations=True,
                             python_from=(("4.15", "3.12"),)),
}

_SPEC = re.compile(r"^(?P<name>[a-z][a-z0-9_-]*)(?:==(?P<version>[0-9][0-9A-Za-z.+-]*)|@(?P<env>.+))?$")


def cache_root() -> Path:
    """Where framework environments are cached: ``$ACCEPTANCE_CACHE`` or ``~/.cache/adapter-acceptance``."""
    return Path(os.environ.get("ACCEPTANCE_CACHE") or Path.home() / ".cache" / "adapter-acceptance")


@dataclass(frozen=True)
class FrameworkSpec:
    info: FrameworkInfo
    version: str
    env: Path | None = None  # an existing environment given by the user

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def requirement(self) -> str:
        return f"{self.info.package}=={self.version}"

    @property
    def python_version(self) -> str:
        return self.info.python_for(self.version) if self.env is None else self.info.python

    @property
    def env_dir(self) -> Path:
        return self.env or cache_root() / "venvs" / f"{self.name}-{self.version}-py{self.python_version}"

    @property
    def python(self) -> Path:
        return self.env_dir / "bin" / "python"

    def __str__(self) -> str:
        return f"{self.name}@{self.env}" if self.env else f"{self.name}=={self.version}"

    @classmethod
    def parse(cls, text: str) -> "FrameworkSpec":
        m = _SPEC.match(text.strip())
        if not m or m.group("name") not in FRAMEWORKS:
            known = ", ".join(f"{n}=={f.pinned}" for n, f in FRAMEWORKS.items())
            raise InputError(f"unknown framework {text!r}; expected NAME, NAME==VERSION or NAME@/path/to/venv ({known})",
                             field="--framework")
        info = FRAMEWORKS[m.group("name")]
        if m.group("env"):
            env = Path(m.group("env")).expanduser().resolve()
            if not (env / "bin" / "python").exists():
                raise InputError("not a virtual environment (no bin/python)", path=env, field="--framework")
            return cls(info, "env", env)
        return cls(info, m.group("version") or info.pinned)
