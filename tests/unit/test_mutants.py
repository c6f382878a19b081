"""harness.mutants: a mutated module is served over the installed one, in a child interpreter, and the text to
replace must match exactly once (no framework needed: a throw-away package stands for the installed one)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.errors import InputError
from harness.mutants import Mutant, build_overlay, mutate

pytestmark = pytest.mark.unit


def _fake_env(tmp_path: Path) -> SimpleNamespace:
    site = tmp_path / "env" / "lib" / "python3.11" / "site-packages"
    (site / "demo_pkg").mkdir(parents=True)
    (site / "demo_pkg" / "__init__.py").write_text("")
    (site / "demo_pkg" / "conv.py").write_text("def convert(text):\n    return text\n")
    # a sitecustomize the overlay shadows: it must still run
    (site / "sitecustomize.py").write_text("import os\nos.environ['SHADOWED_RAN'] = '1'\n")
    return SimpleNamespace(env_dir=tmp_path / "env", site=site)


def test_the_mutated_module_is_served_and_the_shadowed_sitecustomize_still_runs(tmp_path):
    env = _fake_env(tmp_path)
    mutant = Mutant("strip", "demo_pkg.conv", "return text", "return text.strip()", ("receive:Plain",), "strips")
    overlay = build_overlay(env, mutant, tmp_path / "overlay")  # type: ignore[arg-type]
    code = ("import os, demo_pkg.conv as c; print(repr(c.convert('  a  ')), os.environ.get('SHADOWED_RAN'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": f"{overlay.folder}:{env.site}", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["'a'", "1"]
    assert (env.site / "demo_pkg" / "conv.py").read_text() == "def convert(text):\n    return text\n"  # untouched


def test_a_mutant_must_match_exactly_once(tmp_path):
    with pytest.raises(InputError, match="occurs 0 times"):
        mutate("x = 1\n", Mutant("m", "mod", "y = 2", "y = 3", (), ""))
    with pytest.raises(InputError, match="occurs 2 times"):
        mutate("x = 1\nx = 1\n", Mutant("m", "mod", "x = 1", "x = 2", (), ""))
    env = _fake_env(tmp_path)
    with pytest.raises(InputError, match="not in"):
        build_overlay(env, Mutant("m", "demo_pkg.missing", "a", "b", (), ""), tmp_path / "o")  # type: ignore[arg-type]
