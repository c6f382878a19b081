"""The kit's layout: generic modules name no platform, each registered platform lives in one folder."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from acceptance_fixtures.platforms import registry

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_WORDS = re.compile(r"onebot|aiocqhttp|post_type|\bqq\b|cqhttp", re.IGNORECASE)
#: The platform kit's own generic modules (the rest of the generic code is checked by the count in the issue).
GENERIC = [
    "fixtures/platforms/__init__.py", "fixtures/platforms/base.py", "fixtures/platforms/discovery.py",
    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures" / "simulator").glob("*.py")),
    "harness/adapter_live/targets.py", "harness/frameworks/manifests.py", "harness/frameworks/spec.py",
]


def test_generic_modules_name_no_platform() -> None:
    hits = [f"{f}:{i}: {line.strip()}" for f in GENERIC
            for i, line in enumerate((ROOT / f).read_text("utf-8").splitlines(), 1) if PLATFORM_WORDS.search(line)]
    assert hits == []


def test_each_platform_is_one_folder_under_platforms() -> None:
    for name, platform in registry().items():
        module = type(platform).__module__
        assert module.startswith("acceptance_fixtures.platforms."), (name, module)
        folder = Path(sys.modules[module].__file__).resolve().parent
        assert folder.parent == ROOT / "fixtures" / "platforms", (name, folder)
        for fw in platform.frameworks():
            path = platform.declaration(fw)
            assert path is None or folder in Path(path).resolve().parents, (name, fw, path)
        if platform.params_file() is not None:
            assert folder in platform.params_file().resolve().parents, name
    assert not (ROOT / "harness" / "data" / "declarations").exists()
