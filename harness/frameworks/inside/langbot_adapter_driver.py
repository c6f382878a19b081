"""Runs INSIDE LangBot's interpreter (not the harness's): builds one LangBot EBA adapter in-process and drives it.

No LangBot core, no plugin runtime, no plugin: the adapter class from the installed release is
constructed as ``Adapter(config, logger)``, a listener is registered for every EBA event (on
``EBAEvent``, the entry LangBot's own core registers, plus ``FeedbackEvent``), and the adapter's
``run_async()`` runs in this process. Every event the adapter emits becomes an ``event`` record
(producer ``adapter-driver``) with the same ``event`` fields the probe writes; on command the driver
calls the adapter's common APIs, ``call_platform_api`` and sends components, each as an ``api_call``
record. The checker rates what this observer saw ``adapter-live``, never higher.

Usage: python langbot_adapter_driver.py --repo <harness repository root>

Control: JSON lines. stdin carries requests ``{"id": n, "cmd": "...", ...}``; stdout carries the
answers ``{"id": n, "ok": true, "result": ...}`` / ``{"id": n, "ok": false, "error": "..."}`` and
notifications ``{"notify": "event" | "log" | "adapter_exit", ...}``. Everything else this process
or the framework prints goes to stderr. Commands: hello, start, call, send, sweep, echo,
listeners, dispatch_check, stop (see ``Driver.cmd_*``). EOF on stdin stops the driver.

Shared code, loaded by path (never copied): the harness's standard-library evidence writer and
redaction (``harness/evidence/writer.py``, ``redact.py``) and the LangBot probe's library
(``probes/langbot/acceptance_probe``: event description, component vocabulary, the sweep).

What stands in for LangBot's core: a minimal runtime object for adapters that ask for one
(``bind_runtime``; an adapter may check that its bot is still placed and enabled), and, for a reverse
mode, a WebSocket endpoint that performs the checks of LangBot's per-bot WebSocket route
route (bearer token, ``X-Client-Role``, ``X-Self-ID``, one connection) before handing the socket to
the adapter's own ``serve_connection``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib
import json
import os
import sys
import time
import traceback
import types
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1
MAX_LINE = 64 * 1024 * 1024
KEEP_EVENTS = 1000
ADAPTERS_PACKAGE = "langbot.pkg.platform.adapters"


# ------------------------------------------------------------------------------------ shared code
def _package(name: str, folder: Path) -> types.ModuleType:
    """Register ``folder`` as package ``name`` without running its ``__init__`` (submodules import normally)."""
    if name in sys.modules:
        return sys.modules[name]
    if not folder.is_dir():
        raise RuntimeError(f"shared harness code not found at {folder}")
    module = types.ModuleType(name)
    module.__path__ = [str(folder)]  # type: ignore[attr-defined]
    module.__package__ = name
    sys.modules[name] = module
    return module


def load_shared(repo: Path) -> types.SimpleNamespace:
    _package("_acceptance_evidence", repo / "harness" / "evidence")
    _package("acceptance_probe", repo / "probes" / "langbot" / "acceptance_probe")
    writer = importlib.import_module("_acceptance_evidence.writer")
    return types.SimpleNamespace(
        EvidenceWriter=writer.EvidenceWriter,
        events=importlib.import_module("acceptance_probe.events"),
        components=importlib.import_module("acceptance_probe.components"),
        config=importlib.import_module("acceptance_probe.config"),
        calls=importlib.import_module("acceptance_probe.calls"),
        sweep=importlib.import_module("acceptance_probe.sweep"),
        jsonsafe=importlib.import_module("acceptance_probe.jsonsafe"),
    )


# ------------------------------------------------------------------------------------ adapters
def find_adapter_class(manifest_name: str) -> tuple[type, Path, dict]:
    """The adapter class whose manifest is named ``manifest_name`` (``execution.python`` of its manifest)."""
    import yaml

    root = Path(importlib.import_module(ADAPTERS_PACKAGE).__path__[0])
    for folder in sorted(p for p in root.iterdir() if (p / "manifest.yaml").exists()):
        manifest = yaml.safe_load((folder / "manifest.yaml").read_text("utf-8"))
        if (manifest.get("metadata") or {}).get("name") != manifest_name:
            continue
        execution = (manifest.get("execution") or {}).get("python") or {}
        module = importlib.import_module(f"{ADAPTERS_PACKAGE}.{folder.name}.{Path(execution.get('path', 'adapter.py')).stem}")
        return getattr(module, execution["attr"]), folder, manifest
    raise LookupError(f"no adapter manifest named {manifest_name!r} under {root}")


def all_subclasses(cls: type) -> list[type]:
    out: list[type] = []
    for sub in cls.__subclasses__():
        out.append(sub)
        out.extend(all_subclasses(sub))
    return out


class _PlatformManager:
    def __init__(self, runtime: "DriverRuntime") -> None:
        self.runtime = runtime

    async def resolve_public_bot(self, bot_uuid: str) -> "DriverRuntime | None":
        return self.runtime if bot_uuid == self.runtime.bot_entity.uuid else None


class DriverRuntime:
    """The little of LangBot's runtime bot an adapter may consult: it stays placed and enabled."""

    def __init__(self, adapter: Any, bot_uuid: str) -> None:
        self.adapter = adapter
        self.enable = True
        self.workspace_uuid = None
        self.bot_entity = types.SimpleNamespace(uuid=bot_uuid, name="adapter-driver")
        self.ap = types.SimpleNamespace(platform_mgr=_PlatformManager(self))


def make_logger(driver: "Driver"):
    from langbot_plugin.api.definition.abstract.platform.event_logger import AbstractEventLogger

    class DriverLogger(AbstractEventLogger):
        """The adapter's log: stderr, a notification, and a ``finding`` for warnings and errors."""

        async def _log(self, level: str, text: str) -> None:
            driver.adapter_log(level, str(text))

        async def info(self, text, images=None, message_session_id=None, no_throw=True):
            await self._log("info", text)

        async def debug(self, text, images=None, message_session_id=None, no_throw=True):
            await self._log("debug", text)

        async def warning(self, text, images=None, message_session_id=None, no_throw=True):
            await self._log("warning", text)

        async def error(self, text, images=None, message_session_id=None, no_throw=True):
            await self._log("error", text)

    return DriverLogger()


# ------------------------------------------------------------------------------------ evidence
class DriverRecorder:
    """The probe Recorder's interface (used by the shared sweep), writing as producer ``adapter-driver``."""

    def __init__(self, writer: Any, adapter: str) -> None:
        self.writer = writer
        self.adapter = adapter
        self.errors: list[str] = []

    def _write(self, record_type: str, **fields: Any) -> dict | None:
        try:
            return self.writer.write(record_type, adapter=self.adapter, **fields)
        except Exception as exc:  # evidence problems are reported, never raised into the adapter
            self.errors.append(f"{type(exc).__name__}: {exc}")
            print(f"[driver] evidence write failed: {exc!r}", file=sys.stderr, flush=True)
            return None

    def event(self, event: dict, capabilities: list[str]) -> dict | None:
        return self._write("event", event=event, capabilities=capabilities)

    def api_call(self, api: dict, capabilities: list[str], expected: dict | None = None) -> dict | None:
        return self._write("api_call", api=api, capabilities=capabilities, expected=expected)

    def finding(self, message: str, capabilities: list[str] | None = None, **extra: Any) -> dict | None:
        return self._write("finding", message=message, capabilities=capabilities, **extra)

    def skip(self, status: str, reason: str, capabilities: list[str], source: str = "adapter driver") -> dict | None:
        return self._write("skip", status=status, reason=reason, capabilities=capabilities, source=source)

    def check(self, capabilities: list[str], status: str, message: str, **extra: Any) -> dict | None:
        return self._write("check", capabilities=capabilities, status=status, level="adapter-live", message=message, **extra)

    def error(self, where: str, exc: BaseException) -> dict | None:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
        return self.finding(f"adapter driver error in {where}: {type(exc).__name__}: {exc}", traceback=tb)


class AdapterAsPlugin:
    """What the shared sweep calls on a plugin, answered by the adapter itself.

    ``call_platform_api(bot, api, params)`` does what LangBot's plugin-wide handler does with it:
    ``adapter.call_platform_api(action, params)`` for ``call_platform_api``, else ``adapter.<api>(**params)``.
    """

    def __init__(self, adapter: Any) -> None:
        self.adapter = adapter

    async def send_message(self, bot_uuid: str, target_type: str, target_id: str, chain: Any) -> Any:
        return await self.adapter.send_message(target_type, target_id, chain)

    async def call_platform_api(self, bot_uuid: str, api: str, params: dict) -> Any:
        if api == "call_platform_api":
            return await self.adapter.call_platform_api(params["action"], params.get("params") or {})
        fn = getattr(self.adapter, api, None)
        if fn is None:
            raise AttributeError(f"the adapter has no method {api}")
        return await fn(**params)


class SourceContext:
    """The sweep's run context: ``reply`` goes to the adapter's ``reply_message`` with the real source event."""

    def __init__(self, adapter: Any, source_event: Any) -> None:
        self.adapter = adapter
        self.source_event = source_event

    async def reply(self, message_chain: Any, quote_origin: bool = False) -> Any:
        return await self.adapter.reply_message(self.source_event, message_chain, quote_origin=quote_origin)


def make_sweep_class(shared: types.SimpleNamespace):
    Sweep = shared.sweep.Sweep
    call = shared.calls.call

    class DriverSweep(Sweep):
        """The probe's sweep with one call path: straight into the adapter (scope ``adapter``)."""

        async def step(self, name, capabilities, input_summary, run_fn, plugin_fn=None, *, action=None, expected=None):
            outcome = await call(run_fn, scope="adapter", timeout=self.cfg.call_timeout)
            self.counts.add(outcome)
            self.rec.api_call(outcome.api(name, input_summary, action), capabilities, expected)
            if self.cfg.pause_between_calls > 0:
                await asyncio.sleep(self.cfg.pause_between_calls)
            return outcome

    return DriverSweep


# ------------------------------------------------------------------------------------ the driver
class CommandError(Exception):
    pass


class Driver:
    def __init__(self, shared: types.SimpleNamespace, out) -> None:
        self.shared = shared
        self.out = out
        self.adapter: Any = None
        self.adapter_name = ""
        self.adapter_class = ""
        self.writer: Any = None
        self.rec: DriverRecorder | None = None
        self.events: collections.OrderedDict[str, tuple[dict, dict, Any]] = collections.OrderedDict()
        self.echo = False
        self.record = True
        self.run_task: asyncio.Task | None = None
        self.reverse_server: Any = None
        self.tasks: set[asyncio.Task] = set()
        self.stopping = asyncio.Event()
        self.listener_mode = "eba"
        self._callbacks: dict[type, Any] = {}
        self.dispatch_seen: dict[str, list[str]] = {}
        self.errors_logged = 0

    # ---- output ----
    def emit(self, payload: dict) -> None:
        self.out.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")
        self.out.flush()

    def notify(self, kind: str, **fields: Any) -> None:
        self.emit({"notify": kind, "t": time.time(), **fields})

    def adapter_log(self, level: str, text: str) -> None:
        print(f"[adapter {level}] {text}", file=sys.stderr, flush=True)
        if level in ("warning", "error"):
            self.notify("log", level=level, text=text[-4000:])
            if level == "error":
                self.errors_logged += 1
            if self.rec is not None:
                self.rec.finding(f"the adapter logged a{'n' if level == 'error' else ''} {level}: {text.strip().splitlines()[-1][:300] if text.strip() else ''}",
                                 log_level=level, log_text=text[-4000:])

    def spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    # ---- events ----
    def _listener(self, tag: str):
        async def on_event(event: Any, adapter: Any = None) -> None:
            try:
                self.observe(event, tag)
            except Exception as exc:  # never break the adapter's dispatch loop
                if self.rec is not None:
                    self.rec.error("event recording", exc)
        on_event.__name__ = f"on_event_{tag}"
        return on_event

    def observe(self, event: Any, tag: str) -> None:
        from langbot_plugin.api.entities.builtin.platform import events as platform_events

        data = event.model_dump(mode="json", exclude={"source_platform_object", "legacy_event"})
        if isinstance(event, platform_events.MessageReceivedEvent):
            # As LangBot's core does for event processors: the SDK wire format of the chain.
            data["message_chain"] = event.message_chain.model_dump()
        has_spo = getattr(event, "source_platform_object", None) is not None
        described = self.shared.events.describe_event(
            {**data, "source_platform_object": True if has_spo else None},
            {"observer": "adapter-driver", "listener": tag, "adapter_class": self.adapter_class},
        )
        if self.record and self.rec is not None:
            self.rec.event(described, self.shared.events.event_capabilities(described))
        mid = described.get("message_id")
        if mid:
            self.events[str(mid)] = (described, data, event)
            while len(self.events) > KEEP_EVENTS:
                self.events.popitem(last=False)
        self.dispatch_seen.setdefault(self.listener_mode, []).append(tag)
        self.notify("event", listener=tag, mode=self.listener_mode, event=described)
        if self.echo and described.get("type") == "message.received":
            self.spawn(self._echo(event, described))

    async def _echo(self, event: Any, described: dict) -> None:
        from langbot_plugin.api.entities.builtin.platform.message import MessageChain, Plain

        try:
            await self.adapter.reply_message(event, MessageChain([Plain(text=f"echo:{described.get('message_id') or ''}")]))
        except Exception as exc:
            if self.rec is not None:
                self.rec.error("echo reply", exc)

    def _register(self, mode: str) -> None:
        """Listener sets: ``eba`` (what LangBot's core registers), or the dispatch-order phases
        ``specific`` (each concrete class + EBAEvent + Event), ``base`` (EBAEvent + Event), ``event`` (Event)."""
        from langbot_plugin.api.entities.builtin.platform import events as platform_events

        for cls, cb in list(self._callbacks.items()):
            unregister = getattr(self.adapter, "unregister_listener", None)
            if unregister is not None:
                unregister(cls, cb)
            else:  # pragma: no cover - every 4.11 adapter has it
                self.adapter.listeners.pop(cls, None)
        self._callbacks.clear()
        wanted: list[tuple[type, str]] = []
        if mode == "eba":
            wanted = [(platform_events.EBAEvent, "EBAEvent"), (platform_events.FeedbackEvent, "FeedbackEvent")]
        elif mode == "specific":
            wanted = [(c, "specific") for c in all_subclasses(platform_events.EBAEvent)]
            wanted += [(platform_events.EBAEvent, "EBAEvent"), (platform_events.Event, "Event")]
        elif mode == "base":
            wanted = [(platform_events.EBAEvent, "EBAEvent"), (platform_events.Event, "Event")]
        elif mode == "event":
            wanted = [(platform_events.Event, "Event")]
        else:
            raise CommandError(f"unknown listener mode {mode!r}")
        for cls, tag in wanted:
            cb = self._listener(tag)
            self.adapter.register_listener(cls, cb)
            self._callbacks[cls] = cb
        self.listener_mode = mode

    # ---- commands ----
    async def cmd_hello(self, req: dict) -> dict:
        import importlib.metadata as md

        versions = {}
        for dist in ("langbot", "langbot-plugin"):
            try:
                versions[dist] = md.version(dist)
            except md.PackageNotFoundError:
                versions[dist] = None
        return {"protocol": PROTOCOL_VERSION, "python": sys.version.split()[0], "pid": os.getpid(), "versions": versions}

    async def cmd_start(self, req: dict) -> dict:
        if self.adapter is not None:
            raise CommandError("an adapter is already running in this driver")
        self.adapter_name = str(req["adapter"])
        evidence = req.get("evidence") or {}
        if evidence.get("path"):
            self.writer = self.shared.EvidenceWriter.to_file(
                evidence["path"], run_id=str(evidence.get("run_id") or "unset"), framework=str(evidence.get("framework") or "langbot"),
                framework_version=str(evidence.get("framework_version") or ""), producer="adapter-driver",
                secrets=[str(s) for s in evidence.get("redact_values") or [] if s],
            )
            self.rec = DriverRecorder(self.writer, self.adapter_name)
        self.record = bool(req.get("record", True)) and self.rec is not None
        self.echo = bool(req.get("echo", False))

        cls, folder, _manifest = find_adapter_class(self.adapter_name)
        self.adapter_class = f"{cls.__module__}.{cls.__name__}"
        config = dict(req.get("config") or {})
        t0 = time.time()
        self.adapter = cls(config, make_logger(self))
        bot_uuid = str(req.get("bot_uuid") or "adapter-driver")
        if hasattr(self.adapter, "bind_runtime"):
            self.adapter.bind_runtime(DriverRuntime(self.adapter, bot_uuid))
        self._register(str(req.get("listeners") or "eba"))
        result: dict[str, Any] = {"class": self.adapter_class, "folder": str(folder), "constructed_in": round(time.time() - t0, 4)}
        reverse = req.get("reverse")
        if reverse:
            result["reverse_url"] = await self._serve_reverse(int(reverse.get("port") or 0), str(reverse.get("path") or "/"))
        self.run_task = self.spawn(self._run_adapter())
        return result

    async def _run_adapter(self) -> None:
        try:
            await self.adapter.run_async()
            self.notify("adapter_exit", ok=True, error=None)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - reported to the harness and as evidence
            text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
            print(f"[driver] adapter run_async failed:\n{text}", file=sys.stderr, flush=True)
            self.notify("adapter_exit", ok=False, error=f"{type(exc).__name__}: {exc}")
            if self.rec is not None:
                self.rec.finding(f"the adapter's run_async() ended with {type(exc).__name__}: {exc}", traceback=text)

    async def _serve_reverse(self, port: int, path: str) -> str:
        """A reverse WebSocket: the checks LangBot's per-bot route makes, then the adapter's own ``serve_connection``."""
        from http import HTTPStatus

        from websockets.asyncio.server import serve

        adapter = self.adapter
        if not hasattr(adapter, "serve_connection") or not hasattr(adapter, "authenticate"):
            raise CommandError(f"{self.adapter_class} has no reverse WebSocket entry (serve_connection)")
        if adapter.config.get("connection_mode") != "reverse_ws":
            raise CommandError("reverse serving needs connection_mode reverse_ws")

        def check(connection, request):
            headers = request.headers
            if request.path.split("?")[0] != path:
                return connection.respond(HTTPStatus.NOT_FOUND, "no such endpoint\n")
            if not adapter.authenticate(headers):
                return connection.respond(HTTPStatus.UNAUTHORIZED, "unauthorized\n")
            if headers.get("X-Client-Role", "").lower() != "universal":
                return connection.respond(HTTPStatus.BAD_REQUEST, "X-Client-Role must be Universal\n")
            self_id = headers.get("X-Self-ID", "")
            expected = str(adapter.config.get("self_id", "") or "")
            if not self_id or (expected and self_id != expected):
                return connection.respond(HTTPStatus.BAD_REQUEST, "bad X-Self-ID\n")
            if adapter.bot.connection is not None:
                return connection.respond(HTTPStatus.CONFLICT, "one connection at a time\n")
            return None

        async def handler(ws) -> None:
            try:
                await adapter.serve_connection(ws.send, ws.recv, ws.close, ws.request.headers.get("X-Self-ID", ""))
            except Exception as exc:  # as LangBot's route: close with 1011
                print(f"[driver] reverse connection ended: {exc!r}", file=sys.stderr, flush=True)
                await ws.close(1011)

        self.reverse_server = await serve(handler, "127.0.0.1", port, process_request=check, max_size=8 * 1024 * 1024,
                                          ping_interval=None)
        bound = self.reverse_server.sockets[0].getsockname()[1]
        return f"ws://127.0.0.1:{bound}{path}"

    def _require(self) -> Any:
        if self.adapter is None:
            raise CommandError("no adapter started (send 'start' first)")
        return self.adapter

    def _chain(self, value: Any) -> Any:
        from langbot_plugin.api.entities.builtin.platform.message import MessageChain

        if isinstance(value, MessageChain):
            return value
        if isinstance(value, dict) and "root" in value:
            value = value["root"]
        return MessageChain.model_validate(value or [])

    def _source(self, message_id: Any) -> tuple[dict, dict, Any]:
        found = self.events.get(str(message_id))
        if found is None:
            raise CommandError(f"no event with message id {message_id!r} was observed (last {KEEP_EVENTS} kept)")
        return found

    async def cmd_call(self, req: dict) -> dict:
        """One API call: ``{"api", "params", "capabilities", "expected", "action"}``.

        ``params.message`` / ``params.new_content`` (SDK JSON chains) become MessageChains;
        ``reply_message`` takes ``params.message_id`` of an observed message as its source event.
        """
        adapter = self._require()
        api = str(req["api"])
        params = dict(req.get("params") or {})
        summary = self.shared.jsonsafe.json_safe(params, max_str=300)
        for key in ("message", "new_content"):
            if key in params and api != "call_platform_api":
                params[key] = self._chain(params[key])
        plugin = AdapterAsPlugin(adapter)
        if api == "reply_message":
            source = self._source(params.pop("message_id", None) or params.pop("message_source", None))[2]
            fn = lambda: adapter.reply_message(source, params["message"], quote_origin=bool(params.get("quote_origin", False)))  # noqa: E731
        elif api == "send_message":
            fn = lambda: adapter.send_message(str(params["target_type"]), str(params["target_id"]), params["message"])  # noqa: E731
        else:
            fn = lambda: plugin.call_platform_api("", api, params)  # noqa: E731
        outcome = await self.shared.calls.call(fn, scope="adapter", timeout=float(req.get("timeout") or 30))
        api_record = outcome.api(api, summary, req.get("action") or (params.get("action") if api == "call_platform_api" else None))
        action = api_record.get("action")
        caps = list(req.get("capabilities") or ([f"api:{api}"] + ([f"platform_api:{action}"] if action else [])))
        if self.rec is not None:
            self.rec.api_call(api_record, caps, req.get("expected"))
        return {"api": api_record}

    async def cmd_send(self, req: dict) -> dict:
        """Send components: ``{"target_type", "target_id", "components": SDK JSON chain, "expected", "capabilities"}``."""
        components = req.get("components") or []
        types_ = [c.get("type") for c in components if isinstance(c, dict)]
        caps = req.get("capabilities") or ["api:send_message", *[f"send:{t}" for t in dict.fromkeys(types_)]]
        expected = req.get("expected")
        if expected is None:
            expected = {"components": self.shared.components.normalize_chain(self._chain(components).model_dump()),
                        "target": {"type": req["target_type"], "id": str(req["target_id"])}}
        return await self.cmd_call({"api": "send_message", "capabilities": caps, "expected": expected, "timeout": req.get("timeout"),
                                    "params": {"target_type": req["target_type"], "target_id": str(req["target_id"]),
                                               "message": components}})

    async def cmd_sweep(self, req: dict) -> dict:
        """The probe's sweep, from the adapter's side: ``{"probe_config": {...}, "trigger_message_id": "..."}``."""
        adapter = self._require()
        if self.rec is None:
            raise CommandError("the sweep needs an evidence path (start with evidence.path)")
        cfg = self.shared.config.ProbeConfig.from_mapping(req.get("probe_config") or {})
        described, data, source = self._source(req["trigger_message_id"])
        trigger = self.shared.sweep.trigger_from_event(described, data)
        sweep = make_sweep_class(self.shared)(cfg, self.rec, AdapterAsPlugin(adapter), SourceContext(adapter, source), trigger)
        return await sweep.run()

    async def cmd_echo(self, req: dict) -> dict:
        self.echo = bool(req.get("enabled", True))
        return {"echo": self.echo}

    async def cmd_listeners(self, req: dict) -> dict:
        self._require()
        self._register(str(req.get("mode") or "eba"))
        self.dispatch_seen.pop(self.listener_mode, None)
        return {"mode": self.listener_mode, "registered": sorted({c.__name__ for c in self._callbacks})[:50]}

    async def cmd_dispatch_check(self, req: dict) -> dict:
        """Judge the dispatch-order phases run so far and write the ``compat:listener_dispatch_order`` check."""
        expect = {"specific": "specific", "base": "EBAEvent", "event": "Event"}
        seen = {mode: self.dispatch_seen.get(mode, []) for mode in expect}
        problems = []
        for mode, tag in expect.items():
            if not seen[mode]:
                problems.append(f"phase {mode}: no event reached any listener")
            elif set(seen[mode]) != {tag}:
                problems.append(f"phase {mode}: expected the {tag} listener, got {sorted(set(seen[mode]))}")
        status = "failed" if problems else "passed"
        message = "; ".join(problems) or ("the most specific class's listener won, then EBAEvent's, then Event's "
                                          f"(phases specific/base/event, {sum(len(v) for v in seen.values())} events)")
        if self.rec is not None:
            self.rec.check(["compat:listener_dispatch_order"], status, message, phases=seen)
        return {"status": status, "message": message, "phases": seen}

    async def cmd_stop(self, req: dict) -> dict:
        result: dict[str, Any] = {"errors_logged": self.errors_logged}
        if self.adapter is not None:
            try:
                result["killed"] = await asyncio.wait_for(self.adapter.kill(), float(req.get("timeout") or 10))
            except Exception as exc:  # noqa: BLE001
                result["kill_error"] = f"{type(exc).__name__}: {exc}"
        if self.reverse_server is not None:
            self.reverse_server.close()
        self.stopping.set()
        return result

    async def handle(self, req: dict) -> None:
        rid = req.get("id")
        cmd = str(req.get("cmd") or "")
        fn = getattr(self, f"cmd_{cmd}", None)
        try:
            if fn is None:
                raise CommandError(f"unknown command {cmd!r}")
            result = await fn(req)
            self.emit({"id": rid, "ok": True, "result": self.shared.jsonsafe.json_safe(result, max_str=20000, max_items=500)})
        except Exception as exc:  # noqa: BLE001 - every failure is an answer
            tb = "" if isinstance(exc, CommandError) else traceback.format_exc()[-4000:]
            self.emit({"id": rid, "ok": False, "error": f"{type(exc).__name__}: {exc}", "traceback": tb})

    async def shutdown(self) -> None:
        if self.adapter is not None and not self.stopping.is_set():
            try:
                await asyncio.wait_for(self.adapter.kill(), 10)
            except Exception:  # noqa: BLE001
                pass
        if self.reverse_server is not None:
            self.reverse_server.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.writer is not None:
            self.writer.close()


async def main_async(repo: Path, out) -> None:
    shared = load_shared(repo)
    driver = Driver(shared, out)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=MAX_LINE)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    driver.notify("ready", pid=os.getpid())
    try:
        while not driver.stopping.is_set():
            read = asyncio.ensure_future(reader.readline())
            stop = asyncio.ensure_future(driver.stopping.wait())
            done, _ = await asyncio.wait({read, stop}, return_when=asyncio.FIRST_COMPLETED)
            if read not in done:
                read.cancel()
                break
            stop.cancel()
            line = read.result()
            if not line:  # EOF: the harness went away
                break
            try:
                req = json.loads(line)
            except ValueError:
                driver.emit({"id": None, "ok": False, "error": "request is not JSON"})
                continue
            driver.spawn(driver.handle(req))
        await asyncio.sleep(0.05)  # let the answer to 'stop' go out
    finally:
        await driver.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True, help="harness repository root (for harness/evidence and probes/langbot)")
    args = parser.parse_args()
    # The control channel is the original stdout; everything printed afterwards goes to stderr.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    asyncio.run(main_async(Path(args.repo).resolve(), out))


if __name__ == "__main__":
    main()
