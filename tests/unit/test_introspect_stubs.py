"""The in-framework introspection tells an override that only refuses (a docstring, the import of its exception and a
``raise``) from one that implements the API, so a refusing stub is not reported as an undeclared API."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

SCRIPT = Path(__file__).resolve().parents[2] / "harness" / "frameworks" / "inside" / "langbot_introspect.py"


def _only_raises():
    spec = importlib.util.spec_from_file_location("langbot_introspect_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module._only_raises


class Adapter:
    async def refuses_plainly(self, data: bytes) -> str:
        raise NotImplementedError("upload_file")

    async def refuses_after_importing(self, data: bytes, name: str) -> str:
        """A platform with no standalone upload."""
        from builtins import NotImplementedError as NotSupported

        raise NotSupported("upload_file")

    async def implements(self, data: bytes) -> str:
        import hashlib

        return hashlib.sha256(data).hexdigest()

    async def implements_then_raises(self, data: bytes) -> str:
        if not data:
            raise ValueError("empty")
        return "ok"


def test_refusing_stubs_and_implementations() -> None:
    only_raises = _only_raises()
    assert only_raises(Adapter.refuses_plainly) is True
    assert only_raises(Adapter.refuses_after_importing) is True
    assert only_raises(Adapter.implements) is False
    assert only_raises(Adapter.implements_then_raises) is False
