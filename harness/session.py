"""Per-run state shared by the pytest plugin and the CLI: ids, folders, writers, manifests."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from harness.errors import HarnessError
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
    #: ``--mode``: only these transport modes (default: every mode the platform offers on the framework)
    modes: list[str] = field(default_factory=list)
    #: ``--adapter-plugin``: third-party adapter plugin folders (AstrBot plugins) under test
    adapter_plugins: list[Path] = field(default_factory=list)
    #: ``--declaration``: the user's own declarations, replacing the harness's of the same adapter name
    declarations: list[Path] = field(default_factory=list)
    _manifests: list[Manifest] | None = None
    _plugins: list | None = None
    _writers: dict[str, EvidenceWriter] = field(default_factory=dict)
    _secrets: set[str] = field(default_factory=set)
    logs: dict[str, dict[str, str]] = field(default_factory=dict)  # run name -> log name -> text
    screenshots: dict[str, list[str]] = field(default_factory=dict)  # run name -> screenshot paths
    #: ``acceptance_fixtures.platforms.profile_for`` (set by the pytest plugin; the session sits below the platforms)
    profile_for: Callable[[str], Any] | None = None
    #: ``harness.contract.model.contract_for`` and ``harness.contract.run.plugin_adapters_of_type`` (set by the
    #: pytest plugin, like ``profile_for``): which published contract or simulated platform serves an adapter type
    contract_for: Callable[[str], Any] | None = None
    plugin_adapters_of_type: Callable[[str, str], list[str]] | None = None
    _runs: list | None = None
    run_notes: dict[str, str] = field(default_factory=dict)  # manifest name -> which modes run (or why none)

    @property
    def spec(self):
        from harness.frameworks import FrameworkSpec

        return FrameworkSpec.parse(self.framework)

    def plugins(self) -> list:
        """The ``--adapter-plugin`` folders, inspected (``harness.adapter_plugins.AdapterPlugin``); a folder that is not
        a plugin is an ``InvalidPlugin`` with the reason."""
        if self._plugins is None:
            from harness.adapter_plugins import InvalidPlugin, inspect_plugin
            from harness.errors import InputError

            self._plugins = []
            for path in self.adapter_plugins:
                try:
                    self._plugins.append(inspect_plugin(path))
                except InputError as exc:  # its runs end blocked with this reason
                    self._plugins.append(InvalidPlugin(Path(path), str(exc)))
        return self._plugins

    def selectors(self) -> tuple[list[str], list[str]]:
        """(adapter selectors, contract names) chosen by ``--adapter``; with adapter plugins and no ``--adapter``:
        what serves the adapter types the plugins register."""
        from harness.runs import manifest_name

        contract_for = self.contract_for or (lambda _name: None)
        if self.adapters:
            contracts = [a for a in self.adapters if contract_for(manifest_name(a)) is not None]
            return [a for a in self.adapters if a not in contracts], contracts
        if not self.adapter_plugins:
            return [], []
        adapters, contracts = [], []
        types = {t for p in self.plugins() for t in p.adapter_types}
        for t in sorted(types):
            c = contract_for(t)
            if c is not None:
                contracts.append(c.name)
            elif self.plugin_adapters_of_type is not None:
                adapters += self.plugin_adapters_of_type(t, self.spec.name)
        if not adapters and not contracts:
            bad = "; ".join(p.reason for p in self.plugins() if hasattr(p, "reason"))
            if bad:
                raise HarnessError(f"{bad}\n  (name the adapter it was meant for with --adapter NAME to get its runs blocked with this reason)")
            raise HarnessError(f"the adapter plugins register adapter types {sorted(types) or 'none (found no register_platform_adapter call)'}"
                               "; no simulated platform or published contract serves them: select one with --adapter NAME")
        return adapters, contracts

    def manifests(self) -> list[Manifest]:
        """The selected adapters' manifests (all adapters when none is selected)."""
        if self._manifests is None:
            from harness.frameworks.manifests import load_manifests
            from harness.manifest import parse_manifests, select

            from harness.runs import manifest_name

            selectors, contracts = self.selectors()
            if not selectors and (contracts or self.adapter_plugins):
                self._manifests = []
                return self._manifests
            found, _ = load_manifests(self.framework, self.manifest_dir)
            if self.declarations:
                own = {m.name: m for m in parse_manifests(self.declarations)}
                found = [own.pop(m.name, m) for m in found] + list(own.values())
            chosen = select(found, list(dict.fromkeys(manifest_name(a) for a in selectors)))
            self._manifests = list({m.name: m for m in chosen}.values())
        return self._manifests

    def runs(self):
        """The selected runs (``harness.runs.RunSpec``: manifest x transport mode), default mode first.

        ``--adapter <adapter>`` selects every mode the platform offers on the framework,
        ``--adapter <adapter>@<mode>`` that one; a mode the framework's binding lacks has no run
        (``run_notes`` says so)."""
        if self._runs is None:
            from harness.runs import select_runs

            if self.profile_for is None:
                raise HarnessError("the session has no platform registry to read transport modes from (profile_for)")
            self._runs, self.run_notes = select_runs(self.manifests(), self.spec.name, list(self.adapters), list(self.modes),
                                                     self.profile_for)
        return self._runs

    def run(self, name: str):
        """The selected run named ``name`` (``adapter@mode``)."""
        for r in self.runs():
            if r.name == name:
                return r
        raise KeyError(name)

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

        selected = [r.name for r in self._runs] if self._runs is not None else None
        result = check(self.manifests(), files, only_declared_adapters=True, runs=selected)
        if selected is not None:  # the selected runs, each with its report (a run with no evidence: untested)
            result.adapters = [a for a in result.adapters if a.adapter in selected] or result.adapters
        for res in result.adapters:
            res.logs.update(self.logs.get(res.adapter, {}))
            res.screenshots += self.screenshots.get(res.adapter, [])
        self.last_result = result
        return write_reports(result, self.report_dir, self.run_id, redactor=Redactor(self._secrets, fingerprint_key=self.run_id))


#: Where the pytest plugin keeps the session (``config.stash[SESSION_KEY]``); defined here, below the
#: plugin, so the modules the plugin uses (e.g. ``harness.allure_labels``) find it without importing the plugin.
SESSION_KEY = pytest.StashKey[AcceptanceSession]()
