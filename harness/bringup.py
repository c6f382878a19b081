"""One bring-up of a run's platform side on a started stack: world, simulator, bot, connection.

The acceptance run (``harness.acceptance_run``) and ``acceptance simulate`` (``harness.ui.simulate``)
both start a run this way: a fresh world, the probe told its targets by role, the bot created with the
platform binding's configuration for the run's mode, the simulator started on the side that must
listen first (before the bot when the adapter dials the simulator, after it otherwise), the ``run``
evidence record, and the wait for the adapter's connection. The adapter-live driver
(``harness.adapter_live``) builds the adapter in-process instead of a bot and keeps its own start-up.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Awaitable, Callable, TypeVar

from harness.runs import mode_title

T = TypeVar("T")
SWEEP_TRIGGER = "acceptance:sweep"
CONNECT_WAIT = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the platform profile's mode API (acceptance_fixtures.platforms), with fallbacks for a profile without modes ----

def adapter_dials(profile: Any, framework: str, mode: str) -> bool:
    """Whether in ``mode`` the adapter connects to the simulator (then the simulator starts before the bot)."""
    dials = getattr(profile, "adapter_dials", None)
    return bool(dials(framework, mode)) if dials is not None and hasattr(profile, "modes") else False


def adapter_config_for(profile: Any, framework: str, token: str, mode: str, sim_port: int) -> dict:
    if not hasattr(profile, "modes"):  # a profile from before modes: one mode, the old signature
        return profile.adapter_config(framework, token)
    return profile.adapter_config(framework, token, mode=mode, simulator_url=f"http://127.0.0.1:{sim_port}")


def codec_for(profile: Any, framework: str, token: str, stack: Any, bot_id: str | None, mode: str, run: str):
    """The simulator's codec for this run; its records carry the run name ``run``."""
    if not hasattr(profile, "modes"):
        codec = profile.codec(framework, access_token=token, stack=stack, bot_id=bot_id)
    else:
        codec = profile.codec(framework, access_token=token, stack=stack, bot_id=bot_id or "", mode=mode)
    codec.adapter = run
    return codec


@dataclass
class BroughtUp:
    world: Any  # acceptance_fixtures.world.World
    sim: Any  # acceptance_fixtures.simulator.server.SimulatorServer, started, adapter connected
    bot_id: str
    token: str
    sim_port: int


def probe_overrides(profile: Any, framework: str, world: Any, sim_port: int, *, run: str, evidence_path: Path,
                    destructive: bool) -> dict[str, Any]:
    """The probe configuration of one run: its records carry the run name; targets by role from the world."""
    return {
        "adapter": run,
        "evidence_path": str(Path(evidence_path).resolve()),
        "sweep_trigger": SWEEP_TRIGGER,
        "destructive": destructive,
        "call_timeout": 20,
        "world": profile.probe_world(world),
        "media": profile.probe_media(f"http://127.0.0.1:{sim_port}/media", world),
        "platform_action_params": with_wire_names(profile, profile.platform_action_params(world)),
        # send components the platform cannot carry: the probe leaves them out, the run marks them not-supported
        "uncarried_sends": sorted(cap.split(":", 1)[1] for cap in (getattr(profile, "uncarried_components", None) or {})
                                  if cap.startswith("send:")),
        **(getattr(profile, "probe_settings", lambda _fw: {})(framework) or {}),
    }


#: The keys of a parameter file's long entry form (``{params, destructive, note, wire}``).
LONG_ENTRY_KEYS = frozenset({"params", "destructive", "note", "wire"})


def with_wire_names(profile: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The parameter file's entries in their long form, each with the request it must put on the wire (``wire``)
    where the platform knows it; the probe records it as the call's ``expected.action``."""
    wire = profile.platform_action_wire(list(params))
    out: dict[str, Any] = {}
    for action, entry in params.items():
        # the long form as the probe reads it (acceptance_probe.config.ProbeConfig.action_entry)
        long = dict(entry) if isinstance(entry, dict) and "params" in entry and set(entry) <= LONG_ENTRY_KEYS \
            else {"params": entry if isinstance(entry, dict) else {}}
        if action in wire:
            long["wire"] = wire[action]
        out[action] = long
    return out


async def _plain(awaitable: Awaitable[T], what: str) -> T:
    return await awaitable


async def bring_up(session: Any, stack: Any, manifest: Any, profile: Any, *, mode: str, run: str,
                   evidence_path: Path, port: int = 0, message: str = "",
                   guard: Callable[[Awaitable[Any], str], Awaitable[Any]] = _plain,
                   on_simulator: Callable[[Any], None] = lambda sim: None,
                   timings: dict[str, float] | None = None) -> BroughtUp:
    """Bring one run up on ``stack`` (started). ``guard(awaitable, what)`` wraps the long waits (the
    interactive session makes them stoppable); ``on_simulator(sim)`` gets the simulator as soon as it
    exists, so the caller stops it whatever happens next."""
    import time

    from acceptance_fixtures.simulator.server import SimulatorServer
    from acceptance_fixtures.world import World
    framework = session.spec.name
    token = secrets.token_urlsafe(24)
    session.add_secrets(token, *stack.redactor.known)
    stack.add_secrets(token)
    sim_port = port or free_port()
    world = profile.world() if hasattr(profile, "world") else World.default()  # before the bot: the probe's targets
    overrides = probe_overrides(profile, framework, world, sim_port, run=run, evidence_path=evidence_path,
                                destructive=session.destructive)
    sim_writer = session.writer(f"simulator-{run}")
    tls_port, ssl_context, sim_port = _egress_listener(stack, profile, framework, mode, sim_port)
    t0 = time.monotonic()

    def simulator(bot_id: str | None):
        sim = SimulatorServer(codec_for(profile, framework, token, stack, bot_id, mode, run), world=world,
                              writer=sim_writer, port=sim_port, tls_port=tls_port, ssl_context=ssl_context)
        # the codec's own secrets (a gateway's session tokens, app secrets) are the session's too: masked in every
        # writer and log, and searched for by the session's secret scan
        session.add_secrets(*sim.codec.secrets())
        stack.add_secrets(*sim.codec.secrets())
        on_simulator(sim)
        return sim

    sim = None
    if adapter_dials(profile, framework, mode):  # the adapter connects: the simulator listens before the bot exists
        sim = simulator(None)
        await sim.start()
    bot_id = await guard(stack.create_bot(
        manifest.name, adapter_config_for(profile, framework, token, mode, sim_port),
        probe_config=stack.probe_config_for(manifest.name, overrides, [token]), secrets=[token]), "creating the bot")
    if timings is not None:
        timings["create_bot"] = time.monotonic() - t0
    try:
        if sim is None:
            sim = simulator(bot_id)
            await sim.start()
        session.writer("harness").write(
            "run", adapter=run, simulator=f"{profile.title} at {sim.base_url}; mode {mode}: {mode_title(profile, mode)}",
            message=message or f"bot {bot_id} on {stack.framework} {stack.framework_version}, mode {mode}")
        try:
            await guard(sim.wait_connected(timeout=CONNECT_WAIT), "the adapter's connection")
        except TimeoutError as exc:  # say what the simulator refused meanwhile (e.g. a login with wrong credentials)
            raise TimeoutError(f"{exc}{refusals(sim)}") from None
        _write_redirect_findings(session, stack, profile, framework, mode, run)
    except BaseException:
        # The caller never learns this bot's id: remove it, so it cannot keep dialing a port a later run reuses.
        await _remove_bot(stack, bot_id)
        raise
    return BroughtUp(world=world, sim=sim, bot_id=bot_id, token=token, sim_port=sim_port)


def refusals(sim: Any) -> str:
    """``; the simulator refused ...``: the actions the simulator answered with an error so far, counted, or ''."""
    from collections import Counter

    refused = sim.received(where=lambda a: not a.ok) if hasattr(sim, "received") else []
    counts = Counter((a.action, a.retcode, str((a.observed or {}).get("message") or "")) for a in refused)
    return ("; the simulator refused the adapter's " + ", ".join(
        f"{action} x{n} ({code}{': ' + message if message else ''})" for (action, code, message), n in counts.items())
        if counts else "")


def _egress_listener(stack: Any, profile: Any, framework: str, mode: str, sim_port: int) -> tuple[int | None, Any, int]:
    """``(tls_port, ssl_context, sim_port)``: where the simulator serves the hosts the egress plan sends it (a TLS
    listener beside its plain one, or the plain port itself for a plain redirect)."""
    from harness.errors import HarnessError

    hosts = profile.egress_hosts(framework, mode) if hasattr(profile, "egress_hosts") else {}
    if not hosts:
        return None, None, sim_port
    port = (getattr(stack, "egress_ports", None) or {}).get(getattr(profile, "name", ""))
    if port is None or getattr(stack, "egress", None) is None:
        raise HarnessError(f"{framework}'s adapter for {profile.name} calls {', '.join(sorted(hosts))} with no setting to "
                           "change it: the egress redirect must be planned before the framework starts, and this "
                           "stack started without it (select the run when the session starts)")
    if any(hosts.values()):
        return port, stack.egress.server_context(), sim_port
    return None, None, port


#: A difference between a platform's document and its real server, which the simulator follows (a finding; the
#: report renders these as the "Document vs implementation" table).
DOC_DIFF = "document vs server: {item} | document: {document} | server: {server} | source: {source}"


def _write_redirect_findings(session: Any, stack: Any, profile: Any, framework: str, mode: str, run: str) -> None:
    """How the adapter was pointed at the simulator, and every redirect the egress hook performed, as findings."""
    writer = session.writer("harness")
    note = profile.redirect_note(framework, mode) if hasattr(profile, "redirect_note") else ""
    if note:
        writer.write("finding", adapter=run, message=f"redirect: {note}")
    for d in profile.document_differences() if hasattr(profile, "document_differences") else []:
        writer.write("finding", adapter=run, message=DOC_DIFF.format(**{k: d.get(k, "") for k in ("item", "document", "server", "source")}))
    hosts = profile.egress_hosts(framework, mode) if hasattr(profile, "egress_hosts") else {}
    plan = getattr(stack, "egress", None)
    if hosts and plan is not None:
        for fields in plan.findings():
            if any(h in str(fields.get("message", "")) for h in hosts) or str(fields.get("message", "")).startswith("egress hook"):
                writer.write("finding", adapter=run, **fields)


async def _remove_bot(stack: Any, bot_id: str, timeout: float = 15.0) -> None:
    import asyncio
    import contextlib

    with contextlib.suppress(Exception):  # best effort: the bring-up's own error is what the run reports
        await asyncio.wait_for(stack.delete_bot(bot_id), timeout)
