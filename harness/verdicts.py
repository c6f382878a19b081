"""The verdict model: plain data produced by the checker and consumed by every report renderer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.levels import Level, Status


@dataclass
class Verdict:
    kind: str
    name: str
    declared: bool
    level: Level | None = None
    status: Status = Status.UNTESTED
    reason: str = ""
    #: ``file:line`` references of the evidence records that prove (or disprove) this verdict.
    evidence: list[str] = field(default_factory=list)
    #: Extra facts: outbound visibility (received/rendered), fidelity messages, screenshots.
    detail: dict[str, Any] = field(default_factory=dict)
    assertion: str = ""

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["id"] = self.id
        data["level"] = self.level.value if self.level else None
        data["status"] = self.status.value
        return data


@dataclass
class AdapterResult:
    adapter: str
    framework: str = ""
    framework_version: str = ""
    run_ids: list[str] = field(default_factory=list)
    simulator: str = ""
    manifest_path: str | None = None
    started: str | None = None
    ended: str | None = None
    status: Status = Status.UNTESTED
    status_reason: str = ""
    verdicts: list[Verdict] = field(default_factory=list)
    findings: list[tuple[str, str]] = field(default_factory=list)  # (evidence ref, message)
    evidence_files: list[str] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    screenshots: list[str] = field(default_factory=list)
    #: event type -> how its platform events reached the plugin (harness.delivery.Delivery.to_dict())
    deliveries: dict[str, dict[str, int]] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in self.verdicts:
            out[v.status.value] = out.get(v.status.value, 0) + 1
        return out

    def by_kind(self, kind: str) -> list[Verdict]:
        return [v for v in self.verdicts if v.kind == kind]

    def verdict(self, capability_id: str) -> Verdict | None:
        return next((v for v in self.verdicts if v.id == capability_id), None)


@dataclass
class CheckResult:
    adapters: list[AdapterResult]
    problems: list[str] = field(default_factory=list)  # bad evidence lines, manifest problems
    records: int = 0
    files: list[str] = field(default_factory=list)

    def adapter(self, name: str) -> AdapterResult | None:
        return next((a for a in self.adapters if a.adapter == name), None)


def adapter_from_dict(data: dict[str, Any]) -> AdapterResult:
    """Rebuild an :class:`AdapterResult` from a per-adapter JSON report."""
    verdicts = [
        Verdict(kind=c["kind"], name=c["id"].partition(":")[2], declared=c["declared"],
                level=Level(c["level"]) if c.get("level") else None, status=Status(c["status"]),
                reason=c.get("reason", ""), evidence=list(c.get("evidence") or []), detail=dict(c.get("detail") or {}),
                assertion=c.get("assertion", ""))
        for c in data.get("capabilities", [])
    ]
    return AdapterResult(adapter=data["adapter"], framework=data.get("framework", ""),
                         framework_version=data.get("framework_version", ""), run_ids=list(data.get("run_ids") or []),
                         simulator=data.get("simulator", ""), manifest_path=data.get("manifest"),
                         started=data.get("started"), ended=data.get("ended"),
                         status=Status(data.get("status", "untested")), status_reason=data.get("status_reason", ""),
                         verdicts=verdicts, findings=[(f["evidence"], f["message"]) for f in data.get("findings", [])],
                         evidence_files=list(data.get("evidence_files") or []),
                         deliveries=dict(data.get("deliveries") or {}))
