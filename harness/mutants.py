"""Seeded defects: a mutated copy of one module of a framework's environment, loaded over the original.

The sensitivity suite proves that a wrong adapter cannot earn ``accepted``: each :class:`Mutant` changes
one spot of the adapter's source (a text replacement that must match exactly once), and the run that
loads it must turn the mutant's target capabilities red. The cached environment is never touched: the
mutated file lives in an overlay folder whose ``sitecustomize.py`` (on the process's ``PYTHONPATH``) puts
a finder first on ``sys.meta_path`` that serves the mutated module instead of the installed one.

    overlay = build_overlay(spec, mutant, tmp / "overlay")
    run = AdapterLiveRun(session, manifest, env=overlay.env)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import InputError
from harness.frameworks import FrameworkSpec


@dataclass(frozen=True)
class Mutant:
    """One seeded defect: in ``module``, ``old`` (exactly once) becomes ``new``; ``targets`` must turn red."""

    name: str
    module: str
    old: str
    new: str
    targets: tuple[str, ...]
    what: str


@dataclass(frozen=True)
class Overlay:
    folder: Path  # holds sitecustomize.py and mutated/<module>.py

    @property
    def env(self) -> dict[str, str]:
        return {"PYTHONPATH": str(self.folder)}


_FINDER = '''"""Written by harness.mutants: serves mutated modules instead of the installed ones (sensitivity suite),
then runs the ``sitecustomize`` this file shadows, if any (as ``site`` would have: the egress hook chains the same way)."""
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys

MUTATED = {mapping}
_HERE = os.path.dirname(os.path.abspath(__file__))


class _MutantFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        origin = MUTATED.get(name)
        return importlib.util.spec_from_file_location(name, origin) if origin else None


sys.meta_path.insert(0, _MutantFinder())


def _chain_shadowed():
    def elsewhere(entry):
        try:
            return not os.path.samefile(entry or os.getcwd(), _HERE)
        except OSError:
            return True

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", [p for p in sys.path if elsewhere(p)])
    if spec is not None and spec.loader is not None:
        module = importlib.util.module_from_spec(spec)
        sys.modules["_acceptance_mutant_shadowed_sitecustomize"] = module
        spec.loader.exec_module(module)


_chain_shadowed()
'''


def module_file(spec: FrameworkSpec, module: str) -> Path:
    """The source file of ``module`` in the framework's environment (found on disk, not imported)."""
    rel = Path(*module.split("."))
    for site in sorted(spec.env_dir.glob("lib/python*/site-packages")):
        for candidate in (site / rel.with_suffix(".py"), site / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
    raise InputError(f"module {module} is not in {spec.env_dir} (is the framework environment installed?)")


def mutate(source: str, mutant: Mutant) -> str:
    count = source.count(mutant.old)
    if count != 1:
        raise InputError(f"mutant {mutant.name}: the text to replace occurs {count} times in {mutant.module} "
                         "(exactly once expected; the framework's source changed?)")
    return source.replace(mutant.old, mutant.new)


def build_overlay(spec: FrameworkSpec, mutant: Mutant, folder: Path) -> Overlay:
    original = module_file(spec, mutant.module)
    folder.mkdir(parents=True, exist_ok=True)
    mutated = folder / "mutated" / f"{mutant.module.replace('.', '_')}.py"
    mutated.parent.mkdir(parents=True, exist_ok=True)
    mutated.write_text(mutate(original.read_text("utf-8"), mutant), "utf-8")
    (folder / "sitecustomize.py").write_text(_FINDER.format(mapping=json.dumps({mutant.module: str(mutated)})), "utf-8")
    return Overlay(folder)
