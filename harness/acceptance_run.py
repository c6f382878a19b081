"""One run (an adapter in one transport mode, ``adapter@mode``) through the full plugin path,
framework- and platform-neutral.

The stack (a started ``harness.stacks.Stack``) is shared by every adapter of the session; the
platform profile (``acceptance_fixtures.platforms``) supplies the simulator. The run only *causes* things and
records what it caused; every verdict comes later from the checker reading the evidence.

Steps: create the bot with its probe processor -> start the simulator and wait for the adapter to
connect (for a mode in which the adapter dials the simulator, ``profile.adapter_dials``, the simulator
starts first and the bot is created pointing at it) -> inject every scenario of the platform, waiting for the probe's event each time -> send
the sweep trigger and wait for the probe's ``sweep complete`` -> record compatibility checks from
code introspection -> mark every capability that nothing exercised as ``blocked`` with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import aiohttp

from harness.errors import HarnessError, StackError
from harness.manifest import Manifest
from harness.runs import EVENT_WAIT, UNDECLARED_WAIT, matches_event, unproducible_of
from harness.session import AcceptanceSession

SWEEP_WAIT = 600.0
#: How long the sweep's trigger message may take to reach the probe (an adapter that stopped delivering fails fast).
SWEEP_START_WAIT = 60.0
# re-exported: the adapter-live run and the latency bench use them
from harness.bringup import CONNECT_WAIT, SWEEP_TRIGGER, free_port  # noqa: E402,F401  (re-exported)

_matches = matches_event  # the old name (harness.runs.matches_event)


@dataclass
class AdapterRun:
    session: AcceptanceSession
    stack: Any  # harness.stacks.Stack
    manifest: Manifest
    progress: Callable[[str], None] = print
    #: Simulator fault switches applied once the adapter is connected (see acceptance_fixtures.simulator.faults).
    faults: dict[str, Any] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    bot_id: str | None = None
    _sim: Any = None
    #: A started ``harness.ui.UIBrowser``: when given, the UI phase (harness/ui/phase.py) runs after the sweep.
    ui: Any = None
    #: The transport mode (one of ``profile.modes(framework)``); empty: the platform's default mode.
    mode: str = ""
    #: Only these inbound scenarios (by name), e.g. for a fault run; None: every scenario of the platform.
    only_scenarios: list[str] | None = None

    @property
    def probe_evidence(self):
        return self.session.evidence_dir / "probe.jsonl"

    @property
    def name(self) -> str:
        """The run name ``<manifest name>@<mode>``: every evidence record's ``adapter``, the report's name."""
        from harness.runs import run_name

        return run_name(self.manifest.name, self.mode)

    @property
    def adapter(self) -> str:
        """What the evidence, the simulator's file, the logs and screenshots are keyed by: the run name."""
        return self.name

    def _say(self, text: str) -> None:
        self.progress(f"[{self.adapter}] {text}")

    async def run(self) -> None:
        """Run everything; a failure ends as an adapter-level ``blocked`` record with the reason."""
        from acceptance_fixtures.platforms import profile_for
        from harness.runs import platform_modes

        writer = self.session.writer("harness")
        profile = profile_for(self.manifest.name)
        if not self.mode:
            self.mode = next(iter(platform_modes(profile, self.session.spec.name)), "default")
        if profile is None:
            writer.write("skip", adapter=self.adapter, status="blocked", capabilities=[],
                         reason=f"no simulated platform serves adapter {self.adapter!r} yet")
            self._say("blocked: no simulated platform for this adapter")
            return
        stopped_before_bot = False
        gate = plugin_gate(profile, self.session.spec.name, self.mode, self.stack)
        if gate is not None:
            reason, logs = gate
            writer.write("skip", adapter=self.adapter, status="blocked", capabilities=[], reason=reason)
            self.session.logs.setdefault(self.adapter, {}).update(logs)
            self._say(f"blocked: {reason.splitlines()[0]}")
            return
        from acceptance_fixtures.simulator.errors import NotConnectedError

        try:
            await self._drive(profile, writer)
        # NotConnectedError: the adapter lost its connection and did not come back in time (a gateway whose client
        # gave up): an injection then has no one to go to, which ends the run blocked like any other stop
        except (HarnessError, TimeoutError, OSError, NotImplementedError, aiohttp.ClientError, ValueError, KeyError,
                NotConnectedError) as exc:
            writer.write("skip", adapter=self.adapter, status="blocked", capabilities=[],
                         reason=f"the run stopped: {type(exc).__name__}: {exc}")
            self._say(f"blocked: {exc}")
            if self.bot_id is None:  # nothing ran: the stop's reason is every capability's reason
                stopped_before_bot = True
        finally:
            if self._sim is not None:
                with contextlib.suppress(Exception):  # bounded: a stuck stop must not hide the run's logs
                    await asyncio.wait_for(self._sim.stop(), 10.0)
                self._sim = None
            await self._collect_logs()
        plugin_shipped = getattr(profile.bindings.get(self.session.spec.name), "adapter_plugin", False)
        if not (stopped_before_bot and plugin_shipped):
            self._record_compat(writer)  # manifest vs code needs no bot; a plugin that never came up has no code to read
        if stopped_before_bot:
            return  # nothing ran: the stop's reason (the adapter-level record) blocks every other capability
        self._block_unexercised(writer, profile.title, unproducible_of(profile))

    async def _drive(self, profile, writer):
        from harness.bringup import bring_up
        from harness.stacks import EvidenceTail

        def keep(sim) -> None:  # stopped in run()'s finally, however the bring-up ends
            self._sim = sim

        up = await bring_up(self.session, self.stack, self.manifest, profile, mode=self.mode, run=self.name,
                            evidence_path=self.probe_evidence, on_simulator=keep, timings=self.timings)
        self.bot_id, sim, world = up.bot_id, up.sim, up.world
        self._say(f"adapter connected to the simulator at {sim.base_url}")
        if self.faults:
            await sim.set_faults(self.faults)
            writer.write("finding", adapter=self.adapter, message=f"simulator faults switched on: {self.faults}")

        tail = EvidenceTail(self.probe_evidence, from_end=False)
        scenarios = [s for s in sim.scenarios() if s.capabilities
                     and (self.only_scenarios is None or s.name in self.only_scenarios)]
        t1 = time.monotonic()
        arrived = 0
        for i, scenario in enumerate(scenarios, 1):
            injected = await sim.inject(scenario.name)
            if injected.match:
                # An event type the adapter does not declare may never come: wait briefly for it.
                declared = injected.match.get("event.type") in self.manifest.events
                try:
                    await tail.wait_for(lambda r, m=injected.match: _matches(r, m, self.name), timeout=EVENT_WAIT if declared else UNDECLARED_WAIT,
                                        what=f"the probe's event for {scenario.name}", stack=self.stack, interval=0.05,
                                        since=injected.t)
                    arrived += 1
                except StackError as exc:
                    self.stack.check_alive()  # a dead stack ends the run; a missing event is a verdict
                    self._say(f"{scenario.name}: {str(exc).splitlines()[0]}")
            if i % 10 == 0 or i == len(scenarios):
                self._say(f"inbound scenarios {i}/{len(scenarios)} injected, {arrived} reached the probe")
        self.timings["inbound"] = time.monotonic() - t1

        t2 = time.monotonic()
        self._say("sweep: sending the trigger; the probe now calls every declared API and sends every component")
        await sim.inject_raw(profile.trigger_frame(world, SWEEP_TRIGGER))
        # The trigger must reach the probe soon; only the sweep itself may take long.
        await tail.wait_for(lambda r: r.get("record") == "finding" and r.get("message") == "sweep started"
                            and r.get("adapter") == self.name,
                            timeout=SWEEP_START_WAIT, what="the probe's 'sweep started' (the trigger message reaching it)",
                            stack=self.stack, interval=0.2)
        done = await tail.wait_for(lambda r: r.get("record") == "finding" and r.get("message") == "sweep complete"
                                   and r.get("adapter") == self.name,
                                   timeout=SWEEP_WAIT, what="the probe's 'sweep complete'", stack=self.stack, interval=0.2)
        self.timings["sweep"] = time.monotonic() - t2
        self._say(f"sweep complete in {self.timings['sweep']:.1f}s: {done[0].get('sweep') or ''}")
        await asyncio.sleep(0.5)  # let the last platform actions land in the simulator's evidence
        # --- the declaration's document claims (Manifest.claims): the platform checks them on this stack ---
        if self.manifest.claims and hasattr(profile, "check_claims"):
            t4 = time.monotonic()
            await profile.check_claims(self, sim, writer)
            self.timings["claims"] = time.monotonic() - t4
            self._say(f"document claims checked in {self.timings['claims']:.1f}s")
        # --- UI phase (harness/ui): DOM check of the bot's messages, then inbound UI actions ---
        if self.ui is not None:
            from harness.ui.phase import run_ui_phase

            t3 = time.monotonic()
            self.timings.update(await run_ui_phase(self, sim, tail))
            self.timings["ui"] = time.monotonic() - t3
            self._say(f"UI phase done in {self.timings['ui']:.1f}s")
        # --- end UI phase ---

    async def _collect_logs(self) -> None:
        logs = self.session.logs.setdefault(self.adapter, {})
        try:
            logs.update({f"{name} (tail)": text for name, text in self.stack.logs().items()})
            if self.bot_id:
                entries = await self.stack.bot_logs(self.bot_id)
                text = "\n".join(str(e.get("text") or e) for e in entries[-200:])
                logs["bot routing log"] = self.stack.redact_text(text)
        except Exception as exc:  # logs are best effort; the verdicts do not depend on them
            logs["log collection"] = f"failed: {exc!r}"

    def _record_compat(self, writer) -> None:
        """Manifest versus code, read inside the framework's own interpreter."""
        from harness.drift import manifest_vs_code
        from harness.frameworks.manifests import introspect_code

        checks = {"compat:supported_events": "event", "compat:platform_api_map": "platform_api", "compat:supported_apis": "api"}
        try:
            code = introspect_code(self.session.spec)
        except HarnessError as exc:
            for cap in checks:
                writer.write("skip", adapter=self.adapter, capabilities=[cap], status="blocked", reason=f"introspection failed: {exc}")
            return
        writer.write("skip", adapter=self.adapter, capabilities=["compat:listener_dispatch_order"], status="blocked",
                     reason="dispatch order is internal to the framework core and not observable from the probe plugin")
        if self.manifest.name not in code:
            reason = (f"{self.session.spec.name} adapters have no manifest to compare with their code; "
                      "the capability declaration is harness-side" if not code else "the adapter's code was not found")
            for cap in checks:
                writer.write("skip", adapter=self.adapter, capabilities=[cap], status="blocked", reason=reason)
            return
        findings = manifest_vs_code([self.manifest], code)
        for cap, kind in checks.items():
            mine = [f for f in findings if f.capability.startswith(kind + ":")]
            writer.write("check", producer="introspection", adapter=self.adapter, capabilities=[cap], level="unit",
                         status="failed" if mine else "passed",
                         message="; ".join(f.explanation for f in mine) or "manifest and code agree")
    def _block_unexercised(self, writer, simulator_title: str, unproducible: Mapping[str, tuple[str, str]]) -> None:
        block_unexercised(self.session, self.manifest, self.name, writer, f"the {simulator_title}", unproducible,
                          adapter=self.adapter, sweep="sweep step of the probe", scenario="scenario")


def plugin_gate(profile: Any, framework: str, mode: str, stack: Any) -> tuple[str, dict[str, str]] | None:
    """For a platform whose adapter on ``framework`` comes from a plugin the user hands over
    (``Binding.adapter_plugin``): None when a loaded plugin registers the adapter's type; otherwise the reason
    every capability is ``blocked`` (plugin not provided, or the framework's own error loading it) and the logs."""
    binding = profile.bindings.get(framework) if profile is not None else None
    if binding is None or not getattr(binding, "adapter_plugin", False):
        return None
    adapter_type = binding.adapter_type(mode)
    status = stack.plugin_for_type(adapter_type) if hasattr(stack, "plugin_for_type") else None
    if status is None:
        given = ", ".join([f"{p.folder} (registers {', '.join(p.adapter_types) or 'no adapter type'})"
                           for p in getattr(stack, "adapter_plugins", [])]
                          + [f"{p.source}, which is not one: {p.reason}" for p in getattr(stack, "invalid_plugins", [])]) or "none"
        return (f"the {framework} adapter for {profile.title} is shipped as a plugin, not in the release, and no adapter "
                f"plugin registering type {adapter_type!r} was provided (given: {given}); pass --adapter-plugin DIR", {})
    if status.loaded:
        return None
    logs = {"adapter plugin load (framework log)": status.log_excerpt} if status.log_excerpt else {}
    return status.reason(), logs


def block_unexercised(session: Any, manifest: Any, run: str, writer: Any, against: str,
                      unproducible: Mapping[str, tuple[str, str]] | None = None, *, adapter: str, sweep: str,
                      scenario: str) -> None:
    """End every capability nothing exercised as ``blocked`` with the reason, never silently untested; a declared
    event the platform's protocol cannot produce as ``not-supported`` with the reason and its source (the
    checklist's rule). Shared by the full path and the adapter-live run."""
    from harness.checker import check
    from harness.levels import Status

    unproducible = unproducible or {}  # by capability id; a bare event type is the old form
    result = check([manifest], session.evidence_files(), only_declared_adapters=True)
    mine = next((a for a in result.adapters if a.adapter == run), None)
    for v in mine.verdicts if mine else []:
        if v.status is not Status.UNTESTED:
            continue
        why = unproducible.get(v.id) or (unproducible.get(v.name) if v.kind == "event" else None)
        if why is not None:
            reason, source = why
            writer.write("skip", adapter=adapter, capabilities=[v.id], status="not-supported",
                         reason=f"{reason}: the platform cannot produce it", source=source)
        else:
            what = sweep if v.kind in ("api", "platform_api", "send") else scenario
            writer.write("skip", adapter=adapter, capabilities=[v.id], status="blocked",
                         reason=f"no {what} exercises it against {against}")
