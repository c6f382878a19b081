"""The layer order (``.importlinter``) holds and no two modules import each other in a cycle."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]


def test_layer_contracts_are_kept(monkeypatch):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter")) == 0, "run `.venv/bin/lint-imports` for the broken contract"


def _cycles(graph, modules: set[str]) -> list[list[str]]:
    """Strongly connected groups (more than one member) of the import graph between ``modules``."""
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for m in sorted(modules):
        if m not in index:
            visit(m)
    return found


def test_no_import_cycles_between_modules():
    """Also within a layer: module A importing B while B imports A (even lazily, inside a function) is a cycle."""
    import grimp

    # imports under ``if TYPE_CHECKING:`` never run, so they cannot form a cycle at run time
    graph = grimp.build_graph("harness", "acceptance_fixtures", exclude_type_checking_imports=True)
    modules = {m for m in graph.modules if not m.endswith("__main__")}
    assert _cycles(graph, modules) == []
