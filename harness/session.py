"""Per-run state shared by the pytest plugin and the CLI: ids, folders, writers, manifests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from harness.evidence import EvidenceWriter, FileSink
from harness.manifest import Manifest


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime())


@dataclass
class AcceptanceSession:
    """Everything one acceptance run needs. Manifests load lazily: unit tests never install a framework."""

    framework: str = "langbot"
    manifest_dir: Path | None = None
    adapters: list[str] = field(default_factory=list)
    run_id: str = field(default_factory=new_run_id)
    evidence_dir: Path = Path("runs")
    report_dir: Path = Path("reports")
    destructive: bool = False
    baseline_dir: Path | None = None
    _manifests: list[Manifest] | None = None
    _writers: dict[str, EvidenceWriter] = field(default_factory=dict)
    _secrets: set[str] = field(default_factory=set)
    logs: dict[str, dict[str, str]] = field(default_factory=dict)  # adapter -> log name -> text
    screenshots: dict[str, list[str]] = field(default_factory=dict)

    @property
    def spec(self):
        from harness.frameworks import FrameworkSpec

        return FrameworkSpec.parse(self.framework)

    def manifests(self) -> list[Manifest]:
        """The selected adapters' manifests (all adapters when none is selected)."""
        if self._manifests is None:
            from harness.frameworks.manifests import load_manifests
            from harness.manifest import select

            found, _ = load_manifests(self.framework, self.manifest_dir)
            self._manifests = select(found, self.adapters)
        return self._manifests

    def manifest(self, name: str) -> Manifest:
        from harness.manifest import select

        return select(self.manifests(), [name])[0]

    def add_secrets(self, *values: str) -> None:
        self._secrets.update(v for v in values if v)
        for w in self._writers.values():
            w.add_secrets(*values)

    def secrets(self) -> set[str]:
        """Every secret value registered for this run (tokens, keys, passwords): never written anywhere."""
        return set(self._secrets)

    def writer(self, name: str = "harness", producer: str = "harness") -> EvidenceWriter:
        """An evidence writer appending to ``<evidence-dir>/<name>.jsonl`` (one per name)."""
        key = f"{name}/{producer}"
        if key not in self._writers:
            spec = self.spec
            self._writers[key] = EvidenceWriter(FileSink(self.evidence_dir / f"{name}.jsonl"), run_id=self.run_id,
                                                framework=spec.name, framework_version=spec.version,
                                                producer=producer, secrets=self._secrets)
        return self._writers[key]

    def evidence_files(self) -> list[Path]:
        return sorted(self.evidence_dir.glob("*.jsonl")) if self.evidence_dir.is_dir() else []

    def close(self) -> None:
        for w in self._writers.values():
            w.close()
        self._writers.clear()

    def write_reports(self) -> Path | None:
        """Check all evidence of this run and write the reports; None when there is no evidence.

        Everything written is redacted, the run's known secret values included."""
        files = self.evidence_files()
        if not files:
            return None
        from harness.checker import check
        from harness.evidence.redact import Redactor
        from harness.report import write_reports

        result = check(self.manifests(), files, only_declared_adapters=True)
        for res in result.adapters:
            res.logs.update(self.logs.get(res.adapter, {}))
            res.screenshots += self.screenshots.get(res.adapter, [])
        self.last_result = result
        return write_reports(result, self.report_dir, self.run_id, redactor=Redactor(self._secrets, fingerprint_key=self.run_id))
