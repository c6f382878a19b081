"""The session's egress plan: built from the selected runs before the stack starts, one loopback port per platform
that needs a redirect, nothing at all when no run does."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from harness.egress.runs import plan_for_runs
from harness.runs import RunSpec

pytestmark = pytest.mark.unit


class Profile:
    def __init__(self, name: str, hosts: dict[str, bool]) -> None:
        self.name, self.hosts = name, hosts

    def egress_hosts(self, framework: str, mode: str | None = None) -> dict[str, bool]:
        if mode == "nope":
            raise ValueError("not offered")
        return dict(self.hosts)


def test_plan_covers_only_the_runs_that_need_it(tmp_path) -> None:
    profiles = {"a": Profile("pa", {"api.a.example": True, "files.a.example": True}), "b": Profile("pb", {}),
                "c": Profile("pc", {"c.example": False})}
    runs = [RunSpec(SimpleNamespace(name=n), "m") for n in ("a", "b", "c", "a")] + [RunSpec(SimpleNamespace(name="x"), "m")]
    plan, ports = plan_for_runs(runs, "langbot", tmp_path / "egress", profiles.get)
    assert plan is not None and set(ports) == {"pa", "pc"} and ports["pa"] != ports["pc"]
    assert {h: (r.port, r.tls) for h, r in plan.hosts.items()} == {
        "api.a.example": (ports["pa"], True), "files.a.example": (ports["pa"], True), "c.example": (ports["pc"], False)}
    assert plan.label == "langbot"


def test_no_plan_without_a_redirect(tmp_path) -> None:
    profiles = {"b": Profile("pb", {}), "a": Profile("pa", {"api.a.example": True})}
    runs = [RunSpec(SimpleNamespace(name="b"), "m"), RunSpec(SimpleNamespace(name="a"), "nope")]
    assert plan_for_runs(runs, "astrbot", tmp_path / "egress", profiles.get) == (None, {})
