"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).parent / "unit" / "data"

pytest_plugins = ["pytester"]


@pytest.fixture
def demo_manifest_dir() -> Path:
    return DATA / "manifests"
