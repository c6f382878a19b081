"""Shared test helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "unit" / "data"

pytest_plugins = ["pytester"]


@pytest.fixture
def demo_manifest_dir() -> Path:
    return DATA / "manifests"


@dataclass
class BrowserStatus:
    browser: Any  # a started harness.ui.UIBrowser, or None
    why: str = ""  # why there is none
    broken: bool = False  # chromium and Playwright are there, but the browser did not start: a failure, not a skip


@pytest.fixture(scope="session")
async def browser_status(request: pytest.FixtureRequest):
    """Debian's chromium driven by Playwright, started once for the whole session (the UI phase of the
    acceptance runs, the UI page tests, the report checks)."""
    from harness.ui import BrowserError, UIBrowser, browser_unavailable

    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    status = BrowserStatus(None, browser_unavailable() or "")
    if not status.why:
        browser = UIBrowser()
        try:
            await browser.start()
            status.browser = browser
        except BrowserError as exc:
            status.why, status.broken = str(exc), True
    if status.browser is None:
        if reporter is not None:
            reporter.write_line(f"[acceptance] no browser, the UI phase and the browser tests do not run: {status.why}")
        yield status
        return
    try:
        yield status
    finally:
        await status.browser.stop()


@pytest.fixture(scope="session")
def ui_browser(browser_status: BrowserStatus):
    """The session's started browser, or None (the acceptance run then records that its UI phase did not run)."""
    return browser_status.browser


def pytest_terminal_summary(terminalreporter) -> None:
    """The hostile-input suite's counts (inputs tried, tracebacks, hangs, exit codes), when it ran."""
    import sys

    module = sys.modules.get("tests.unit.test_hostile_inputs")
    line = module.summary_line() if module is not None else None
    if line:
        terminalreporter.write_sep("-", "hostile inputs")
        terminalreporter.write_line(line)
