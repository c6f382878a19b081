"""The distribution a user installs carries everything a run needs: a wheel is built and read."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # from a clean copy: setuptools reuses a stale build/ folder, which would hide a packaging mistake
    src = tmp_path_factory.mktemp("src") / "tree"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "runs",
                                                             "reports", "__pycache__", "allure-results"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    (path,) = out.glob("adapter_acceptance-*.whl")
    return zipfile.ZipFile(path)


def test_every_source_file_of_the_packages_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    wanted = []
    for folder, installed in (("harness", "harness"), ("probes", "probes"), ("fixtures", "acceptance_fixtures")):
        for p in (ROOT / folder).rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc",) and p.name != "components.json":
                wanted.append(installed + "/" + p.relative_to(ROOT / folder).as_posix())
    missing = sorted(w for w in wanted if w not in names)
    assert missing == [], f"not installed: {missing[:20]}"
    assert not any(n.startswith("fixtures/") for n in names)  # installed as acceptance_fixtures only


def test_entry_points_register_the_plugin_cli_and_platforms(wheel):
    (ep,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(ep).decode()
    assert "[pytest11]" in text and "acceptance = harness.pytest_plugin" in text
    assert "[console_scripts]" in text and "acceptance = harness.cli:main" in text
    assert "[adapter_acceptance.platforms]" in text and "acceptance_fixtures.platforms." in text
