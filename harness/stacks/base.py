"""What every stack (framework under test + its helpers) offers, independent of the framework.

A stack is started once per test session and serves many adapters: ``create_bot`` adds one bot of
one adapter, wired to the framework's probe plugin, which writes evidence to ``evidence_path``.
Every wait is bounded and watches the stack's processes, so a crash is reported with its logs
(``StackError``) instead of a hang.
"""

from __future__ import annotations

import abc
import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Mapping, TypeVar

from harness.errors import StackError
from harness.evidence.redact import Redactor
from harness.stacks.process import ManagedProcess

if TYPE_CHECKING:
    from harness.egress.plan import EgressPlan

T = TypeVar("T")


@dataclass
class StackTimeouts:
    """Seconds allowed for each phase. Generous defaults: a cold LangBot start takes ~20 s."""

    env: float = 3600.0  # building the framework's environment the first time
    runtime_ready: float = 60.0
    app_ready: float = 240.0
    http: float = 30.0  # one HTTP request to the framework
    build: float = 120.0  # building the probe package
    install: float = 120.0  # installing the probe and seeing its component registered
    bot_ready: float = 60.0
    stop: float = 15.0  # SIGTERM -> SIGKILL grace per process


@dataclass
class Bot:
    """A bot created by a stack for one adapter."""

    uuid: str
    adapter: str
    name: str
    adapter_config: dict
    probe_config: dict
    processor_uuid: str | None = None
    created_at: float = field(default_factory=time.time)


class Stack(abc.ABC):
    """Framework-neutral stack interface (LangBot now; AstrBot can implement the same)."""

    framework: str = ""

    def __init__(self, workdir: str | Path, timeouts: StackTimeouts | None = None) -> None:
        self.workdir = Path(workdir).resolve()
        self.timeouts = timeouts or StackTimeouts()
        self.processes: dict[str, ManagedProcess] = {}
        self.redactor = Redactor()
        self.timings: dict[str, float] = {}
        self.bots: dict[str, Bot] = {}
        #: The run's egress plan for the framework's processes (harness.egress), set before ``start``.
        self.egress: "EgressPlan | None" = None
        #: Platform name -> the loopback port its simulator serves the plan's hosts on (harness.egress.runs).
        self.egress_ports: dict[str, int] = {}
        #: Extra environment for every process the stack starts (set over the stack's own, before ``start``).
        self.process_extra_env: dict[str, str] = {}

    # ---- process environment ----

    def with_run_env(self, env: Mapping[str, str]) -> dict[str, str]:
        """``env`` plus what the run hands every framework process: ``process_extra_env``, then the egress
        plan (the harness's start-up hook first on ``PYTHONPATH`` and the plan variable). Unchanged without them."""
        out = {**env, **self.process_extra_env}
        if self.egress is not None:
            out.update(self.egress.env(out))
        return out

    # ---- lifecycle ----

    @abc.abstractmethod
    async def start(self) -> None:
        """Bring the whole stack up (env, processes, admin, probe). Raises StackError with logs."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Collect logs and stop every process (idempotent)."""

    async def __aenter__(self) -> "Stack":
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    # ---- bots ----

    @abc.abstractmethod
    async def create_bot(self, adapter: str, adapter_config: Mapping[str, Any], *,
                         probe_config: Mapping[str, Any] | None = None, name: str | None = None,
                         secrets: Iterable[str] = ()) -> str:
        """Create an enabled bot for ``adapter`` wired to the probe; return its id."""

    @abc.abstractmethod
    async def bot_logs(self, bot_id: str) -> list[dict]:
        """The framework's own log of what happened to this bot's events (redacted)."""

    # ---- logs ----

    def add_secrets(self, *values: str) -> None:
        self.redactor.add_known(*[v for v in values if isinstance(v, str)])

    def redact_text(self, text: str) -> str:
        return self.redactor.text(text)

    def logs(self, chars: int = 12000) -> dict[str, str]:
        """Redacted tails of every process log."""
        return {name: self.redact_text(p.tail(chars)) for name, p in self.processes.items()}

    @abc.abstractmethod
    async def collect_logs(self, dest: str | Path | None = None) -> dict[str, Path]:
        """Write redacted copies of every log to ``dest``; return name -> file."""

    # ---- health and waiting ----

    def check_alive(self) -> None:
        """Raise StackError (with log tails) if any process of the stack has exited."""
        dead = [p for p in self.processes.values() if p.proc is not None and not p.alive()]
        if dead:
            what = ", ".join(p.describe() for p in dead)
            raise StackError(f"{self.framework} stack process exited: {what}", logs=self.logs())

    def error(self, message: str) -> StackError:
        return StackError(message, logs=self.logs())

    async def wait_until(self, check: Callable[[], Awaitable[T | None]], *, timeout: float, what: str,
                         interval: float = 0.25) -> T:
        """Poll ``check`` until it returns something other than None/False, watching the processes."""
        deadline = time.monotonic() + timeout
        last_exc: BaseException | None = None
        while True:
            self.check_alive()
            try:
                result = await asyncio.wait_for(check(), timeout=max(1.0, min(self.timeouts.http, deadline - time.monotonic())))
                if result is not None and result is not False:
                    return result
            except StackError:
                raise
            except (asyncio.TimeoutError, OSError, ValueError, KeyError) as exc:
                last_exc = exc
            except Exception as exc:  # aiohttp errors and the like
                last_exc = exc
            if time.monotonic() >= deadline:
                detail = f" (last error: {type(last_exc).__name__}: {last_exc})" if last_exc else ""
                raise self.error(f"timed out after {timeout:.0f}s waiting for {what}{detail}")
            await asyncio.sleep(interval)
