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
import secrets
import signal
import time
from pathlib import Path
from typing import Callable

from harness.errors import HarnessError, StackError
from harness.evidence.redact import Redactor
from harness.session import AcceptanceSession, new_run_id

CONNECT_WAIT = 30.0
_REDACTOR = Redactor()  # before the stack (and its known secrets) exists: secret shapes only


async def simulate(adapter: str, *, framework: str = "langbot", port: int = 0, destructive: bool = False,
                   run_id: str | None = None, duration: float | None = None, runs_dir: Path = Path("runs"),
                   report_dir: Path = Path("reports"), say: Callable[[str], None] = print,
                   stop: asyncio.Event | None = None) -> Path | None:
    """Run the interactive session; return the report folder written at the end (None without evidence)."""
    from acceptance_fixtures.platforms import profile_for
    from acceptance_fixtures.simulator.server import SimulatorServer
    from acceptance_fixtures.world import World
    from harness.acceptance_run import SWEEP_TRIGGER, free_port
    from harness.stacks import AstrBotStack, LangBotStack, StackTimeouts

    rid = run_id or f"simulate-{new_run_id()}"
    stack = None

    def shown(text: str) -> None:
        """``say`` with the run's secrets masked (stack progress can quote errors, URLs and logs)."""
        say((stack.redactor if stack is not None else _REDACTOR).text(str(text)))

    session = AcceptanceSession(framework=framework, adapters=[adapter], run_id=rid,
                                evidence_dir=runs_dir / rid / "evidence", report_dir=report_dir, destructive=destructive)
    manifest = session.manifest(adapter)
    profile = profile_for(manifest.name)
    if profile is None:
        raise HarnessError(f"no simulated platform serves adapter {manifest.name!r} yet")
    stacks = {"langbot": LangBotStack, "astrbot": AstrBotStack}
    spec = session.spec
    if spec.name not in stacks:
        raise HarnessError(f"no stack for framework {spec.name!r}")
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    stack = stacks[spec.name](spec, runs_dir / rid / "stack", run_id=rid, evidence_path=session.evidence_dir / "probe.jsonl",
                              timeouts=StackTimeouts(app_ready=300, install=180), progress=shown)
    sim = None
    shown(f"starting {spec} (the first run installs it; later runs reuse the cached environment)")
    try:
        await _until(stop, stack.start(), "the framework start")
        token = secrets.token_urlsafe(24)
        session.add_secrets(token, *stack.redactor.known)
        stack.add_secrets(token)
        sim_port = port or free_port()
        world = World.default()
        overrides = {
            "evidence_path": str((session.evidence_dir / "probe.jsonl").resolve()), "sweep_trigger": SWEEP_TRIGGER,
            "destructive": destructive, "call_timeout": 20, "world": profile.probe_world(world),
            "media": profile.probe_media(f"http://127.0.0.1:{sim_port}/media", world),
            "platform_action_params": profile.platform_action_params(world),
        }
        bot_id = await _until(stop, stack.create_bot(
            manifest.name, profile.adapter_config(spec.name, token),
            probe_config=stack.probe_config_for(manifest.name, overrides, [token]), secrets=[token]), "creating the bot")
        sim = SimulatorServer(profile.codec(spec.name, access_token=token, stack=stack, bot_id=bot_id), world=world,
                              writer=session.writer(f"simulator-{manifest.name}"), port=sim_port)
        await sim.start()
        session.writer("harness").write("run", adapter=manifest.name, simulator=f"{profile.title} at {sim.base_url}",
                                        message=f"interactive simulate session; bot {bot_id} on {stack.framework} "
                                                f"{stack.framework_version}")
        await _until(stop, sim.wait_connected(timeout=CONNECT_WAIT), "the adapter's connection")
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
