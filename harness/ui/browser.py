"""The real browser the harness drives: Debian's chromium through Playwright (never Playwright's own download).

``browser_unavailable()`` says why no browser can be used (None when one can); ``UIBrowser`` launches
one headless chromium per session and hands out isolated pages.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

from harness.errors import HarnessError

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
)
LAUNCH_TIMEOUT = 30.0
ACTION_TIMEOUT = 8.0
CLOSE_TIMEOUT = 10.0
VIEWPORT = {"width": 1280, "height": 900}


class BrowserError(HarnessError):
    """The browser could not be started or driven."""

    exit_code = 3


def chromium_path() -> str | None:
    env = os.environ.get("ACCEPTANCE_CHROMIUM")
    for candidate in (env, CHROMIUM, shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def browser_unavailable() -> str | None:
    """Why the UI phase cannot run here, or None when it can."""
    if os.environ.get("ACCEPTANCE_NO_UI"):
        return "ACCEPTANCE_NO_UI is set"
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install 'adapter-acceptance[ui]')"
    if chromium_path() is None:
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


class UIBrowser:
    """One headless chromium, started once and shared; ``new_page()`` gives each user an isolated context."""

    def __init__(self, *, executable_path: str | None = None, action_timeout: float = ACTION_TIMEOUT) -> None:
        self.executable_path = executable_path or chromium_path() or CHROMIUM
        self.action_timeout = action_timeout
        self._pw: Any = None
        self.browser: Any = None
        self._contexts: list[Any] = []

    async def start(self) -> "UIBrowser":
        from playwright.async_api import async_playwright

        try:
            self._pw = await asyncio.wait_for(async_playwright().start(), LAUNCH_TIMEOUT)
            self.browser = await self._pw.chromium.launch(
                executable_path=self.executable_path, args=list(CHROMIUM_ARGS), headless=True,
                timeout=LAUNCH_TIMEOUT * 1000)
        except Exception as exc:
            await self.stop()
            raise BrowserError(f"chromium did not start ({self.executable_path}): {exc}") from None
        return self

    async def stop(self) -> None:
        for ctx in self._contexts:
            await _quietly(ctx.close())
        self._contexts.clear()
        if self.browser is not None:
            await _quietly(self.browser.close())
            self.browser = None
        if self._pw is not None:
            await _quietly(self._pw.stop())
            self._pw = None

    async def __aenter__(self) -> "UIBrowser":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def new_page(self) -> Any:
        """A page in a fresh context (no shared cookies/storage), with every wait bounded."""
        if self.browser is None:
            raise BrowserError("the browser is not started")
        ctx = await self.browser.new_context(viewport=VIEWPORT, accept_downloads=False, service_workers="block")
        ctx.set_default_timeout(self.action_timeout * 1000)
        ctx.set_default_navigation_timeout(self.action_timeout * 1000)
        self._contexts.append(ctx)
        return await ctx.new_page()

    async def close_page(self, page: Any) -> None:
        ctx = page.context
        await _quietly(ctx.close())
        if ctx in self._contexts:
            self._contexts.remove(ctx)


async def _quietly(closing: Any, timeout: float = CLOSE_TIMEOUT) -> None:
    """Await a close/stop step, bounded; a browser that is already gone or hangs must not stop the teardown."""
    try:
        await asyncio.wait_for(closing, timeout)
    except Exception:  # TimeoutError included: a browser that does not close in time is abandoned
        pass
