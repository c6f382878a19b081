"""adapter-live suite: LangBot's adapter built in-process by the driver, no core, no plugin runtime.

One run per mode per session (about 1 s each once the framework environment is cached); the
checker's verdicts on its evidence are what the tests assert.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.checker import check
from harness.session import AcceptanceSession
from harness.verdicts import AdapterResult

ADAPTER = "onebot-v11"


@dataclass
class LiveOutcome:
    session: AcceptanceSession
    run: object  # harness.adapter_live.AdapterLiveRun
    result: AdapterResult

    @property
    def evidence_dir(self) -> Path:
        return self.session.evidence_dir


async def _live(request: pytest.FixtureRequest, tmp_path_factory, mode: str, **options) -> LiveOutcome:
    from harness.adapter_live import AdapterLiveRun

    root = tmp_path_factory.mktemp(f"adapter-live-{mode}")
    session = AcceptanceSession(framework=request.config.getoption("--framework"), adapters=[ADAPTER],
                                run_id=f"adapter-live-{mode}", evidence_dir=root / "evidence", destructive=True)
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    say = (lambda text: reporter.write_line(f"[acceptance] {text}")) if reporter is not None else print
    manifest = session.manifest(ADAPTER)
    run = AdapterLiveRun(session, manifest, mode=mode, progress=say, **options)
    await run.run()
    session.close()
    result = check([manifest], session.evidence_files(), only_declared_adapters=True).adapters[0]
    return LiveOutcome(session, run, result)


@pytest.fixture(scope="session")
async def live_forward(request, tmp_path_factory) -> LiveOutcome:
    """Full adapter-live run in forward mode (the adapter dials the simulator): scenarios, dispatch order, sweep."""
    return await _live(request, tmp_path_factory, "forward")


@pytest.fixture(scope="session")
async def live_reverse(request, tmp_path_factory) -> LiveOutcome:
    """Inbound scenarios only, in reverse mode (the simulator dials the driver's endpoint)."""
    return await _live(request, tmp_path_factory, "reverse", sweep=False, dispatch_order=False, block_unexercised=False)
