"""The egress plan of a session: which selected runs need a platform's real host names sent to their simulator.

A framework's processes read the plan once, at start-up, and a session starts its stack once, so the plan is
built from every selected run before the stack starts: one loopback port per platform that needs a redirect
(its simulator listens there with the plan's certificate; several runs of one platform run one after the
other and reuse it).
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any, Callable, Iterable

from harness.egress.plan import EgressPlan


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def plan_for_runs(runs: Iterable[Any], framework: str, directory: str | Path,
                  profile_for: Callable[[str], Any]) -> tuple[EgressPlan | None, dict[str, int]]:
    """``(plan, ports)`` for ``runs`` (``harness.runs.RunSpec``): the plan, or None when no run needs one, and
    the loopback port each platform's simulator must serve its redirected hosts on, by platform name."""
    plan: EgressPlan | None = None
    ports: dict[str, int] = {}
    for run in runs:
        profile = profile_for(run.manifest.name)
        if profile is None or not hasattr(profile, "egress_hosts"):
            continue
        try:
            hosts = profile.egress_hosts(framework, run.mode)
        except (NotImplementedError, ValueError):  # no binding or mode: the run itself says so
            continue
        if not hosts:
            continue
        plan = plan or EgressPlan.build(directory, label=framework)
        port = ports.setdefault(profile.name, _free_port())
        for host, tls in sorted(hosts.items()):
            plan.redirect(host, port, tls=tls)
    return plan, ports


__all__ = ["plan_for_runs"]
