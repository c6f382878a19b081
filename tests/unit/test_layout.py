"""The installed layout: the fixtures/ folder is the import package ``acceptance_fixtures``, never ``fixtures``."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL_FIXTURES = re.compile(r"^\s*(from fixtures[\s.]|import fixtures\b)", re.MULTILINE)


def test_no_source_imports_the_folder_name():
    """Importing ``fixtures`` would work from the repo root only, and collide with PyPI's ``fixtures`` elsewhere."""
    offenders = [str(p.relative_to(ROOT)) for folder in ("harness", "fixtures", "probes", "tests", "bench")
                 for p in (ROOT / folder).rglob("*.py") if TOP_LEVEL_FIXTURES.search(p.read_text("utf-8"))]
    assert offenders == []


def test_installed_import_name_outside_the_repo(tmp_path):
    """From a folder that is not the repo, the simulator imports as acceptance_fixtures and `fixtures` is not ours."""
    code = ("import importlib.util, acceptance_fixtures.simulator.server as s; "
            "spec = importlib.util.find_spec('fixtures'); "
            "print(s.__name__, spec.origin if spec else None)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    name, origin = out.stdout.split()
    assert name == "acceptance_fixtures.simulator.server"
    assert origin == "None" or not origin.startswith(str(ROOT)), origin
