"""``acceptance simulate ADAPTER``: the framework, a bot with the probe, and the simulator with its web UI,
for a person to click in, until Ctrl-C.

Everything the person does in the UI is recorded like in an acceptance run (``inject`` records with
producer ``ui-action``, the probe's ``event`` records, what the platform received) under
``runs/<run-id>/evidence``; typing the sweep trigger (``acceptance:sweep``) in a group makes the probe
call every declared API. On exit the reports for that evidence are written (``reports/<run-id>/``,
``reports/latest`` is left alone) and everything is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from pathlib import Path
from typing import Callable

from harness.errors import HarnessError, StackError
from harness.evidence.redact import Redactor
from harness.session import AcceptanceSession, new_run_id

_REDACTOR = Redactor()  # before the stack (and its known secrets) exists: secret shapes only


async def simulate(adapter: str | None, *, framework: str = "langbot", port: int = 0, destructive: bool = False,
                   run_id: str | None = None, duration: float | None = None, runs_dir: Path = Path("runs"),
                   report_dir: Path = Path("reports"), say: Callable[[str], None] = print,
                   stop: asyncio.Event | None = None, adapter_plugins: list[Path] | None = None,
                   declarations: list[Path] | None = None) -> Path | None:
    """Run the interactive session; return the report folder written at the end (None without evidence).

    ``adapter_plugins``: plugin folders registering the adapter under test (``--adapter-plugin``); with no
    ``adapter``, the platform serving the type the plugins register is chosen."""
    from acceptance_fixtures.platforms import profile_for
    from harness.acceptance_run import plugin_gate
    from harness.bringup import SWEEP_TRIGGER, bring_up
    from harness.contract.model import contract_for
    from harness.contract.run import plugin_adapters_of_type
    from harness.runs import platform_modes, run_name, split_run
    from harness.stacks import AstrBotStack, LangBotStack, StackTimeouts

    rid = run_id or f"simulate-{new_run_id()}"
    stack = None

    def shown(text: str) -> None:
        """``say`` with the run's secrets masked (stack progress can quote errors, URLs and logs)."""
        say((stack.redactor if stack is not None else _REDACTOR).text(str(text)))

    session = AcceptanceSession(framework=framework, adapters=[adapter] if adapter else [], run_id=rid,
                                evidence_dir=runs_dir / rid / "evidence", report_dir=report_dir, destructive=destructive,
                                adapter_plugins=list(adapter_plugins or []), declarations=list(declarations or []))
    session.profile_for, session.contract_for = profile_for, contract_for
    session.plugin_adapters_of_type = plugin_adapters_of_type
    adapter = adapter or _plugin_adapter(session)
    manifest = session.manifest(split_run(adapter)[0])
    profile = profile_for(manifest.name)
    if profile is None:
        raise HarnessError(f"no simulated platform serves adapter {manifest.name!r} yet")
    stacks = {"langbot": LangBotStack, "astrbot": AstrBotStack}
    spec = session.spec
    offered = platform_modes(profile, spec.name)
    mode = split_run(adapter)[1] or (offered[0] if offered else "")
    if mode not in offered:
        raise HarnessError(f"{spec.name} offers no mode {mode!r} for {manifest.name} (offered: {', '.join(offered) or 'none'})")
    run = run_name(manifest.name, mode)
    if spec.name not in stacks:
        raise HarnessError(f"no stack for framework {spec.name!r}")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    stack = stacks[spec.name](spec, runs_dir / rid / "stack", run_id=rid, evidence_path=session.evidence_dir / "probe.jsonl",
                              timeouts=StackTimeouts(app_ready=300, install=180), progress=shown,
                              **({"adapter_plugins": session.plugins()} if session.adapter_plugins else {}))
    from harness.egress.runs import plan_for_runs
    from harness.runs import RunSpec

    plan, ports = plan_for_runs([RunSpec(manifest, mode)], spec.name, runs_dir / rid / "egress" / spec.name, profile_for)
    if plan is not None:  # an adapter with no base-URL setting: its SDK's hosts go to the simulator (harness/egress)
        stack.egress, stack.egress_ports = plan, ports
    sim = None
    shown(f"starting {spec} (the first run installs it; later runs reuse the cached environment)")
    try:
        await _until(stop, stack.start(), "the framework start")
        gate = plugin_gate(profile, spec.name, mode, stack)
        if gate is not None:  # the adapter comes from a plugin that was not given or did not load
            reason, logs = gate
            raise StackError(reason, logs=logs)
        def keep(created) -> None:  # stopped in the finally below, however the bring-up ends
            nonlocal sim
            sim = created

        up = await bring_up(session, stack, manifest, profile, mode=mode, run=run, port=port,
                            evidence_path=session.evidence_dir / "probe.jsonl", on_simulator=keep,
                            guard=lambda awaitable, what: _until(stop, awaitable, what),
                            message=f"interactive simulate session on {stack.framework} {stack.framework_version}, mode {mode}")
        world, bot_id = up.world, up.bot_id
        r = world.roles
        shown("")
        shown(f"{profile.title} is ready; the adapter of bot {bot_id} is connected.")
        shown(f"  open the chat UI:  {sim.base_url}/ui/#as={r['owner']}&chat=group:{r['main_group']}")
        shown(f"  control API:       {sim.base_url}/control/status")
        shown(f"  evidence:          {session.evidence_dir}")
        shown(f"  type '{SWEEP_TRIGGER}' in a group to make the probe call every declared API; Ctrl-C stops everything.")
        shown("")
        started = time.monotonic()
        while not stop.is_set():
            if duration is not None and time.monotonic() - started >= duration:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            stack.check_alive()
        shown("stopping ...")
    except _Stopped:
        shown("stopped before the session was ready")
    finally:
        if sim is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sim.stop(), 10.0)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(stack.stop(), 60.0)
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)
        # Closed here so that a crashed stack (check_alive raising) still leaves whole evidence files;
        # the reports below are written only on a normal end.
        session.close()
    if not session.evidence_files():
        return None
    from harness.checker import check
    from harness.report import write_reports

    result = check([manifest], session.evidence_files(), only_declared_adapters=True)
    folder = write_reports(result, report_dir, rid, update_latest=False,
                           redactor=Redactor(stack.redactor.known, fingerprint_key=rid))
    shown(f"reports of this session: {folder}")
    return folder


def _plugin_adapter(session: AcceptanceSession) -> str:
    """The one simulated adapter the ``--adapter-plugin`` folders stand for; a published contract has no simulator."""
    adapters, contracts = session.selectors()
    if contracts and not adapters:
        raise HarnessError(f"the adapter plugins register the type of the published contract {', '.join(contracts)}, "
                           "which has no simulated platform to click in: run its contract suite with "
                           "pytest -m plugin_e2e --adapter-plugin DIR")
    if len(adapters) != 1:
        raise HarnessError(f"the adapter plugins stand for {len(adapters)} simulated adapters ({', '.join(adapters)}): "
                           "name one as ADAPTER")
    return adapters[0]


class _Stopped(Exception):
    pass


async def _until(stop: asyncio.Event, coro, what: str):
    """Await ``coro`` unless Ctrl-C comes first (then cancel it)."""
    task = asyncio.ensure_future(coro)
    waiter = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
    if task in done:
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
    raise _Stopped(what)


__all__ = ["simulate", "StackError"]
