"""One published contract checked against one adapter plugin: environment up, every item checked, reports written.
A plugin that is missing or does not load, or whose adapter does not start, ends every item ``blocked`` with the
reason (the framework's own error)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from harness.contract import report
from harness.contract.checks import Checker, blocked_items
from harness.contract.model import Contract
from harness.errors import HarnessError


@dataclass
class ContractRun:
    contract: Contract
    plugin: Any  # harness.adapter_plugins.AdapterPlugin, or None (not provided)
    adapter_type: str

    async def run(self, session: Any, progress: Callable[[str], None]) -> dict:
        """Check everything; write ``<report dir>/<run id>/<contract>.contract.{json,md}``; return the diff."""
        from harness.contract.environment import ContractEnvironment

        folder = session.report_dir / session.run_id
        plugin_info = {"folder": self.plugin.folder, "name": self.plugin.name, "version": getattr(self.plugin, "version", ""),
                       "adapter_type": self.adapter_type} if self.plugin is not None else None
        reason, items, env = "", [], None
        if self.plugin is not None and hasattr(self.plugin, "reason"):  # InvalidPlugin
            reason = f"the adapter plugin folder is not a plugin: {self.plugin.reason}"
        elif self.plugin is None:
            reason = (f"no adapter plugin registering {', '.join(self.contract.adapter_types)} was provided: "
                      "pass --adapter-plugin DIR (the plugin is published as a git repository, not in a release)")
        else:
            env = ContractEnvironment(session.spec, session.evidence_dir.parent / f"contract-{self.contract.name}", self.contract,
                                      self.plugin, run_id=session.run_id, adapter_type=self.adapter_type, progress=progress,
                                      evidence_path=session.evidence_dir / f"contract-{self.contract.name}-probe.jsonl")
            try:
                await env.start()
                status = env.stack.plugin_status.get(self.plugin.folder)
                if status is not None and not status.loaded:
                    reason = status.reason()
                    session.logs.setdefault(self.contract.name, {})["adapter plugin load"] = status.log_excerpt
                else:
                    progress(f"{self.contract.name}: checking {self.plugin.folder} as the HTTP client")
                    items = await Checker(env).run()
            except (HarnessError, OSError, TimeoutError) as exc:
                reason = f"the contract run stopped: {type(exc).__name__}: {exc}"
            finally:
                session.add_secrets(*env.secrets())
                (folder / "logs").mkdir(parents=True, exist_ok=True)
                for name, text in env.stack.logs().items():
                    (folder / "logs" / f"{self.contract.name}-{name}.log").write_text(text, "utf-8")
                await env.stop()
        if reason:
            items = blocked_items(self.contract, reason)
            progress(f"{self.contract.name}: blocked: {reason.splitlines()[0]}")
        framework = f"{session.spec.name} {env.stack.framework_version if env else session.spec.version}"
        d = report.diff(self.contract, items, framework=framework, plugin=plugin_info, reason=reason)
        redact = env.stack.redact_text if env else (lambda t: t)
        js, md = report.write(d, folder, redact)
        progress(f"{self.contract.name}: {'matches' if d['ok'] else 'differs from'} the document "
                 f"({', '.join(f'{k} {v}' for k, v in d['counts'].items())}) -> {md}")
        return json.loads(js.read_text("utf-8"))


def contract_runs(session: Any) -> list[ContractRun]:
    """The session's selected published contracts, each with the plugin that serves it."""
    from harness.contract.model import contract_for

    out = []
    for name in session.selectors()[1]:
        contract = contract_for(name)
        plugins = session.plugins()
        plugin = next((p for p in plugins for t in p.adapter_types if t in contract.adapter_types), None)
        if plugin is None:  # a folder that is not a plugin, given for this contract: its reason blocks it
            plugin = next((p for p in plugins if hasattr(p, "reason")), None)
        adapter_type = next((t for t in (plugin.adapter_types if plugin else ()) if t in contract.adapter_types),
                            contract.adapter_types[0] if contract.adapter_types else "")
        out.append(ContractRun(contract, plugin, adapter_type))
    return out


def plugin_adapters_of_type(adapter_type: str, framework: str) -> list[str]:
    """Adapter names of the registered platforms whose ``framework`` adapter is plugin-shipped with ``adapter_type``."""
    from acceptance_fixtures.platforms import registry

    out = []
    for platform in registry().values():
        binding = platform.bindings.get(framework)
        if binding is None or not getattr(binding, "adapter_plugin", False):
            continue
        if any(binding.adapter_type(m) == adapter_type for m in binding.modes):
            out += sorted(platform.adapters)
    return out
