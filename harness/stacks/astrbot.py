"""AstrBot stack: one headless AstrBot (core + dashboard API) with the probe plugin, in one work folder.

    async with AstrBotStack("astrbot==4.14.6", tmp_path / "stack") as stack:
        pid = await stack.create_bot(adapter, platform.adapter_config("astrbot", token))
        ...   # connect the simulated platform to the adapter, read stack.evidence_path

Work folder layout::

    <workdir>/root/                 ASTRBOT_ROOT (.astrbot marker, data/cmd_config.json, data/plugins/, data/config/)
    <workdir>/root/data/dist/       placeholder dashboard bundle (index.html + assets/version) so AstrBot
                                    starts offline instead of downloading the web UI
    <workdir>/logs/astrbot.log      raw process output (may hold secrets)
    <workdir>/logs/collected/       redacted copies, written by collect_logs()/stop()
    <workdir>/evidence/evidence.jsonl   default evidence file the probe appends to

Start: ``astrbot init`` (answering its one confirmation prompt), a closed-network
``data/cmd_config.json`` (dashboard on 127.0.0.1 at a free port, a random dashboard password and JWT
secret, no proxy, rate limit lifted for the injected burst of events), the probe copied into
``data/plugins/``, then ``astrbot run`` in its own process group with ``DASHBOARD_PORT`` and
``ASTRBOT_DISABLE_METRICS=1``. Every wait is bounded and checks that the process is still alive.

Bots: ``create_bot`` writes the bot's probe configuration into the plugin's own config
(``bots_json``, through ``POST /api/config/plugin/update``, which saves and reloads the plugin) and
then adds the platform instance (``POST /api/config/platform/new``); the instance id is the bot id.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets as _secrets
import subprocess
import time
import uuid as _uuid
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from harness.errors import StackError
from harness.evidence.redact import Redactor, is_secret_key
from harness.frameworks import FrameworkSpec, ensure_env, run_in_env
from harness.frameworks.venv import clean_env
from harness.stacks.astrbot_api import AstrBotAPIError, AstrBotClient, password_hash
from harness.stacks.astrbot_probe import PROBE_SOURCE, ProbeIdentity, install_probe, probe_identity
from harness.stacks.base import Bot, Stack, StackTimeouts
from harness.stacks.ports import free_ports
from harness.stacks.process import ManagedProcess

ADMIN_USER = "acceptance-admin"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
#: Settings every acceptance run needs; anything else stays at the release's defaults (recorded as a finding).
CLOSED_NETWORK = {
    "http_proxy": "",
    "pypi_index_url": "",
    "t2i": False,
    "log_level": "INFO",
    # The harness injects dozens of events into one session within seconds; AstrBot's default
    # (30 per 60 s, "stall") would hold them back. Nothing else in the pipeline is changed.
    "platform_settings": {"rate_limit": {"time": 60, "count": 100000, "strategy": "stall"}},
}


def _say(msg: str) -> None:
    import sys

    print(f"[acceptance] {msg}", file=sys.stderr, flush=True)


def _deep_update(base: dict, changes: Mapping[str, Any]) -> dict:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = json.loads(json.dumps(value))
    return base


def _safe_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_") or "bot"


class AstrBotStack(Stack):
    framework = "astrbot"

    def __init__(
        self,
        spec: FrameworkSpec | str = "astrbot",
        workdir: str | Path = ".acceptance/astrbot",
        *,
        run_id: str | None = None,
        evidence_path: str | Path | None = None,
        timeouts: StackTimeouts | None = None,
        config_overrides: Mapping[str, Any] | None = None,
        probe_source: Path = PROBE_SOURCE,
        progress: Callable[[str], None] | None = _say,
        extra_env: Mapping[str, str] | None = None,
        egress: Any = None,  # harness.egress.EgressPlan: the run's redirects for the framework's processes
        adapter_plugins: Iterable[Any] = (),  # harness.adapter_plugins.AdapterPlugin (or folders): third-party adapters
    ) -> None:
        super().__init__(workdir, timeouts)
        self.spec = FrameworkSpec.parse(spec) if isinstance(spec, str) else spec
        if self.spec.name != "astrbot":
            raise StackError(f"AstrBotStack cannot run {self.spec}")
        self.run_id = run_id or f"run-{_uuid.uuid4().hex[:12]}"
        self.redactor = Redactor(self.redactor.known, fingerprint_key=self.run_id)  # masks agree with the probe's
        self.evidence_path = Path(evidence_path).resolve() if evidence_path else self.workdir / "evidence" / "evidence.jsonl"
        self.config_overrides = dict(config_overrides or {})
        self.probe_source = Path(probe_source)
        self.progress = progress or (lambda _msg: None)
        self.extra_env = dict(extra_env or {})
        self.egress = egress
        from harness.adapter_plugins import inspect_plugin

        self.adapter_plugins = [p if not isinstance(p, (str, Path)) else inspect_plugin(p) for p in adapter_plugins]
        self.invalid_plugins = [p for p in self.adapter_plugins if hasattr(p, "reason")]  # InvalidPlugin: not installed
        self.adapter_plugins = [p for p in self.adapter_plugins if not hasattr(p, "reason")]
        #: folder -> harness.adapter_plugins.compat.PluginStatus, filled by start()
        self.plugin_status: dict[str, Any] = {}

        self.root = self.workdir / "root"
        self.log_dir = self.workdir / "logs"
        self.admin_user = ADMIN_USER
        # AstrBot 4.15+ demands an upper- and a lower-case letter and a digit: "Acc" and "7" guarantee them
        self.admin_password = "Acc-" + _secrets.token_urlsafe(24) + "7"
        self.jwt_secret = _secrets.token_urlsafe(48)
        self.add_secrets(self.admin_password, password_hash(self.admin_password), self.jwt_secret)

        self.env_dir: Path | None = None
        self.framework_version: str = self.spec.version
        self.port: int | None = None
        self.client: AstrBotClient | None = None
        self.probe: ProbeIdentity | None = None
        self._probe_bots: dict[str, dict] = {}
        self._started = False
        self._stopped = False

    # ---- addresses ----

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise StackError("the AstrBot stack has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return self.base_url.replace("http://", "ws://", 1)

    @property
    def config_path(self) -> Path:
        return self.root / "data" / "cmd_config.json"

    # ---- start ----

    def _process_env(self) -> dict[str, str]:
        env = clean_env()
        env["ASTRBOT_ROOT"] = str(self.root)
        env["DASHBOARD_PORT"] = str(self.port)
        env["ASTRBOT_DISABLE_METRICS"] = "1"  # no usage statistics upload (closed network)
        env["PATH"] = f"{self.env_dir}/bin:" + env.get("PATH", "/usr/bin:/bin")
        env.update(self.extra_env)
        return self.with_run_env(env)  # the run's process_extra_env and egress plan (harness/stacks/base.py)

    def _placeholder_dashboard(self) -> None:
        """An empty web UI bundle whose version matches the release: AstrBot then skips the download."""
        dist = self.root / "data" / "dist"
        (dist / "assets").mkdir(parents=True, exist_ok=True)
        (dist / "assets" / "version").write_text(f"v{self.framework_version}\n", "utf-8")
        (dist / "index.html").write_text("<!doctype html><title>AstrBot (acceptance placeholder UI)</title>\n", "utf-8")

    def _init_root(self, env: dict[str, str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self._placeholder_dashboard()
        try:
            # 4.14 has no --yes: `astrbot init` asks once whether the folder is the root ([Y/n]).
            # 4.15+ writes data/cmd_config.json at init only when given an initial dashboard password.
            init_env = {**env, "ASTRBOT_DASHBOARD_INITIAL_PASSWORD": self.admin_password}
            proc = subprocess.run([str(self.env_dir / "bin" / "astrbot"), "init"], cwd=self.root, env=init_env, input="\n",
                                  capture_output=True, text=True, timeout=self.timeouts.runtime_ready * 2)
        except subprocess.TimeoutExpired:
            raise StackError(f"astrbot init timed out in {self.root}") from None
        if proc.returncode != 0 or not (self.root / ".astrbot").exists():
            raise StackError(f"astrbot init failed ({proc.returncode}) in {self.root}",
                             logs={"astrbot init": self.redact_text(proc.stdout + proc.stderr)[-8000:]})
        (self.log_dir / "astrbot-init.log").write_text(proc.stdout + proc.stderr, "utf-8")

    def _write_config(self) -> dict:
        path = self.config_path
        if not path.exists():
            raise StackError(f"{path} was not created by astrbot init")
        cfg = json.loads(path.read_text("utf-8-sig"))
        _deep_update(cfg, CLOSED_NETWORK)
        _deep_update(cfg, {"dashboard": {"enable": True, "host": "127.0.0.1", "port": self.port,
                                         "username": self.admin_user, "password": password_hash(self.admin_password),
                                         "jwt_secret": self.jwt_secret}})
        if self.config_overrides:
            _deep_update(cfg, self.config_overrides)
        path.write_text(json.dumps(cfg, ensure_ascii=False, indent=2), "utf-8")
        return cfg

    async def start(self) -> None:
        if self._started:
            return
        t_start = time.monotonic()
        self.progress(f"AstrBot stack in {self.workdir}")
        self.env_dir = await asyncio.to_thread(ensure_env, self.spec, self.progress, self.timeouts.env)
        if self.framework_version == "env":
            self.framework_version = (await asyncio.to_thread(
                run_in_env, self.spec, "import importlib.metadata as m; print(m.version('astrbot'))")).strip()
        self.timings["env"] = time.monotonic() - t_start

        for d in (self.root, self.log_dir, self.evidence_path.parent):
            d.mkdir(parents=True, exist_ok=True)
        (self.port,) = free_ports(1, host="127.0.0.1")
        env = self._process_env()
        t0 = time.monotonic()
        await asyncio.to_thread(self._init_root, env)
        self.timings["init"] = time.monotonic() - t0
        self._write_config()
        self.probe = probe_identity(self.probe_source)
        install_probe(self.root, source=self.probe_source)
        layers = await asyncio.to_thread(self._install_adapter_plugins)
        if layers:
            joined = os.pathsep.join([*layers, *[p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]])
            self.extra_env["PYTHONPATH"] = env["PYTHONPATH"] = joined
        self.client = AstrBotClient(self.base_url, timeout=self.timeouts.http)

        t0 = time.monotonic()
        proc = ManagedProcess("astrbot", [self.env_dir / "bin" / "astrbot", "run"], cwd=self.root, env=env,
                              log_path=self.log_dir / "astrbot.log")
        self.processes["astrbot"] = proc
        proc.start()
        await self.wait_until(self._ready, timeout=self.timeouts.app_ready, what="AstrBot's dashboard API (/api/stat/start-time)")
        self.timings["astrbot_ready"] = time.monotonic() - t0

        t0 = time.monotonic()
        try:
            token = await self.client.login(self.admin_user, self.admin_password)
        except (AstrBotAPIError, OSError) as exc:
            raise self.error(f"AstrBot dashboard login failed: {exc}") from None
        self.add_secrets(token)
        self.timings["admin"] = time.monotonic() - t0

        t0 = time.monotonic()
        await self.wait_until(self._probe_loaded, timeout=self.timeouts.install, what=f"the probe plugin {self.probe.name} to be loaded")
        self.timings["probe_installed"] = time.monotonic() - t0
        if self.adapter_plugins:
            await self._check_adapter_plugins()
        self.timings["ready_total"] = time.monotonic() - t_start
        self._started = True
        self.progress(f"AstrBot {self.framework_version} ready on {self.base_url} in {self.timings['ready_total']:.1f}s "
                      f"(init {self.timings['init']:.1f}s, core {self.timings['astrbot_ready']:.1f}s)")

    # ---- third-party adapter plugins (--adapter-plugin) ----

    def _install_adapter_plugins(self) -> list[str]:
        """Copy each adapter plugin into data/plugins/ (without its requirement file) and build its requirements
        layer; return the layer folders for PYTHONPATH. A plugin whose requirements do not install is not copied:
        its status says why."""
        from harness.adapter_plugins.compat import PluginStatus
        from harness.adapter_plugins.layer import RequirementsError, ensure_layer, install_plugin_copy
        from harness.frameworks.spec import cache_root

        layers: list[str] = []
        for plugin in self.adapter_plugins:
            status = self.plugin_status[plugin.folder] = PluginStatus(plugin)
            try:
                layer = ensure_layer(plugin, self.env_dir / "bin" / "python", cache_root() / "plugin-layers",
                                     progress=self.progress)
            except RequirementsError as exc:
                status.error = f"its requirements did not install: {self.redact_text(str(exc))}"
                continue
            status.layer = layer.describe() if plugin.requirements else ""
            if layer.path is not None:
                layers.append(str(layer.path))
            install_plugin_copy(plugin, self.root / "data" / "plugins")
            self.progress(f"adapter plugin {plugin.folder} ({plugin.name}) installed"
                          + (f"; requirements layer: {layer.describe()}" if plugin.requirements else ""))
        return layers

    async def _check_adapter_plugins(self) -> None:
        """Which adapter plugins AstrBot loaded; for the others, its own error and a log excerpt."""
        from harness.adapter_plugins.compat import exception_of, likely_release, plugin_log_lines

        assert self.client is not None
        listed = {str(p.get("name")): p for p in await self.client.plugins()}
        failed_info = await self.client.failed_plugins()
        log = ANSI.sub("", self.processes["astrbot"].tail(400000))
        for plugin in self.adapter_plugins:
            status = self.plugin_status[plugin.folder]
            if status.error:
                continue
            if plugin.name in listed and listed[plugin.name].get("activated", True):
                status.loaded = True
                continue
            lines = plugin_log_lines(log, plugin.folder)
            info = next((ln for ln in failed_info.splitlines() if plugin.folder in ln), "")
            status.error = exception_of(lines, info or "")
            if info and info not in status.error:
                status.error += f" (AstrBot's plugin list says: {info.strip()})"
            status.log_excerpt = self.redact_text("\n".join(lines[-60:]))
            status.error = self.redact_text(status.error)
            status.likely_needs = await asyncio.to_thread(likely_release, status.error, plugin, self.framework_version,
                                                          self._other_releases())
            self.progress(f"adapter plugin {plugin.folder} did not load: {status.error}")

    def _other_releases(self) -> dict[str, Path]:
        """The other AstrBot releases cached on this machine (version -> interpreter), for compatibility hints."""
        from harness.frameworks.spec import cache_root

        out = {}
        for env in sorted((cache_root() / "venvs").glob("astrbot-*")):
            python = env / "bin" / "python"
            version = env.name.split("-")[1] if env.name.count("-") >= 2 else ""
            if python.exists() and version and version != self.framework_version:
                out[version] = python
        return out

    async def _construction_detail(self, platform: Mapping[str, Any]) -> str:
        """For an adapter from a plugin: the exception type and traceback of its constructor, reproduced in the
        framework's interpreter (AstrBot's answer carries only the message)."""
        from harness.adapter_plugins.compat import reproduce_construction

        status = self.plugin_for_type(str(platform.get("type")))
        if status is None or self.env_dir is None:
            return ""
        got = await asyncio.to_thread(reproduce_construction, self.env_dir / "bin" / "python", self.root, status.plugin,
                                      dict(platform), self._process_env())
        if got.get("ok"):
            return "; constructed outside AstrBot's dashboard the adapter does not raise"
        tb = self.redact_text(str(got.get("traceback") or "")).strip().splitlines()
        return (f"; the constructor raised {self.redact_text(str(got.get('error')))}"
                + (f" (traceback, last lines: {' | '.join(tb[-6:])})" if tb else ""))

    def plugin_for_type(self, adapter_type: str):
        """The status of the adapter plugin whose source registers ``adapter_type``, or None."""
        for plugin in self.adapter_plugins:
            if adapter_type in plugin.adapter_types:
                return self.plugin_status.get(plugin.folder)
        return None

    async def _ready(self) -> bool:
        return bool(await self.client.start_time())

    async def _probe_loaded(self) -> dict | None:
        assert self.client is not None and self.probe is not None
        for plugin in await self.client.plugins():
            if plugin.get("name") == self.probe.name:
                if not plugin.get("activated", True):
                    raise self.error(f"the probe plugin {self.probe.name} is loaded but not activated")
                return plugin
        log = self.processes["astrbot"].tail(20000)
        if f"插件 {self.probe.folder} 导入失败" in log or "Traceback" in log and self.probe.folder in log:
            raise self.error(f"AstrBot failed to load the probe plugin {self.probe.folder} (see the log)")
        return None

    def _require_started(self) -> AstrBotClient:
        if not self._started or self.client is None:
            raise StackError("the AstrBot stack is not running (call start() first)")
        self.check_alive()
        return self.client

    # ---- declarations and probe configuration ----

    def manifest(self, adapter: str):
        """The harness's declaration (harness.manifest.Manifest) for ``adapter``, or None."""
        from harness.frameworks.manifests import framework_manifests

        for m in framework_manifests(self.spec):
            if m.name == adapter:
                return m
        return None

    def probe_config_for(self, adapter: str, overrides: Mapping[str, Any] | None = None,
                         secrets: Iterable[str] = ()) -> dict:
        """Probe configuration for one bot: provenance, the declaration's lists, then ``overrides``."""
        manifest = self.manifest(adapter)
        cfg: dict[str, Any] = {
            "evidence_path": str(self.evidence_path),
            "run_id": self.run_id,
            "framework": self.framework,
            "framework_version": self.framework_version,
            "adapter": adapter,
            "apis": manifest.apis if manifest else [],
            "platform_actions": manifest.platform_actions if manifest else [],
        }
        cfg.update(dict(overrides or {}))
        cfg["redact_values"] = sorted({*cfg.get("redact_values", []), *secrets})
        return cfg

    # ---- bots ----

    async def _write_probe_config(self) -> None:
        client = self._require_started()
        assert self.probe is not None
        body = {"bots_json": json.dumps(self._probe_bots, ensure_ascii=False), "default_json": ""}
        try:
            await client.update_plugin_config(self.probe.name, body)
        except AstrBotAPIError as exc:
            raise self.error(f"writing the probe configuration failed: {self.redact_text(str(exc))}") from None
        await self.wait_until(self._probe_loaded, timeout=self.timeouts.install, what="the probe plugin after its reload")

    async def create_bot(self, adapter: str, adapter_config: Mapping[str, Any], *,
                         probe_config: Mapping[str, Any] | None = None, name: str | None = None,
                         secrets: Iterable[str] = ()) -> str:
        """Add an enabled platform instance for ``adapter`` (``adapter_config`` holds AstrBot's
        ``type`` and that adapter's settings); return its id."""
        client = self._require_started()
        t0 = time.monotonic()
        adapter_config = dict(adapter_config)
        if not adapter_config.get("type"):
            raise StackError(f"AstrBot needs the platform adapter type in adapter_config['type'] for {adapter}")
        bot_secrets = [str(v) for k, v in adapter_config.items() if isinstance(v, str) and v and is_secret_key(str(k))]
        bot_secrets += list(secrets)
        self.add_secrets(*bot_secrets)
        n = len(self.bots) + 1
        platform_id = f"acceptance_{_safe_id(adapter)}_{n}"
        params = self.probe_config_for(adapter, probe_config, bot_secrets)
        self._probe_bots[platform_id] = params
        await self._write_probe_config()
        platform = {**adapter_config, "id": platform_id, "enable": True}
        try:
            await client.new_platform(platform)
        except AstrBotAPIError as exc:
            said = exc.body.get("message") if isinstance(exc.body, dict) else exc.body
            raise self.error(f"creating the {adapter} platform failed: AstrBot answered {exc.method} {exc.path} with "
                             f"{self.redact_text(str(said))!r}{await self._construction_detail(platform)}") from None

        not_found = f"未找到适用于 {adapter_config['type']}({platform_id})"

        async def running() -> dict | None:
            if not_found in self.processes["astrbot"].tail(20000):
                raise self.error(f"AstrBot has no platform adapter of type {adapter_config['type']!r} for {platform_id} "
                                 f"(its log: {not_found} 平台适配器): no loaded plugin or release module registers it")
            stats = await client.platform_stats()
            for item in (stats or {}).get("platforms", []) if isinstance(stats, dict) else stats or []:
                if item.get("id") == platform_id:
                    if item.get("status") == "error":
                        raise self.error(f"AstrBot reports platform {platform_id} in error: "
                                         f"{self.redactor.value(item.get('last_error'))}")
                    return item if item.get("status") == "running" else None
            return None

        await self.wait_until(running, timeout=self.timeouts.bot_ready, what=f"platform {platform_id} to run")
        self.bots[platform_id] = Bot(platform_id, adapter, name or f"acceptance {adapter} {n}", adapter_config, params)
        self.timings[f"create_bot:{platform_id}"] = time.monotonic() - t0
        return platform_id

    async def delete_bot(self, bot_id: str) -> None:
        client = self._require_started()
        self.bots.pop(bot_id, None)
        self._probe_bots.pop(bot_id, None)
        try:
            await client.delete_platform(bot_id)
        except AstrBotAPIError as exc:
            raise self.error(f"deleting platform {bot_id} failed: {exc}") from None

    async def bot_logs(self, bot_id: str) -> list[dict]:
        """AstrBot's own log lines about this platform instance and its adapter (redacted).

        AstrBot 4.14 keeps no per-bot routing log; its process log names the platform id when the
        adapter loads and the adapter type on every adapter-level message, plugin errors included.
        """
        bot = self.bots.get(bot_id)
        adapter_type = str((bot.adapter_config if bot else {}).get("type") or "")
        marks = [m for m in (bot_id, adapter_type and f"[{adapter_type}]", adapter_type and f"{adapter_type}(",
                             "Star ", "插件", "plugin", "Traceback") if m]
        proc = self.processes.get("astrbot")
        if proc is None:
            return []
        try:
            text = proc.log_path.read_text("utf-8", "replace")
        except OSError:
            return []
        out = []
        for i, line in enumerate(ANSI.sub("", text).splitlines()):
            if any(m in line for m in marks):
                out.append({"seq_id": i, "text": self.redact_text(line)})
        return out[-2000:]

    # ---- logs ----

    async def collect_logs(self, dest: str | Path | None = None) -> dict[str, Path]:
        dest = Path(dest) if dest else self.log_dir / "collected"
        dest.mkdir(parents=True, exist_ok=True)
        out: dict[str, Path] = {}

        def put(name: str, text: str) -> None:
            path = dest / name
            path.write_text(self.redact_text(ANSI.sub("", text)), "utf-8")
            out[name] = path

        for pname, proc in self.processes.items():
            try:
                put(f"{pname}.log", proc.log_path.read_text("utf-8", "replace"))
            except OSError:
                pass
        init_log = self.log_dir / "astrbot-init.log"
        if init_log.exists():
            put("astrbot-init.log", init_log.read_text("utf-8", "replace"))
        for path in sorted((self.root / "data" / "logs").glob("*.log")) if (self.root / "data" / "logs").is_dir() else []:
            put(f"astrbot-data-{path.name}", path.read_text("utf-8", "replace"))
        for bot_id in list(self.bots):
            put(f"bot-{bot_id}.json", json.dumps(await self.bot_logs(bot_id), ensure_ascii=False, indent=1))
        return out

    def logs(self, chars: int = 12000) -> dict[str, str]:
        return {name: self.redact_text(ANSI.sub("", p.tail(chars))) for name, p in self.processes.items()}

    # ---- stop ----

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        try:
            if self.processes:
                await asyncio.wait_for(self.collect_logs(), timeout=max(10.0, 3 * self.timeouts.http))
        except Exception as exc:  # noqa: BLE001 - stopping must go on
            self.progress(f"collecting AstrBot logs failed: {type(exc).__name__}: {exc}")
        if self.client is not None:
            await self.client.close()
        proc = self.processes.get("astrbot")
        if proc is not None:
            await proc.astop(self.timeouts.stop)
        self._started = False
