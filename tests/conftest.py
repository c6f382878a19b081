"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "unit" / "data"

pytest_plugins = ["pytester"]


@pytest.fixture
def demo_manifest_dir() -> Path:
    return DATA / "manifests"


# The session browser (``browser_status``, ``ui_browser``) and the full path's fixtures (``framework_stack``,
# ``adapter_runs``) come from the pytest plugin: harness/pytest_fixtures.py.


def pytest_terminal_summary(terminalreporter) -> None:
    """The hostile-input suite's counts (inputs tried, tracebacks, hangs, exit codes), when it ran."""
    import sys

    module = sys.modules.get("tests.unit.test_hostile_inputs")
    line = module.summary_line() if module is not None else None
    if line:
        terminalreporter.write_sep("-", "hostile inputs")
        terminalreporter.write_line(line)
