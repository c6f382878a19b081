"""One adapter's ``adapter-live`` run: the adapter built in-process by the driver, no core, no plugin runtime.

It mirrors ``harness.acceptance_run.AdapterRun`` step by step, with the driver where the stack and
the probe were: start the driver (framework interpreter) -> start the simulator -> construct the
adapter pointed at it and wait until it connected -> inject every scenario, waiting for the driver's
event each time -> check the listener dispatch order (three listener sets, one injection each) ->
inject the sweep trigger and run the probe's sweep from the adapter's side -> mark everything
nothing exercised as ``blocked``. The simulator writes ``inject`` / ``platform_received`` records as
usual, the driver ``event`` / ``api_call`` / ``check`` records (producer ``adapter-driver``); every
verdict comes from the checker, which rates this observer ``adapter-live`` and never higher.

    session = AcceptanceSession(evidence_dir=tmp / "evidence", run_id="live-1", destructive=True)
    run = AdapterLiveRun(session, session.manifest(adapter))
    await run.run()
    result = check([run.manifest], session.evidence_files(), only_declared_adapters=True)
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from harness.acceptance_run import CONNECT_WAIT, EVENT_WAIT, SWEEP_TRIGGER, _matches, block_unexercised, free_port
from harness.bringup import with_wire_names
from harness.runs import unproducible_of
from harness.adapter_live.driver import AdapterDriver
from harness.adapter_live.targets import FORWARD, REVERSE, live_target
from harness.errors import HarnessError
from harness.manifest import Manifest
from harness.session import AcceptanceSession

SWEEP_WAIT = 600.0
DRIVER_START_WAIT = 60.0
ADAPTER_START_WAIT = 60.0
#: Listener sets of the dispatch-order check and the listener each must reach.
DISPATCH_PHASES = ("specific", "base", "event")
DISPATCH_SCENARIO = "message.private.plain"


def driver_evidence_name(adapter: str) -> str:
    return f"adapter-driver-{adapter}"


@dataclass
class AdapterLiveRun:
    session: AcceptanceSession
    manifest: Manifest
    mode: str | None = None  # None: the target's preferred mode
    progress: Callable[[str], None] = print
    sweep: bool = True
    dispatch_order: bool = True
    block_unexercised: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    driver_errors: list[str] = field(default_factory=list)
    simulator_title: str = ""
    env: dict[str, str] = field(default_factory=dict)  # extra environment of the driver (harness.mutants overlays)

    @property
    def adapter(self) -> str:
        return self.manifest.name

    def _say(self, text: str) -> None:
        self.progress(f"[{self.adapter} adapter-live] {text}")

    async def run(self) -> None:
        """Run everything; a failure ends as an adapter-level ``blocked`` record with the reason."""
        from acceptance_fixtures.platforms import profile_for

        writer = self.session.writer("harness")
        profile, target = profile_for(self.adapter), live_target(self.adapter)
        if profile is None or target is None:
            writer.write("skip", adapter=self.adapter, status="blocked", capabilities=[],
                         reason=f"no simulated platform drives adapter {self.adapter!r} in-process yet (adapter-live)")
            self._say("blocked: no simulated platform / live target for this adapter")
            return
        try:
            await self._drive(profile, target, writer)
        except (HarnessError, TimeoutError, OSError, ValueError, NotImplementedError) as exc:
            writer.write("skip", adapter=self.adapter, status="blocked", capabilities=[],
                         reason=f"the adapter-live run stopped: {type(exc).__name__}: {exc}")
            self._say(f"blocked: {exc}")
            logs = getattr(exc, "logs", None) or {}
            self.session.logs.setdefault(self.adapter, {}).update({f"{k} (adapter-live)": v for k, v in logs.items()})
        if self.block_unexercised:
            block_unexercised(self.session, self.manifest, self.adapter, writer, f"the {self.simulator_title or profile.title}",
                              unproducible_of(profile), adapter=self.adapter,
                              sweep="sweep step of the adapter-live run",
                              scenario="scenario or check of the adapter-live run")

    async def _drive(self, profile, target, writer) -> None:
        from acceptance_fixtures.simulator.server import SimulatorServer
        from acceptance_fixtures.world import World

        spec = self.session.spec
        mode = self.mode or target.modes[0]
        if mode not in target.modes:
            raise HarnessError(f"{self.adapter}: mode {mode!r} not available (known: {', '.join(target.modes)})")
        self.simulator_title = f"{profile.title.split(' (')[0]} ({mode} WebSocket, 127.0.0.1, adapter-live)"
        token = secrets.token_urlsafe(24)
        self.session.add_secrets(token)
        world = World.default()
        sim_port = free_port()
        sim_writer = self.session.writer(f"simulator-{self.adapter}")
        evidence_path = self.session.evidence_dir / f"{driver_evidence_name(self.adapter)}.jsonl"
        log_path = self.session.evidence_dir.parent / "logs" / f"{driver_evidence_name(self.adapter)}.log"

        t0 = time.monotonic()
        from harness.frameworks import ensure_env

        await asyncio.to_thread(ensure_env, spec, lambda m: self._say(m))
        driver = AdapterDriver(spec, log_path=log_path, start_timeout=DRIVER_START_WAIT, env=self.env)
        sim = None
        try:
            hello = await driver.start()
            self.timings["driver_ready"] = time.monotonic() - t0
            reverse_port = free_port() if mode == REVERSE else None
            reverse_url = f"ws://127.0.0.1:{reverse_port}{target.reverse_path()}" if reverse_port else None
            codec = target.codec(mode, token, reverse_url=reverse_url)
            sim = SimulatorServer(codec, world=world, writer=sim_writer, port=sim_port)
            # Whoever listens starts first: the simulator in forward mode, the adapter's endpoint in reverse mode.
            if mode != REVERSE:
                await sim.start()
            t1 = time.monotonic()
            started = await driver.request(
                "start", timeout=ADAPTER_START_WAIT, adapter=self.adapter, config=target.adapter_config(mode, token, codec),
                reverse={"port": reverse_port, "path": target.reverse_path()} if reverse_port else None,
                evidence={"path": str(evidence_path), "run_id": self.session.run_id, "framework": spec.name,
                          "framework_version": hello.get("versions", {}).get(spec.info.package) or spec.version,
                          "redact_values": [token]},
            )
            if mode == REVERSE:
                await sim.start()
            writer.write("run", adapter=self.adapter, simulator=f"{self.simulator_title} at {sim.base_url}",
                         message=f"adapter-live: {started.get('class')} built in-process in {spec} (pid {hello.get('pid')}), "
                                 f"no framework core, no plugin runtime")
            await self._wait_connected(sim, driver)
            self.timings["adapter_connected"] = time.monotonic() - t1
            self._say(f"{started.get('class')} ({mode}) connected to the simulator at {sim.base_url} "
                      f"in {self.timings['adapter_connected']:.2f}s (driver ready in {self.timings['driver_ready']:.2f}s)")

            t2 = time.monotonic()
            await self._inbound(sim, driver)
            self.timings["inbound"] = time.monotonic() - t2
            if self.dispatch_order:
                await self._dispatch_order(sim, driver)
            if self.sweep:
                t3 = time.monotonic()
                await self._sweep(profile, world, sim, driver, sim_port)
                self.timings["sweep"] = time.monotonic() - t3
            await asyncio.sleep(0.3)  # let the last platform actions land in the simulator's evidence
        finally:
            self.driver_errors = driver.errors()
            await driver.stop()
            if sim is not None:
                await sim.stop()
            logs = self.session.logs.setdefault(self.adapter, {})
            logs["adapter driver (adapter-live, tail)"] = writer.redactor.text(driver.log_tail())

    async def _wait_connected(self, sim, driver: AdapterDriver) -> None:
        deadline = time.monotonic() + CONNECT_WAIT
        while True:
            driver.check_alive()
            exits = [m for m in driver.notifications if m.get("notify") == "adapter_exit"]
            if exits:
                raise HarnessError(f"the adapter's run loop ended before connecting: {exits[0].get('error') or 'returned'}")
            try:
                await sim.wait_connected(timeout=min(0.5, max(0.05, deadline - time.monotonic())))
                return
            except TimeoutError:
                if time.monotonic() >= deadline:
                    errors = "; ".join(driver.errors()[-3:])
                    raise TimeoutError(f"the adapter did not connect within {CONNECT_WAIT:.0f}s"
                                       + (f" (adapter log: {errors})" if errors else "")) from None

    async def _inbound(self, sim, driver: AdapterDriver) -> None:
        scenarios = [s for s in sim.scenarios() if s.capabilities]
        arrived = 0
        for i, scenario in enumerate(scenarios, 1):
            injected = await sim.inject(scenario.name)
            if injected.match:
                try:
                    await driver.wait_event(lambda ev, m=injected.match: _matches({"record": "event", "event": ev}, m),
                                            timeout=EVENT_WAIT, what=f"the event for {scenario.name}", since=injected.t)
                    arrived += 1
                except HarnessError as exc:
                    driver.check_alive()  # a dead driver ends the run; a missing event is a verdict
                    self._say(f"{scenario.name}: {str(exc).splitlines()[0]}")
            if i % 10 == 0 or i == len(scenarios):
                self._say(f"inbound scenarios {i}/{len(scenarios)} injected, {arrived} reached the adapter's listener")

    async def _dispatch_order(self, sim, driver: AdapterDriver) -> None:
        """compat:listener_dispatch_order: which of the registered listeners the adapter calls."""
        for phase in DISPATCH_PHASES:
            await driver.request("listeners", timeout=10, mode=phase)
            injected = await sim.inject(DISPATCH_SCENARIO)
            try:
                await driver.wait_event(lambda ev, m=injected.match: _matches({"record": "event", "event": ev}, m),
                                        timeout=EVENT_WAIT, what=f"the dispatch-order event ({phase})", since=injected.t)
            except HarnessError as exc:
                driver.check_alive()
                self._say(f"dispatch order, phase {phase}: {str(exc).splitlines()[0]}")
        verdict = await driver.request("dispatch_check", timeout=10)
        await driver.request("listeners", timeout=10, mode="eba")
        self._say(f"listener dispatch order: {verdict.get('status')}: {verdict.get('message')}")

    async def _sweep(self, profile, world, sim, driver: AdapterDriver, sim_port: int) -> None:
        t = time.time()
        await sim.inject_raw(profile.trigger_frame(world, SWEEP_TRIGGER))
        hit = await driver.wait_event(
            lambda ev: ev.get("type") == "message.received"
            and SWEEP_TRIGGER in "".join(c.get("text", "") for c in ev.get("components") or [] if c.get("type") == "Plain"),
            timeout=EVENT_WAIT, what="the sweep trigger message", since=t)
        cfg = {
            "adapter": self.adapter,
            "apis": self.manifest.apis,
            "platform_actions": self.manifest.platform_actions,
            "destructive": self.session.destructive,
            "call_timeout": 20,
            "world": profile.probe_world(world),
            "media": profile.probe_media(f"http://127.0.0.1:{sim_port}/media", world),
            "platform_action_params": with_wire_names(profile, profile.platform_action_params(world)),
        }
        self._say("sweep: the adapter itself now calls every declared API and sends every component")
        self.summary = await driver.request("sweep", timeout=SWEEP_WAIT, probe_config=cfg,
                                            trigger_message_id=hit["event"].get("message_id"))
        self._say(f"sweep complete: {self.summary}")



def run_adapter_live(session: AcceptanceSession, adapter: str, **options: Any) -> AdapterLiveRun:
    """Synchronous convenience: run one adapter's adapter-live run (for scripts)."""
    run = AdapterLiveRun(session, session.manifest(adapter), **options)
    asyncio.run(run.run())
    return run


__all__ = ["AdapterLiveRun", "FORWARD", "REVERSE", "driver_evidence_name", "run_adapter_live"]
