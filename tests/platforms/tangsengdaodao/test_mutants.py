"""Each named mutant of the reference TangSengDaoDao adapter applies (its target text exists) and changes the plugin;
an unknown mutant or a missing target raises."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PLUGINS = Path(__file__).resolve().parents[3] / "fixtures" / "adapter_plugins"
spec = importlib.util.spec_from_file_location("mutants_tangsengdaodao", PLUGINS / "mutants_tangsengdaodao.py")
assert spec and spec.loader
mutants = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mutants)
SRC = PLUGINS / "reference_tangsengdaodao"


@pytest.mark.parametrize("name", sorted(mutants.MUTANTS))
def test_mutant_applies_and_changes_its_file(name: str, tmp_path: Path) -> None:
    out = mutants.mutate_tangsengdaodao(SRC, tmp_path / "p", name)
    changed = mutants.MUTANTS[name][0]
    assert not filecmp.cmp(SRC / changed, out / changed, shallow=False)
    compile((out / changed).read_text("utf-8"), changed, "exec")


def test_unknown_mutant_and_missing_target_raise(tmp_path: Path) -> None:
    with pytest.raises(KeyError):
        mutants.mutate_tangsengdaodao(SRC, tmp_path / "p", "nope")
    broken = tmp_path / "src"
    mutants.mutate_tangsengdaodao(SRC, broken, "never_ack")  # a copy whose ack line is gone
    with pytest.raises(ValueError):
        mutants.mutate_tangsengdaodao(broken, tmp_path / "q", "never_ack")
