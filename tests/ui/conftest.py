"""Fixtures for the web UI tests: the UI API over aiohttp's test client, and the shared headless chromium."""

from __future__ import annotations

import contextlib
from typing import Any, AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from acceptance_fixtures.webui import mount_ui
from tests.platforms.onebot_v11.onebot_helpers import onebot_pair


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


@pytest.fixture
def browser(browser_status):
    """The session's chromium (the plugin's ``browser_status``, harness/pytest_fixtures.py): skipped where none is installed, failed where it does not start."""
    if browser_status.broken:
        pytest.fail(f"chromium is installed but did not start: {browser_status.why}")
    if browser_status.browser is None:
        pytest.skip(f"no browser: {browser_status.why}")
    return browser_status.browser
