"""LangBot stack: plugin runtime + LangBot core + admin + the probe plugin, in one work folder.

    async with LangBotStack("langbot==4.11.2", tmp_path / "stack") as stack:
        bot = await stack.create_bot(adapter, platform.adapter_config("langbot", token))
        ...   # connect the simulated platform, read stack.evidence_path

Work folder layout::

    <workdir>/langbot/        LangBot's working dir (data/config.yaml, data/langbot.db, data/logs/)
    <workdir>/runtime/        ``lbp rt`` working dir (installed plugins, plugin processes' cwd)
    <workdir>/probe-build/    the assembled probe sources and dist/*.lbpkg
    <workdir>/logs/           raw process output (langbot.log, runtime.log; may hold secrets)
    <workdir>/logs/collected/ redacted copies + bot routing logs, written by collect_logs()/stop()
    <workdir>/evidence/evidence.jsonl   default evidence file the probe appends to

Both processes get the same random control token (LANGBOT_PLUGIN_RUNTIME_CONTROL_TOKEN), run in
their own process groups with a proxy-free environment, and are stopped by group (SIGTERM, then
SIGKILL). Every wait is bounded and checks that both processes are still alive.
"""

from __future__ import annotations

import asyncio
import json
import secrets as _secrets
import time
import uuid as _uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from harness.errors import StackError
from harness.evidence.redact import Redactor, is_secret_key
from harness.frameworks import FrameworkSpec, ensure_env, run_in_env
from harness.frameworks.venv import clean_env
from harness.stacks.base import Bot, Stack, StackTimeouts
from harness.stacks.langbot_api import LangBotAPIError, LangBotClient
from harness.stacks.langbot_config import LangBotPorts, write_config
from harness.stacks.langbot_probe import PROBE_SOURCE, ProbeIdentity, build_probe, probe_identity
from harness.stacks.ports import free_ports
from harness.stacks.process import ManagedProcess

CONTROL_TOKEN_ENV = "LANGBOT_PLUGIN_RUNTIME_CONTROL_TOKEN"
ADMIN_USER = "acceptance-admin@example.invalid"
#: Runner deadline (seconds) given to the probe's processor; a sweep must finish within it.
DEFAULT_RUN_TIMEOUT = 900


def _say(msg: str) -> None:
    import sys

    print(f"[acceptance] {msg}", file=sys.stderr, flush=True)


class LangBotStack(Stack):
    framework = "langbot"

    def __init__(
        self,
        spec: FrameworkSpec | str = "langbot",
        workdir: str | Path = ".acceptance/langbot",
        *,
        run_id: str | None = None,
        evidence_path: str | Path | None = None,
        timeouts: StackTimeouts | None = None,
        config_overrides: Mapping[str, Any] | None = None,
        allowed_platform_tools: Iterable[str] | None = None,
        probe_source: Path = PROBE_SOURCE,
        progress: Callable[[str], None] | None = _say,
        extra_env: Mapping[str, str] | None = None,
        egress: Any = None,  # harness.egress.EgressPlan: the run's redirects for the framework's processes
    ) -> None:
        super().__init__(workdir, timeouts)
        self.spec = FrameworkSpec.parse(spec) if isinstance(spec, str) else spec
        if self.spec.name != "langbot":
            raise StackError(f"LangBotStack cannot run {self.spec}")
        self.run_id = run_id or f"run-{_uuid.uuid4().hex[:12]}"
        self.redactor = Redactor(self.redactor.known, fingerprint_key=self.run_id)  # masks agree with the probe's
        self.evidence_path = Path(evidence_path).resolve() if evidence_path else self.workdir / "evidence" / "evidence.jsonl"
        self.config_overrides = dict(config_overrides or {})
        self._allowed_tools_override = list(allowed_platform_tools) if allowed_platform_tools is not None else None
        self.allowed_platform_tools: list[str] = []
        self.probe_source = Path(probe_source)
        self.progress = progress or (lambda _msg: None)
        self.extra_env = dict(extra_env or {})
        self.egress = egress

        self.langbot_dir = self.workdir / "langbot"
        self.runtime_dir = self.workdir / "runtime"
        self.build_dir = self.workdir / "probe-build"
        self.log_dir = self.workdir / "logs"

        self.control_token = _secrets.token_urlsafe(36)  # 48 characters
        self.jwt_secret = _secrets.token_urlsafe(48)
        self.admin_user = ADMIN_USER
        self.admin_password = "Acc-" + _secrets.token_urlsafe(24)
        self.add_secrets(self.control_token, self.jwt_secret, self.admin_password)

        self.env_dir: Path | None = None
        self.framework_version: str = self.spec.version
        self.ports: LangBotPorts | None = None
        self.client: LangBotClient | None = None
        self.probe: ProbeIdentity | None = None
        self.probe_package: Path | None = None
        self._manifests: dict[str, Any] | None = None
        self._started = False
        self._stopped = False

    # ---- addresses ----

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._ports().api}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self._ports().api}"

    def _ports(self) -> LangBotPorts:
        if self.ports is None:
            raise StackError("the LangBot stack has not been started")
        return self.ports

    # ---- start ----

    def _process_env(self) -> dict[str, str]:
        env = clean_env()
        # LangBot maps upper-case variables containing "__" onto data/config.yaml; none may leak in.
        env = {k: v for k, v in env.items() if not (k.isupper() and "__" in k)}
        env.pop("LANGBOT_DATA_ROOT", None)
        env[CONTROL_TOKEN_ENV] = self.control_token
        env["PATH"] = f"{self.env_dir}/bin:" + env.get("PATH", "/usr/bin:/bin")
        env.update(self.extra_env)
        return self.with_run_env(env)  # the run's process_extra_env and egress plan (harness/stacks/base.py)

    async def start(self) -> None:
        if self._started:
            return
        t_start = time.monotonic()
        self.progress(f"LangBot stack in {self.workdir}")
        self.env_dir = await asyncio.to_thread(ensure_env, self.spec, self.progress, self.timeouts.env)
        if self.framework_version == "env":
            self.framework_version = (await asyncio.to_thread(
                run_in_env, self.spec, "import importlib.metadata as m; print(m.version('langbot'))")).strip()
        self.timings["env"] = time.monotonic() - t_start

        for d in (self.langbot_dir, self.runtime_dir, self.log_dir, self.evidence_path.parent):
            d.mkdir(parents=True, exist_ok=True)
        api, control, debug = free_ports(3)
        self.ports = LangBotPorts(api=api, runtime_control=control, runtime_debug=debug)
        write_config(self.env_dir, self.langbot_dir, self.ports, self.jwt_secret, self.config_overrides)
        self.client = LangBotClient(self.base_url, timeout=self.timeouts.http)
        env = self._process_env()
        bin_dir = self.env_dir / "bin"

        # The probe builds while the processes start.
        self.probe = probe_identity(self.probe_source)
        build = asyncio.create_task(asyncio.to_thread(
            build_probe, self.env_dir, self.build_dir, source=self.probe_source, timeout=self.timeouts.build))
        try:
            t0 = time.monotonic()
            runtime = ManagedProcess(
                "runtime",
                [bin_dir / "lbp", "rt", "--ws-control-port", control, "--ws-debug-port", debug, "--skip-deps-check"],
                cwd=self.runtime_dir, env=env, log_path=self.log_dir / "runtime.log",
            )
            self.processes["runtime"] = runtime
            runtime.start()
            await self.wait_until(self._runtime_ready, timeout=self.timeouts.runtime_ready, what="the plugin runtime (/healthz)")
            self.timings["runtime_ready"] = time.monotonic() - t0

            t0 = time.monotonic()
            langbot = ManagedProcess(
                "langbot", [bin_dir / "langbot", "--standalone-runtime"],
                cwd=self.langbot_dir, env=env, log_path=self.log_dir / "langbot.log",
            )
            self.processes["langbot"] = langbot
            langbot.start()
            await self.wait_until(self._langbot_ready, timeout=self.timeouts.app_ready,
                                  what="LangBot (/healthz with the plugin runtime connected)")
            self.timings["langbot_ready"] = time.monotonic() - t0

            t0 = time.monotonic()
            await self._admin()
            self.timings["admin"] = time.monotonic() - t0

            t0 = time.monotonic()
            self.probe_package = await asyncio.wait_for(build, timeout=self.timeouts.build)
            self.timings["probe_build_wait"] = time.monotonic() - t0
            t0 = time.monotonic()
            await self._install_probe()
            self.timings["probe_installed"] = time.monotonic() - t0
        except BaseException:
            if not build.done():
                build.cancel()
            raise
        self.timings["ready_total"] = time.monotonic() - t_start
        self._started = True
        self.progress(f"LangBot {self.framework_version} ready on {self.base_url} in {self.timings['ready_total']:.1f}s "
                      f"(runtime {self.timings['runtime_ready']:.1f}s, core {self.timings['langbot_ready']:.1f}s, "
                      f"probe {self.timings['probe_installed']:.1f}s)")

    async def _runtime_ready(self) -> bool:
        import aiohttp

        url = f"http://127.0.0.1:{self._ports().runtime_control}/healthz"
        async with aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(url) as resp:
                return resp.status == 200 and bool((await resp.json(content_type=None)).get("live"))

    async def _langbot_ready(self) -> bool:
        health = await self.client.healthz()
        runtimes = (health.get("resources") or {}).get("runtimes") or {}
        return health.get("code") == 0 and bool(runtimes.get("plugin_runtime_connected"))

    async def _admin(self) -> None:
        try:
            if not await self.client.is_initialized():
                await self.client.init_admin(self.admin_user, self.admin_password)
            token = await self.client.login(self.admin_user, self.admin_password)
        except (LangBotAPIError, OSError) as exc:
            raise self.error(f"LangBot admin setup failed: {exc}") from None
        self.add_secrets(token)

    async def _install_probe(self) -> None:
        assert self.client is not None and self.probe is not None and self.probe_package is not None
        try:
            task_id = await self.client.install_local_plugin(self.probe_package)
        except LangBotAPIError as exc:
            raise self.error(f"installing the probe plugin failed: {exc}") from None

        async def task_done() -> dict | None:
            task = await self.client.task(task_id)
            runtime = task.get("runtime") or {}
            return task if runtime.get("done") else None

        task = await self.wait_until(task_done, timeout=self.timeouts.install, what=f"plugin install task {task_id}")
        runtime = task.get("runtime") or {}
        if runtime.get("exception"):
            raise self.error(f"installing the probe plugin failed: {runtime.get('exception')}\n"
                             f"{runtime.get('exception_traceback') or ''}")

        ref = self.probe.component_ref

        async def registered() -> dict | None:
            meta = await self.client.agent_metadata()
            if any(p.get("id") == ref for p in meta.get("event_processors") or []):
                return meta
            return None

        meta = await self.wait_until(registered, timeout=self.timeouts.install, what=f"Runner {ref} to be registered")
        catalogue = [t["name"] for t in meta.get("platform_tools") or [] if t.get("scope") == "platform"]
        self.allowed_platform_tools = self._allowed_tools_override if self._allowed_tools_override is not None else catalogue

    def _require_started(self) -> LangBotClient:
        if not self._started or self.client is None:
            raise StackError("the LangBot stack is not running (call start() first)")
        self.check_alive()
        return self.client

    # ---- manifests and probe configuration ----

    def manifest(self, adapter: str):
        """The installed adapter manifest (harness.manifest.Manifest) named ``adapter``, or None."""
        if self._manifests is None:
            from harness.manifest import load_manifest_dir

            self._manifests = {}
            if self.env_dir is not None and self.spec.info.manifest_subdir:
                for base in sorted(self.env_dir.glob(f"lib/python*/site-packages/{self.spec.info.manifest_subdir}")):
                    for m in load_manifest_dir(base):
                        self._manifests[m.name] = m
        return self._manifests.get(adapter)

    def probe_config_for(self, adapter: str, overrides: Mapping[str, Any] | None = None,
                         secrets: Iterable[str] = ()) -> dict:
        """Processor parameters for one bot: provenance, the manifest's lists, then ``overrides``."""
        manifest = self.manifest(adapter)
        cfg: dict[str, Any] = {
            "evidence_path": str(self.evidence_path),
            "run_id": self.run_id,
            "framework": self.framework,
            "framework_version": self.framework_version,
            "adapter": adapter,
            "apis": manifest.apis if manifest else [],
            "platform_actions": manifest.platform_actions if manifest else [],
            "timeout": DEFAULT_RUN_TIMEOUT,
        }
        cfg.update(dict(overrides or {}))
        cfg["redact_values"] = sorted({*cfg.get("redact_values", []), *secrets})
        return cfg

    def _adapter_secrets(self, adapter: str, adapter_config: Mapping[str, Any]) -> list[str]:
        manifest = self.manifest(adapter)
        keys = set(manifest.config_secret_keys) if manifest else set()
        found = []
        for key, value in adapter_config.items():
            if isinstance(value, str) and value and (key in keys or is_secret_key(str(key))):
                found.append(value)
        return found

    # ---- bots ----

    async def create_bot(self, adapter: str, adapter_config: Mapping[str, Any], *,
                         probe_config: Mapping[str, Any] | None = None, name: str | None = None,
                         secrets: Iterable[str] = (), enable: bool = True) -> str:
        """Create a bot for ``adapter`` with its own probe processor; return the bot uuid.

        The bot is created disabled, then switched on together with its processor subscription and
        with no event bindings (so no pipeline sees the events), so the adapter starts only once.
        """
        client = self._require_started()
        t0 = time.monotonic()
        adapter_config = dict(adapter_config)
        bot_secrets = [*self._adapter_secrets(adapter, adapter_config), *secrets]
        self.add_secrets(*bot_secrets)
        params = self.probe_config_for(adapter, probe_config, bot_secrets)
        n = len(self.bots) + 1
        name = name or f"acceptance {adapter} {n}"
        assert self.probe is not None
        try:
            processor = await self._create_processor(client, f"acceptance probe {adapter} {n}", params)
            bot_uuid = await client.create_bot(name, adapter, adapter_config, enable=False)
            await client.update_bot(bot_uuid, {
                "plugin_processors": [{"processor_uuid": processor, "enabled": True}],
                "event_bindings": [],
                "enable": enable,
            })
            bot = await client.get_bot(bot_uuid)
        except LangBotAPIError as exc:
            raise self.error(f"creating a {adapter} bot failed: {self.redact_text(str(exc))}") from None
        if not any(p.get("processor_uuid") == processor for p in bot.get("plugin_processors") or []):
            raise self.error(f"bot {bot_uuid} does not show the probe processor after the update: {self.redactor.value(bot)}")
        self.bots[bot_uuid] = Bot(bot_uuid, adapter, name, adapter_config, params, processor)
        self.timings[f"create_bot:{bot_uuid}"] = time.monotonic() - t0
        return bot_uuid

    #: Pauses before retrying a processor creation that failed inside LangBot (HTTP 5xx).
    PROCESSOR_RETRY_DELAYS = (1.0, 3.0)

    async def _create_processor(self, client: LangBotClient, name: str, params: dict) -> str:
        """Create the probe's event processor. LangBot answers 500 when its runner registry's query of the
        plugin runtime fails for a moment (seen once on CI right after a sweep); the insert is its last step,
        so nothing was created and a bounded retry is safe. A dead runtime still fails: ``self.error`` names it."""
        assert self.probe is not None
        for attempt, delay in enumerate((*self.PROCESSOR_RETRY_DELAYS, None), start=1):
            try:
                return await client.create_event_processor(name, self.probe.component_ref, params,
                                                           self.allowed_platform_tools)
            except LangBotAPIError as exc:
                dead = [n for n, proc in self.processes.items() if not proc.alive()]
                if exc.status < 500 or delay is None or dead:
                    raise
                self.progress(f"creating the probe processor failed inside LangBot (attempt {attempt}, "
                              f"{self.redact_text(str(exc))[:200]}); retrying in {delay:.0f}s")
                self.timings[f"retry:create_event_processor:{attempt}"] = delay
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")

    async def delete_bot(self, bot_uuid: str) -> None:
        client = self._require_started()
        bot = self.bots.pop(bot_uuid, None)
        try:
            await client.delete_bot(bot_uuid)
            if bot and bot.processor_uuid:
                await client.delete_agent(bot.processor_uuid)
        except LangBotAPIError as exc:
            raise self.error(f"deleting bot {bot_uuid} failed: {exc}") from None

    async def bot_info(self, bot_uuid: str) -> dict:
        """LangBot's view of a bot (config, bindings, ``adapter_runtime_values`` such as the webhook URL), redacted."""
        client = self._require_started()
        try:
            return self.redactor.value(await client.get_bot(bot_uuid))
        except LangBotAPIError as exc:
            raise self.error(f"reading bot {bot_uuid} failed: {exc}") from None

    async def bot_logs(self, bot_id: str) -> list[dict]:
        """LangBot's routing log for the bot (adapter events, route matches, plugin tracebacks), redacted."""
        client = self._require_started()
        try:
            logs, _total = await client.bot_logs(bot_id)
        except LangBotAPIError as exc:
            raise self.error(f"reading the logs of bot {bot_id} failed: {exc}") from None
        return self.redactor.value(sorted(logs, key=lambda item: item.get("seq_id", 0)))

    async def processor_runs(self, bot_id: str) -> dict:
        """The probe processor's run ledger for a bot (run ids, statuses, errors), redacted."""
        client = self._require_started()
        bot = self.bots[bot_id]
        return self.redactor.value(await client.processor_runs(bot.processor_uuid))

    # ---- logs ----

    async def collect_logs(self, dest: str | Path | None = None) -> dict[str, Path]:
        dest = Path(dest) if dest else self.log_dir / "collected"
        dest.mkdir(parents=True, exist_ok=True)
        out: dict[str, Path] = {}

        def put(name: str, text: str) -> None:
            path = dest / name
            path.write_text(self.redact_text(text), "utf-8")
            out[name] = path

        for pname, proc in self.processes.items():
            try:
                put(f"{pname}.log", proc.log_path.read_text("utf-8", "replace"))
            except OSError:
                pass
        for path in sorted((self.langbot_dir / "data" / "logs").glob("*.log")):
            put(f"langbot-data-{path.name}", path.read_text("utf-8", "replace"))
        if self._started and self.client is not None and all(p.alive() for p in self.processes.values()):
            for bot_uuid in list(self.bots):
                try:
                    logs = await asyncio.wait_for(self.bot_logs(bot_uuid), self.timeouts.http)
                    put(f"bot-{bot_uuid}.json", json.dumps(logs, ensure_ascii=False, indent=1, default=str))
                except Exception as exc:  # noqa: BLE001 - best effort while collecting
                    put(f"bot-{bot_uuid}.error.txt", f"{type(exc).__name__}: {exc}")
            if self.probe is not None:
                try:
                    logs = await asyncio.wait_for(self.client.plugin_logs(self.probe.author, self.probe.name), self.timeouts.http)
                    put("probe-plugin-logs.json", json.dumps(self.redactor.value(logs), ensure_ascii=False, indent=1, default=str))
                except Exception as exc:  # noqa: BLE001
                    put("probe-plugin-logs.error.txt", f"{type(exc).__name__}: {exc}")
        return out

    # ---- stop ----

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.processes:
                await asyncio.wait_for(self.collect_logs(), timeout=max(10.0, 3 * self.timeouts.http))
        except Exception as exc:  # noqa: BLE001 - stopping must go on
            self.progress(f"collecting LangBot logs failed: {type(exc).__name__}: {exc}")
        if self.client is not None:
            await self.client.close()
        for name in ("langbot", "runtime"):
            proc = self.processes.get(name)
            if proc is not None:
                await proc.astop(self.timeouts.stop)
        self._started = False
