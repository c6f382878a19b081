"""Fixtures for the web UI tests: the UI API over aiohttp's test client, and the shared headless chromium."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from fixtures.webui import mount_ui
from tests.fixtures.onebot_helpers import onebot_pair


def ui_headers(sim: Any) -> dict[str, str]:
    """What the UI page sends with every mutating request."""
    return {"Origin": sim.base_url, "X-UI-Client": "webui"}


@contextlib.asynccontextmanager
async def ui_api() -> AsyncIterator[tuple[Any, Any, Any, TestClient]]:
    """A OneBot simulator connected to a fake adapter endpoint, and its UI routes behind aiohttp's test client."""
    async with onebot_pair() as (sim, endpoint, sink):
        app = web.Application(client_max_size=16 * 1024 * 1024)
        mount_ui(sim, app)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            yield sim, endpoint, sink, client


@pytest.fixture(scope="session")
async def browser():
    """Debian's chromium through Playwright, once per session (tests skip when there is none)."""
    from harness.ui import UIBrowser, browser_unavailable

    why = browser_unavailable()
    if why:
        pytest.skip(f"no browser: {why}")
    b = UIBrowser()
    await b.start()
    try:
        yield b
    finally:
        await b.stop()
