"""Egress plans: which host names a framework process reaches the simulators under, and the proof.

A platform binding points an adapter at its simulator with the adapter's own configuration keys
where they exist. Where the SDK has no such setting (an SDK that calls its
vendor's literal host name), it adds the host to
the run's :class:`EgressPlan`; the stack hands the plan to the framework process through
:meth:`EgressPlan.env` (the harness's start-up hook on ``PYTHONPATH`` plus ``ACCEPTANCE_EGRESS_PLAN``),
and after the run :meth:`EgressPlan.findings` turns what the hook logged into ``finding`` evidence,
one per redirected host and per lifted guard, naming the framework.

>>> plan = EgressPlan.build(run_dir / "egress", label="langbot")                 # doctest: +SKIP
>>> plan.redirect("api.example.test", simulator_port, tls=True)                   # doctest: +SKIP
>>> plan.lift_langbot_outbound_guard()                                            # doctest: +SKIP
>>> stack = LangBotStack(..., egress=plan)                                        # doctest: +SKIP
>>> server_ssl = plan.server_context()          # the simulator's aiohttp site     # doctest: +SKIP
>>> for f in plan.findings(): writer.write("finding", adapter=..., **f)          # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

from harness.egress.tls import RunTLS

PLAN_ENV = "ACCEPTANCE_EGRESS_PLAN"
HOOK_DIR = Path(__file__).resolve().parent / "hook"
LOG_FILE = "egress.jsonl"
PLAN_FILE = "plan.json"

#: LangBot 4.11.2's SSRF guard (refuses loopback/private media and webhook URLs, for some adapters also
#: every host but the vendor's). Two adapter libraries under ``langbot/libs/`` bind the name at import;
#: the release has no switch for it.
LANGBOT_OUTBOUND_GUARD = ("langbot.pkg.utils.outbound_url", "assert_safe_outbound_url")


@dataclass
class Route:
    """Where one mapped host name goes."""

    port: int
    tls: bool = False
    address: str = "127.0.0.1"

    def to_json(self) -> dict[str, Any]:
        return {"port": self.port, "tls": self.tls, "address": self.address}


@dataclass
class Guard:
    """A framework's outbound-URL guard, lifted for exactly the ``allow`` destinations (``host`` or ``host:port``)."""

    module: str
    function: str
    allow: list[str] = field(default_factory=list)
    on_allow: str = "return_first_arg"  # what the lifted guard returns for an allowed URL ("return_none")
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"module": self.module, "function": self.function, "allow": list(self.allow),
                "on_allow": self.on_allow, "reason": self.reason}


@dataclass
class EgressPlan:
    """One framework process tree's redirects and lifted guards; its files live in ``directory``."""

    directory: Path
    label: str = ""  # the framework, as findings name it ("langbot")
    hosts: dict[str, Route] = field(default_factory=dict)
    guards: list[Guard] = field(default_factory=list)
    tls: RunTLS | None = None

    @classmethod
    def build(cls, directory: str | Path, hosts: Mapping[str, int | Route | Mapping[str, Any]] | None = None, *,
              label: str = "", guards: Iterable[Guard] = (), tls: RunTLS | None = None) -> "EgressPlan":
        plan = cls(Path(directory).resolve(), label, {}, list(guards), tls)
        plan.directory.mkdir(parents=True, exist_ok=True)
        for name, route in (hosts or {}).items():
            if isinstance(route, int):
                route = Route(route)
            elif not isinstance(route, Route):
                route = Route(int(route["port"]), bool(route.get("tls", False)), str(route.get("address", "127.0.0.1")))
            plan.hosts[_norm(name)] = route
        return plan

    # ---- building
    def redirect(self, host: str, port: int, *, tls: bool = False) -> "EgressPlan":
        """Send every connection to ``host`` (exact name, any port) to 127.0.0.1:``port``."""
        self.hosts[_norm(host)] = Route(int(port), tls)
        if tls:
            self.tls = None  # a new name needs a new server certificate; made again on demand
        return self

    def lift_guard(self, module: str, function: str, allow: Iterable[str], *, reason: str = "",
                   on_allow: str = "return_first_arg") -> "EgressPlan":
        self.guards.append(Guard(module, function, list(allow), on_allow, reason))
        return self

    def lift_langbot_outbound_guard(self, allow: Iterable[str] = (), *, reason: str = "") -> "EgressPlan":
        """Let LangBot's SSRF guard pass the simulators: ``allow`` (``127.0.0.1:<port>``) plus every mapped host."""
        module, function = LANGBOT_OUTBOUND_GUARD
        allowed = list(dict.fromkeys([*allow, *self.hosts]))
        return self.lift_guard(module, function, allowed, reason=reason or "the simulators live on 127.0.0.1")

    # ---- TLS
    def tls_files(self) -> RunTLS | None:
        """The run's CA and server certificate for every TLS host (generated once, in ``directory/tls``)."""
        names = sorted(h for h, r in self.hosts.items() if r.tls)
        if not names:
            return self.tls
        if self.tls is None or not set(names) <= set(self.tls.hosts):
            self.tls = RunTLS.create(self.directory / "tls", names)
        return self.tls

    def server_context(self):
        """The ``ssl.SSLContext`` a simulator serves its TLS hosts with."""
        tls = self.tls_files()
        if tls is None:
            raise ValueError("the plan has no TLS host")
        return tls.server_context()

    # ---- handing it to a process
    @property
    def log_path(self) -> Path:
        return self.directory / LOG_FILE

    def to_json(self) -> dict[str, Any]:
        tls = self.tls_files()
        data: dict[str, Any] = {
            "hosts": {name: route.to_json() for name, route in sorted(self.hosts.items())},
            "guards": [g.to_json() for g in self.guards],
            "log": str(self.log_path),
            "label": self.label,
            "state_dir": str(self.directory),
        }
        if tls is not None:
            data["ca_file"] = str(tls.ca_file)
            data["ca_bundle"] = str(tls.ca_bundle)
        return data

    def write(self) -> Path:
        """Write ``plan.json`` (the record of what the process was given) and return its path."""
        path = self.directory / PLAN_FILE
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """The additions to a process environment ``base``: the hook first on ``PYTHONPATH``, the plan variable."""
        self.write()
        existing = (base or {}).get("PYTHONPATH", "")
        parts = [str(HOOK_DIR)] + [p for p in existing.split(os.pathsep) if p and p != str(HOOK_DIR)]
        return {"PYTHONPATH": os.pathsep.join(parts), PLAN_ENV: json.dumps(self.to_json(), sort_keys=True)}

    # ---- reading back
    def read_log(self) -> list[dict[str, Any]]:
        return read_log(self.log_path)

    def findings(self, framework: str | None = None) -> list[dict[str, Any]]:
        """``finding`` fields (``message``, ``egress``) for every redirect and lifted guard the hook logged."""
        return findings(self.log_path, framework or self.label)


def _norm(host: str) -> str:
    return host.lower().rstrip(".")


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """The hook's log lines (a torn or foreign line is skipped)."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return []
    out = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and isinstance(entry.get("kind"), str):
            out.append(entry)
    return out


def findings(path: str | Path, framework: str = "") -> list[dict[str, Any]]:
    """One finding per redirected host, per lifted guard and per destination a guard let through.

    Messages read ``egress redirect: api.example.test -> 127.0.0.1:45123 (TLS, harness CA) in langbot``
    and ``guard lifted: langbot.pkg.utils.outbound_url.assert_safe_outbound_url (allows ...) in langbot``.
    """
    seen: set[tuple] = set()
    out: list[dict[str, Any]] = []
    for entry in read_log(path):
        where = framework or entry.get("label") or "the framework"
        kind = entry["kind"]
        if kind == "redirect":
            key = (kind, entry.get("host"))
            how = "TLS, harness CA" if entry.get("tls") else "plain"
            message = (f"egress redirect: {entry.get('host')} -> {entry.get('address', '127.0.0.1')}:{entry.get('port')}"
                       f" ({how}) in {where}")
        elif kind == "guard":
            key = (kind, entry.get("guard"))
            allow = ", ".join(entry.get("allow") or []) or "nothing"
            message = f"guard lifted: {entry.get('guard')} (allows {allow}) in {where}"
        elif kind == "guard_used":
            dest = entry.get("host") + (f":{entry['port']}" if entry.get("port") else "")
            key = (kind, entry.get("guard"), dest)
            message = f"guard lifted: {entry.get('guard')} let {dest} through in {where}"
        elif kind == "error":
            key = (kind, entry.get("module"), entry.get("error"))
            message = f"egress hook could not patch {entry.get('module')}: {entry.get('error')} in {where}"
        else:
            continue
        if key in seen:
            continue
        seen.add(key)
        out.append({"message": message, "egress": {k: v for k, v in entry.items() if k != "label"}})
    return out
