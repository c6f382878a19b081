"""The full plugin path: one framework stack per session, one acceptance run per selected adapter."""

from __future__ import annotations

import pytest

from harness.acceptance_run import AdapterRun
from harness.errors import HarnessError
from harness.session import AcceptanceSession
from harness.verdicts import AdapterResult


def _progress(config: pytest.Config):
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(f"[acceptance] {text}")
        else:  # pragma: no cover
            print(f"[acceptance] {text}", flush=True)

    return say


@pytest.fixture(scope="session")
async def framework_stack(request: pytest.FixtureRequest, acceptance: AcceptanceSession):
    """The framework under test, started once per session and reused by every adapter.

    Yields the started stack, or the error that kept it from starting (each adapter then ends
    ``blocked`` with that reason and the stack's logs in its report).
    """
    from harness.stacks import AstrBotStack, LangBotStack, StackTimeouts

    say = _progress(request.config)
    spec = acceptance.spec
    stacks = {"langbot": LangBotStack, "astrbot": AstrBotStack}
    if spec.name not in stacks:
        yield HarnessError(f"no stack for framework {spec.name!r} yet")
        return
    stack = stacks[spec.name](spec, acceptance.evidence_dir.parent / "stack", run_id=acceptance.run_id,
                              evidence_path=acceptance.evidence_dir / "probe.jsonl",
                              timeouts=StackTimeouts(app_ready=300, install=180), progress=say)
    say(f"starting {spec} (first run installs it; later runs reuse the cached environment)")
    try:
        await stack.start()
    except HarnessError as exc:
        yield exc
        await stack.stop()
        return
    say(f"{spec} ready: " + ", ".join(f"{k} {v:.1f}s" for k, v in stack.timings.items()))
    try:
        yield stack
    finally:
        await stack.stop()


class AdapterRuns:
    """Runs each adapter once, on first use, and keeps its checked result."""

    def __init__(self, acceptance: AcceptanceSession, stack, say, ui=None) -> None:
        self.acceptance, self.stack, self.say = acceptance, stack, say
        self.ui = ui  # a started harness.ui.UIBrowser, or None (then only the protocol phase runs)
        self.results: dict[str, AdapterResult] = {}

    async def result(self, manifest) -> AdapterResult:
        if manifest.name not in self.results:
            writer = self.acceptance.writer("harness")
            if isinstance(self.stack, Exception):
                writer.write("skip", adapter=manifest.name, status="blocked", capabilities=[],
                             reason=f"the framework stack did not start: {self.stack}")
                self.acceptance.logs.setdefault(manifest.name, {}).update(getattr(self.stack, "logs", {}) or {})
            else:
                if self.ui is None:
                    writer.write("finding", adapter=manifest.name,
                                 message="no browser: the UI phase did not run, so no plugin-e2e-ui evidence and no rendered outbound")
                await AdapterRun(self.acceptance, self.stack, manifest, self.say, ui=self.ui).run()
            from harness.checker import check

            checked = check([manifest], self.acceptance.evidence_files(), only_declared_adapters=True)
            self.results[manifest.name] = checked.adapters[0]
        return self.results[manifest.name]


@pytest.fixture(scope="session")
async def adapter_runs(request: pytest.FixtureRequest, acceptance: AcceptanceSession, framework_stack,
                       ui_browser) -> AdapterRuns:
    return AdapterRuns(acceptance, framework_stack, _progress(request.config), ui_browser)
