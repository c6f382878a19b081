"""The acceptance fixtures the pytest plugin registers (``harness.pytest_plugin`` in ``pytest_configure``).

They work from any project, with or without an ini: the async ones are ``pytest_asyncio`` fixtures with
an explicit session loop, so neither ``asyncio_mode = auto`` nor a default loop scope is needed (the
shipped suite, ``harness.suite``, marks its tests ``asyncio(loop_scope="session")`` to share that loop).

* ``browser_status`` / ``ui_browser``: Debian's chromium through Playwright, started once per session
  (or None with the reason);
* ``framework_stack``: the framework under test, started once per session and shared by every run;
* ``adapter_runs``: runs each selected run (``adapter@mode``) once, on first use, and keeps its checked result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from harness.errors import HarnessError
from harness.session import AcceptanceSession
from harness.verdicts import AdapterResult


def progress(config: pytest.Config):
    """A ``say(text)`` that writes ``[acceptance] text`` lines to the terminal."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(f"[acceptance] {text}")
        else:  # pragma: no cover
            print(f"[acceptance] {text}", flush=True)

    return say


@dataclass
class BrowserStatus:
    browser: Any  # a started harness.ui.UIBrowser, or None
    why: str = ""  # why there is none
    broken: bool = False  # chromium and Playwright are there, but the browser did not start: a failure, not a skip


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser_status(request: pytest.FixtureRequest):
    """Debian's chromium driven by Playwright, started once for the whole session (the UI phase of the
    acceptance runs, the UI page tests, the report checks)."""
    from harness.ui import BrowserError, UIBrowser, browser_unavailable

    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    status = BrowserStatus(None, browser_unavailable() or "")
    if not status.why:
        browser = UIBrowser()
        try:
            await browser.start()
            status.browser = browser
        except BrowserError as exc:
            status.why, status.broken = str(exc), True
    if status.browser is None:
        if reporter is not None:
            reporter.write_line(f"[acceptance] no browser, the UI phase and the browser tests do not run: {status.why}")
        yield status
        return
    try:
        yield status
    finally:
        await status.browser.stop()


@pytest.fixture(scope="session")
def ui_browser(browser_status: BrowserStatus):
    """The session's started browser, or None (the acceptance run then records that its UI phase did not run)."""
    return browser_status.browser


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def framework_stack(request: pytest.FixtureRequest, acceptance: AcceptanceSession):
    """The framework under test, started once per session and reused by every run.

    Yields the started stack, or the error that kept it from starting (each run then ends
    ``blocked`` with that reason and the stack's logs in its report).
    """
    from harness.stacks import AstrBotStack, LangBotStack, StackTimeouts

    say = progress(request.config)
    spec = acceptance.spec
    stacks = {"langbot": LangBotStack, "astrbot": AstrBotStack}
    if spec.name not in stacks:
        yield HarnessError(f"no stack for framework {spec.name!r} yet")
        return
    stack = stacks[spec.name](spec, acceptance.evidence_dir.parent / "stack", run_id=acceptance.run_id,
                              evidence_path=acceptance.evidence_dir / "probe.jsonl",
                              timeouts=StackTimeouts(app_ready=300, install=180), progress=say,
                              **({"adapter_plugins": acceptance.plugins()} if acceptance.adapter_plugins else {}))
    _plan_egress(acceptance, stack, say)
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


def _plan_egress(acceptance: AcceptanceSession, stack, say) -> None:
    """The session's egress plan on the stack, before it starts (the framework's processes read it once)."""
    from acceptance_fixtures.platforms import profile_for
    from harness.egress.runs import plan_for_runs

    try:
        runs = acceptance.runs()
    except HarnessError:  # a bad selection is reported by the runs themselves
        return
    plan, ports = plan_for_runs(runs, acceptance.spec.name, acceptance.evidence_dir.parent / "egress" / acceptance.spec.name,
                                profile_for)
    if plan is not None:
        stack.egress, stack.egress_ports = plan, ports
        say(f"egress: {', '.join(f'{h} -> 127.0.0.1:{r.port}' for h, r in sorted(plan.hosts.items()))} for the selected runs")


class AdapterRuns:
    """Runs each run (``adapter@mode``) once, on first use, and keeps its checked result."""

    def __init__(self, acceptance: AcceptanceSession, stack, say, ui=None) -> None:
        self.acceptance, self.stack, self.say = acceptance, stack, say
        self.ui = ui  # a started harness.ui.UIBrowser, or None (then only the protocol phase runs)
        self.results: dict[str, AdapterResult] = {}

    def _spec(self, run):
        """A ``harness.runs.RunSpec`` from a RunSpec, a run name, or a manifest (its default mode)."""
        from harness.runs import RunSpec, split_run

        if isinstance(run, RunSpec):
            return run
        if isinstance(run, str):
            adapter, mode = split_run(run)
            mine = [r for r in self.acceptance.runs() if r.manifest.name == adapter and (mode is None or r.mode == mode)]
            if not mine:
                raise KeyError(f"{run} is not a selected run")
            return mine[0]
        mine = [r for r in self.acceptance.runs() if r.manifest.name == run.name]
        if mine:
            return mine[0]
        from acceptance_fixtures.platforms import profile_for
        from harness.runs import platform_modes

        return RunSpec(run, next(iter(platform_modes(profile_for(run.name), self.acceptance.spec.name)), "default"))

    async def result(self, run) -> AdapterResult:
        """The checked result of ``run`` (a ``RunSpec``, ``"adapter@mode"``, or a manifest: its default mode)."""
        from harness.acceptance_run import AdapterRun

        spec = self._spec(run)
        name = spec.name
        if name not in self.results:
            writer = self.acceptance.writer("harness")
            if isinstance(self.stack, Exception):
                writer.write("skip", adapter=name, status="blocked", capabilities=[],
                             reason=f"the framework stack did not start: {self.stack}")
                self.acceptance.logs.setdefault(name, {}).update(getattr(self.stack, "logs", {}) or {})
            else:
                if self.ui is None:
                    writer.write("finding", adapter=name,
                                 message="no browser: the UI phase did not run, so no plugin-e2e-ui evidence and no rendered outbound")
                await AdapterRun(self.acceptance, self.stack, spec.manifest, self.say, ui=self.ui, mode=spec.mode).run()
            from harness.checker import check

            checked = check([spec.manifest], self.acceptance.evidence_files(), only_declared_adapters=True)
            self.results[name] = next(a for a in checked.adapters if a.adapter == name)
        return self.results[name]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def adapter_runs(request: pytest.FixtureRequest, acceptance: AcceptanceSession, framework_stack,
                       ui_browser) -> AdapterRuns:
    return AdapterRuns(acceptance, framework_stack, progress(request.config), ui_browser)


class ContractResults:
    """Runs each selected published contract once, on first use, and keeps its diff."""

    def __init__(self, acceptance: AcceptanceSession, say) -> None:
        self.acceptance, self.say = acceptance, say
        self.results: dict[str, dict] = {}

    async def result(self, name: str) -> dict:
        if name not in self.results:
            from harness.contract.run import contract_runs

            run = next(r for r in contract_runs(self.acceptance) if r.contract.name == name)
            self.results[name] = await run.run(self.acceptance, self.say)
        return self.results[name]


@pytest.fixture(scope="session")
def contract_results(request: pytest.FixtureRequest, acceptance: AcceptanceSession) -> ContractResults:
    return ContractResults(acceptance, progress(request.config))
