"""Fixtures of the platform-kit tests: the fake platform registered for one test at a time."""

from __future__ import annotations

import pytest

from tests.platforms import fake_platform


@pytest.fixture
def fake_platform_registered():
    """The fake platform, registered in the process registry for the test's duration."""
    platform = fake_platform.register()
    try:
        yield platform
    finally:
        fake_platform.unregister()
