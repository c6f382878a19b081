"""Benchmark: cold start and injection-to-platform latency, full path versus plugin baseline versus adapter.

    python bench/e2e_latency.py [--events 200] [--warmup 10] [--scenario message.group.plain]
                                [--framework langbot==4.11.2] [--paths a,b,c] [--workdir DIR] [--json FILE]

One run measures, one path after the other, with the same OneBot v11 simulator on 127.0.0.1:

  (a) full path, real probe: LangBot core + plugin runtime + ``probes/langbot`` with
      ``echo_reply: true`` (records each event in its evidence store, then replies);
  (b) full path, echo plugin: the same stack with ``probes/langbot_echo`` (replies, records nothing);
  (c) adapter driver: LangBot's adapter built in-process (``harness.adapter_live``), the driver
      replies itself (and records each event, as the probe does).

Cold start: (a)/(b) ``LangBotStack.start()`` (runtime + core + admin + plugin build/install, cached
environment), then bot creation until the simulator is connected; (c) driver subprocess start until
the adapter connected. Latency of one event: from the injection (time taken just before the frame
leaves the simulator) to the simulator receiving the reply action (``echo:<message_id>``), events
strictly one after the other, ``--warmup`` events first that are not counted. Every wait is bounded
(``--event-timeout``); an event without a reply is counted as lost. Prints a table with p50/p99 and
the ratios a/b (goal <= 1.1) and a/c.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from harness.acceptance_run import free_port
from harness.adapter_live import AdapterDriver
from harness.adapter_live.targets import REVERSE, live_target
from harness.errors import HarnessError
from harness.evidence import EvidenceWriter
from harness.frameworks import FrameworkSpec, ensure_env
from harness.stacks import LangBotStack, StackTimeouts
from harness.stacks.langbot_probe import LIB_PACKAGE, PROBE_SOURCE

ADAPTER = "onebot-v11"
ECHO_SOURCE = PROBE_SOURCE.parent / "langbot_echo"
PATHS = {
    "a": "(a) full path, probe + evidence",
    "b": "(b) full path, echo plugin",
    "c": "(c) adapter driver (adapter-live)",
}


@dataclass
class PathResult:
    key: str
    title: str
    cold_start: float | None = None  # seconds to ready
    connect: float | None = None  # seconds from ready to the adapter connected (bot creation included)
    breakdown: dict[str, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, measured events only
    lost: int = 0
    error: str | None = None
    cpu_ms_per_event: dict[str, float] = field(default_factory=dict)

    def pct(self, q: float) -> float | None:
        """Nearest-rank percentile in milliseconds."""
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return 1000 * ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]

    def summary(self) -> dict:
        lat = self.latencies
        return {"path": self.title, "cold_start_s": self.cold_start, "connect_s": self.connect, "events": len(lat),
                "lost": self.lost, "p50_ms": self.pct(50), "p99_ms": self.pct(99),
                "mean_ms": 1000 * statistics.fmean(lat) if lat else None, "max_ms": 1000 * max(lat) if lat else None,
                "cpu_ms_per_event": self.cpu_ms_per_event, "breakdown_s": self.breakdown, "error": self.error}


def _say(text: str) -> None:
    print(f"[bench] {text}", file=sys.stderr, flush=True)


def _is_echo(action, message_id: str) -> bool:
    return any(c.get("type") == "Plain" and c.get("text") == f"echo:{message_id}"
               for c in action.observed.get("components") or [])


async def one_event(rig: "Rig", *, scenario: str, timeout: float, count: bool) -> None:
    """Inject one message; record injection -> reply latency (or a lost reply)."""
    injected = await rig.sim.inject(scenario)
    mid = injected.refs["message_id"]
    try:
        action = await rig.sim.wait_for_action(where=lambda a: _is_echo(a, mid), since=injected.t, timeout=timeout)
    except TimeoutError:
        rig.result.lost += 1
        rig.alive()  # a dead system ends the run; a lost reply is counted
        return
    if count:
        rig.result.latencies.append(action.t - injected.t)


CLK_TCK = os.sysconf("SC_CLK_TCK")


def _role(cmdline: str) -> str:
    if " rt " in cmdline or cmdline.endswith(" rt"):
        return "runtime"
    if "run --tag" in cmdline:
        return "plugin"
    if "adapter_driver" in cmdline:
        return "driver"
    if "langbot" in cmdline:
        return "core"
    return "other"


def cpu_by_role(pgids: list[int]) -> dict[str, float]:
    """CPU seconds (user + system) of every process in the given process groups, by role."""
    out: dict[str, float] = {}
    wanted = set(pgids)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[2]) not in wanted:
                continue
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace").strip()
        except (OSError, ValueError, IndexError):
            continue
        role = _role(cmdline)
        out[role] = out.get(role, 0.0) + (int(fields[11]) + int(fields[12])) / CLK_TCK
    return out


async def measure(rigs: list["Rig"], *, events: int, warmup: int, scenario: str, timeout: float, sequential: bool) -> None:
    """``warmup + events`` messages per path, strictly one at a time.

    Interleaved (default): round i sends one message to each path, the order rotated every round,
    so slow drifts of the machine (other processes, caches) hit every path alike. Sequential: all
    of one path's messages, then the next path's.
    """
    total = warmup + events
    if sequential:
        for rig in rigs:
            for i in range(total):
                if i == warmup:
                    rig.cpu_start = cpu_by_role(rig.pgids)
                await one_event(rig, scenario=scenario, timeout=timeout, count=i >= warmup)
            rig.cpu_end = cpu_by_role(rig.pgids)
            _say(f"{rig.result.key}: {total} events, {rig.result.lost} lost")
        return
    for i in range(total):
        if i == warmup:
            for rig in rigs:
                rig.cpu_start = cpu_by_role(rig.pgids)
        k = i % len(rigs)
        for rig in rigs[k:] + rigs[:k]:
            await one_event(rig, scenario=scenario, timeout=timeout, count=i >= warmup)
        if (i + 1) % 50 == 0 or i + 1 == total:
            _say(f"round {i + 1}/{total}: " + ", ".join(f"{r.result.key} {r.result.lost} lost" for r in rigs))
    for rig in rigs:
        rig.cpu_end = cpu_by_role(rig.pgids)


@dataclass
class Rig:
    """One path, up and connected: its simulator, its liveness check and its teardown."""

    result: PathResult
    sim: Any = None
    alive: Callable[[], None] = lambda: None
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    pgids: list[int] = field(default_factory=list)  # process groups of the system under test (CPU accounting)
    cpu_start: dict[str, float] = field(default_factory=dict)
    cpu_end: dict[str, float] = field(default_factory=dict)

    def cpu_per_event(self) -> dict[str, float]:
        """CPU milliseconds per measured event, by role (core, runtime, plugin, driver)."""
        n = len(self.result.latencies) + self.result.lost
        if not n or not self.cpu_end:
            return {}
        return {role: 1000 * (self.cpu_end[role] - self.cpu_start.get(role, 0.0)) / n for role in sorted(self.cpu_end)}

    async def close(self) -> None:
        for closer in reversed(self.closers):
            try:
                await closer()
            except Exception as exc:  # noqa: BLE001 - teardown goes on
                _say(f"{self.result.key}: teardown: {type(exc).__name__}: {exc}")


def _sim_writer(evidence_dir: Path, spec: FrameworkSpec, token: str) -> EvidenceWriter:
    return EvidenceWriter.to_file(evidence_dir / f"simulator-{ADAPTER}.jsonl", run_id="bench-e2e-latency", framework=spec.name,
                                  framework_version=spec.version, producer="simulator", secrets=[token])


def stage_echo_plugin(dest: Path) -> Path:
    """A copy of ``probes/langbot_echo`` the stack's probe build accepts (it copies the evidence
    modules into ``acceptance_probe/``; the echo plugin never imports them)."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(ECHO_SOURCE, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (dest / LIB_PACKAGE).mkdir()
    return dest


async def full_path(rig: Rig, spec: FrameworkSpec, workdir: Path) -> None:
    """Bring path (a) or (b) up in ``rig`` (teardown steps are registered as they become needed)."""
    from acceptance_fixtures.platforms import profile_for
    from acceptance_fixtures.simulator.server import SimulatorServer
    from acceptance_fixtures.world import World

    result = rig.result
    key = result.key
    root = workdir / key
    source = PROBE_SOURCE if key == "a" else stage_echo_plugin(root / "echo-source")
    stack = LangBotStack(spec, root / "stack", run_id=f"bench-{key}", evidence_path=root / "evidence" / "probe.jsonl",
                         timeouts=StackTimeouts(app_ready=300, install=180), probe_source=source, progress=_say)
    rig.closers.append(stack.stop)
    rig.alive = stack.check_alive
    t0 = time.monotonic()
    await stack.start()
    result.cold_start = time.monotonic() - t0
    result.breakdown.update({f"stack.{k}": v for k, v in stack.timings.items()})
    profile = profile_for(ADAPTER)
    token = secrets.token_urlsafe(24)
    stack.add_secrets(token)
    t1 = time.monotonic()
    probe_cfg = {"echo_reply": True, "sweep_trigger": ""} if key == "a" else {}
    bot = await stack.create_bot(ADAPTER, profile.adapter_config("langbot", token), secrets=[token], probe_config=probe_cfg)
    writer = _sim_writer(root / "evidence", spec, token)
    rig.closers.append(lambda: asyncio.to_thread(writer.close))
    rig.sim = SimulatorServer(profile.codec("langbot", access_token=token, stack=stack, bot_id=bot), world=World.default(),
                              writer=writer, port=free_port())
    await rig.sim.start()
    rig.closers.append(rig.sim.stop)
    await rig.sim.wait_connected(timeout=60)
    result.connect = time.monotonic() - t1
    rig.pgids = [p.pid for p in stack.processes.values() if p.pid]
    _say(f"{key}: ready in {result.cold_start:.1f}s, bot connected {result.connect:.2f}s later")


async def adapter_driver(rig: Rig, spec: FrameworkSpec, workdir: Path, mode: str) -> None:
    """Bring path (c) up in ``rig``."""
    from acceptance_fixtures.simulator.server import SimulatorServer
    from acceptance_fixtures.world import World

    result = rig.result
    root = workdir / "c"
    target = live_target(ADAPTER)
    token = secrets.token_urlsafe(24)
    writer = _sim_writer(root / "evidence", spec, token)
    rig.closers.append(lambda: asyncio.to_thread(writer.close))
    reverse_port = free_port() if mode == REVERSE else None
    reverse_url = f"ws://127.0.0.1:{reverse_port}{target.reverse_path()}" if reverse_port else None
    codec = target.codec(mode, token, reverse_url=reverse_url)
    rig.sim = SimulatorServer(codec, world=World.default(), writer=writer, port=free_port())
    driver = AdapterDriver(spec, log_path=root / "driver.log")
    rig.alive = driver.check_alive
    t0 = time.monotonic()
    if mode != REVERSE:
        await rig.sim.start()
        rig.closers.append(rig.sim.stop)
    rig.closers.append(driver.stop)
    hello = await driver.start()
    result.breakdown["driver_ready"] = time.monotonic() - t0
    await driver.request("start", timeout=60, adapter=ADAPTER, config=target.adapter_config(mode, token, codec), echo=True,
                         reverse={"port": reverse_port, "path": target.reverse_path()} if reverse_port else None,
                         evidence={"path": str(root / "evidence" / "adapter-driver.jsonl"), "run_id": "bench-c",
                                   "framework": spec.name, "framework_version": hello["versions"].get("langbot") or "",
                                   "redact_values": [token]})
    if mode == REVERSE:
        await rig.sim.start()
        rig.closers.append(rig.sim.stop)
    await rig.sim.wait_connected(timeout=60)
    result.cold_start = time.monotonic() - t0  # includes the adapter's connection
    rig.pgids = [driver.pid] if driver.pid else []
    _say(f"c: driver + adapter ({mode}) connected in {result.cold_start:.2f}s")


def _fmt(value: float | None, unit: str = "", digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def _ratio(x: float | None, y: float | None) -> str:
    return "-" if not x or not y else f"{x / y:.2f}"


def render(results: dict[str, PathResult], args) -> str:
    how = "one path after the other" if args.sequential else "paths interleaved round by round"
    lines = [f"e2e latency: {args.events} measured events per path (+{args.warmup} warm-up), {how}, scenario {args.scenario}, "
             f"adapter {ADAPTER}, framework {args.framework}",
             f"{'path':36s} {'cold start':>10s} {'connect':>8s} {'events':>6s} {'lost':>4s} {'p50 ms':>8s} {'p99 ms':>8s} {'mean ms':>8s} {'max ms':>8s}"]
    for key in "abc":
        r = results.get(key)
        if r is None:
            continue
        s = r.summary()
        lines.append(f"{r.title:36s} {_fmt(r.cold_start, ' s'):>10s} {_fmt(r.connect, ' s', 2):>8s} {s['events']:>6d} {r.lost:>4d} "
                     f"{_fmt(s['p50_ms']):>8s} {_fmt(s['p99_ms']):>8s} {_fmt(s['mean_ms']):>8s} {_fmt(s['max_ms']):>8s}"
                     + (f"   ERROR {r.error}" if r.error else ""))
    for key in "ab":
        r = results.get(key)
        t = r.breakdown if r is not None else {}
        if t.get("stack.ready_total"):
            lines.append(f"  {key}: cold start = runtime {t.get('stack.runtime_ready', 0):.1f} s + core {t.get('stack.langbot_ready', 0):.1f} s"
                         f" + admin {t.get('stack.admin', 0):.1f} s + plugin build wait {t.get('stack.probe_build_wait', 0):.1f} s"
                         f" + plugin install {t.get('stack.probe_installed', 0):.1f} s")
    for key in "abc":
        r = results.get(key)
        if r is not None and r.cpu_ms_per_event:
            lines.append(f"  {key}: CPU ms per event: " + ", ".join(f"{role} {v:.1f}" for role, v in r.cpu_ms_per_event.items())
                         + f" (total {sum(r.cpu_ms_per_event.values()):.1f})")
    a, b, c = (results.get(k) for k in "abc")
    if a and b:
        p50 = _ratio(a.pct(50), b.pct(50))
        verdict = "" if p50 == "-" else ("  (goal <= 1.1: met)" if float(p50) <= 1.1 else "  (goal <= 1.1: NOT met)")
        lines.append(f"ratio a/b: p50 {p50}, p99 {_ratio(a.pct(99), b.pct(99))}{verdict}")
    if a and c:
        lines.append(f"ratio a/c: p50 {_ratio(a.pct(50), c.pct(50))}, p99 {_ratio(a.pct(99), c.pct(99))}")
    if getattr(args, "load", None):
        before, after, cpus = args.load
        lines.append(f"machine: {cpus} CPUs, load average {before[0]:.2f} before / {after[0]:.2f} after the measurement")
    return "\n".join(lines)


async def main_async(args) -> int:
    spec = FrameworkSpec.parse(args.framework)
    await asyncio.to_thread(ensure_env, spec, _say)
    own = args.workdir is None
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="e2e-latency-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _say(f"work folder {workdir}")
    keys = [k.strip() for k in args.paths.split(",") if k.strip()]
    unknown = [k for k in keys if k not in PATHS]
    if unknown:
        raise SystemExit(f"unknown path(s) {unknown} (a, b, c)")
    rigs: list[Rig] = []
    failed: str | None = None
    try:
        for key in keys:  # cold starts one after the other, each while the earlier paths idle
            rig = Rig(PathResult(key, PATHS[key]))
            rigs.append(rig)
            try:
                await (adapter_driver(rig, spec, workdir, args.live_mode) if key == "c" else full_path(rig, spec, workdir))
            except (HarnessError, TimeoutError, OSError) as exc:
                rig.result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                raise
        t = time.monotonic()
        load_before = os.getloadavg()
        await measure(rigs, events=args.events, warmup=args.warmup, scenario=args.scenario,
                      timeout=args.event_timeout, sequential=args.sequential)
        _say(f"measured in {time.monotonic() - t:.1f}s")
        args.load = (load_before, os.getloadavg(), os.cpu_count())
    except (HarnessError, TimeoutError, OSError) as exc:
        failed = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        _say(f"stopped: {failed}")
    finally:
        for rig in reversed(rigs):
            await rig.close()
    for rig in rigs:
        rig.result.cpu_ms_per_event = rig.cpu_per_event()
    results = {r.result.key: r.result for r in rigs}
    a_probe = workdir / "a" / "evidence" / "probe.jsonl"
    if a_probe.exists():
        results["a"].breakdown["probe_event_records"] = sum(1 for line in a_probe.read_text("utf-8").splitlines() if '"record":"event"' in line)
    print(render(results, args))
    failed = failed or next((r.error for r in results.values() if r.error or not r.latencies), None)
    if args.json:
        Path(args.json).write_text(json.dumps({k: r.summary() | {"latencies_s": r.latencies} for k, r in results.items()}, indent=1))
    if own and not failed and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    elif failed:
        _say(f"kept {workdir} for its logs")
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200, help="measured events per path (default 200)")
    parser.add_argument("--warmup", type=int, default=10, help="events sent first and not measured (default 10)")
    parser.add_argument("--scenario", default="message.group.plain", help="OneBot scenario injected (default message.group.plain)")
    parser.add_argument("--framework", default="langbot==4.11.2")
    parser.add_argument("--paths", default="a,b,c", help="which paths, in this order (default a,b,c)")
    parser.add_argument("--live-mode", choices=["forward", "reverse"], default="reverse",
                        help="connection of the adapter driver (default reverse, as the full path's bot)")
    parser.add_argument("--sequential", action="store_true",
                        help="measure one path after the other instead of interleaving the paths round by round")
    parser.add_argument("--event-timeout", type=float, default=10.0, help="seconds to wait for one reply (default 10)")
    parser.add_argument("--workdir", default=None, help="work folder (default: a temporary one, removed after a clean run)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work folder")
    parser.add_argument("--json", default=None, help="also write the figures (and every latency) to this JSON file")
    args = parser.parse_args()
    if args.events < 1 or args.warmup < 0:
        parser.error("--events must be >= 1 and --warmup >= 0")
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
