"""The live chat suite's environment: one headless AstrBot, the stand-in model server, the ledger.

AstrBot is started by :class:`harness.stacks.AstrBotStack` with three configuration overrides
(streamed LLM responses, and the ids the STT/TTS settings point to); the stand-in model server
becomes its providers at run time through the dashboard API (``/api/config/provider/new`` and
``/delete``), so the suite can observe the endpoint without providers, with chat + STT, and with
TTS as well, in one AstrBot process:

* chat  ``openai_chat_completion`` -> ``<model server>/v1/chat/completions`` (SSE)
* STT   ``openai_whisper_api``     -> ``/v1/audio/transcriptions`` (the live handler uses the first STT provider)
* TTS   ``openai_tts_api``         -> ``/v1/audio/speech`` (used when ``provider_tts_settings.provider_id`` names it)

Everything listens on 127.0.0.1. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any, Callable

from acceptance_fixtures.live_chat.model_server import DEFAULT_STT_MODEL, DEFAULT_TTS_MODEL, ModelServer
from harness.errors import StackError
from harness.frameworks import FrameworkSpec
from harness.live_chat.client import Frame, Handshake, LiveChatConnection, LiveChatError, Turn, open_ws, pcm_tone, \
    probe_handshake, send_utterance, ws_url
from harness.live_chat.introspect import CodeFacts, package_dir, scan
from harness.live_chat.protocol import Ledger, build_report, load_documented, write_report
from harness.stacks.astrbot import AstrBotStack
from harness.stacks.astrbot_api import AstrBotAPIError
from harness.stacks.base import StackTimeouts

CHAT_ID, STT_ID, TTS_ID = "acceptance_live_chat", "acceptance_live_stt", "acceptance_live_tts"
DEFAULT_LIVE_PATH = "/api/live_chat/ws"
#: The only settings the suite changes (on top of the stack's closed-network settings).
LIVE_CONFIG = {
    "provider_settings": {"streaming_response": True},  # SSE from the model server, deltas reach the handler
    "provider_stt_settings": {"provider_id": STT_ID},
    # TTS is used only while this provider exists (4.15+ also wants `enable`; 4.14 ignores it in live mode).
    "provider_tts_settings": {"enable": True, "provider_id": TTS_ID},
}


def _say(msg: str) -> None:
    print(f"[live-chat] {msg}", file=sys.stderr, flush=True)


class LiveChatEnvironment:
    def __init__(self, spec: FrameworkSpec | str, workdir: Path, *, run_id: str, report_dir: Path,
                 progress: Callable[[str], None] | None = _say, timeouts: StackTimeouts | None = None,
                 turn_timeout: float = 60.0) -> None:
        self.spec = FrameworkSpec.parse(spec) if isinstance(spec, str) else spec
        self.workdir = Path(workdir).resolve()
        self.run_id = run_id
        self.report_dir = Path(report_dir)
        self.progress = progress or (lambda _m: None)
        self.turn_timeout = turn_timeout
        self.model = ModelServer()
        self.stack = AstrBotStack(self.spec, self.workdir / "stack", run_id=run_id,
                                  timeouts=timeouts or StackTimeouts(app_ready=300, install=180),
                                  config_overrides=LIVE_CONFIG, progress=self.progress)
        self.ledger = Ledger(self.workdir / "transcript.jsonl")
        self.code: CodeFacts | None = None
        self.providers: set[str] = set()
        self.connections: list[LiveChatConnection] = []
        self.report_paths: tuple[Path, Path] | None = None

    # ---- lifecycle ----

    async def start(self) -> None:
        await self.model.start()
        self.stack.add_secrets(self.model.api_key)
        await self.stack.start()
        self.stack.add_secrets(self.token)
        pkg = package_dir(self.stack.env_dir) if self.stack.env_dir else None
        if pkg is None:
            raise StackError(f"no astrbot package in {self.stack.env_dir}")
        self.code = scan(pkg)
        self.progress(f"live chat endpoint {self.live_path} on {self.stack.ws_base}; model server {self.model.base_url}")

    async def stop(self) -> None:
        try:
            for conn in self.connections:
                with contextlib.suppress(Exception):  # one broken socket must not leave AstrBot running
                    await conn.close()
            self.connections.clear()
            await self.stack.stop()
        finally:
            await self.model.stop()

    # ---- addresses and credentials ----

    @property
    def token(self) -> str:
        if self.stack.client is None or not self.stack.client.token:
            raise StackError("the AstrBot stack has no dashboard token (not started?)")
        return self.stack.client.token

    @property
    def live_path(self) -> str:
        """The live endpoint the release registers (from its code), the documented legacy path first."""
        routes = [r.path for r in (self.code.routes if self.code else []) if r.prefix_known]
        if DEFAULT_LIVE_PATH in routes:
            return DEFAULT_LIVE_PATH
        live = [p for p in routes if "live" in p]
        return live[0] if live else DEFAULT_LIVE_PATH

    def url(self, path: str | None = None, **query: str | None) -> str:
        return ws_url(self.stack.ws_base, path or self.live_path, **query)

    def release(self) -> dict[str, Any]:
        return {"framework": self.spec.name, "version": self.stack.framework_version,
                "spec": str(self.spec), "python": self.spec.python_version, "live_path": self.live_path,
                "base_url": self.stack.base_url if self.stack.port else None,
                "config_overrides": LIVE_CONFIG, "providers": sorted(self.providers)}

    # ---- providers (the model server as chat / STT / TTS provider) ----

    def _provider_config(self, pid: str) -> dict[str, Any]:
        base, key = self.model.base_url, self.model.api_key
        if pid == CHAT_ID:
            return {"id": CHAT_ID, "provider": "openai", "type": "openai_chat_completion", "provider_type": "chat_completion",
                    "enable": True, "key": [key], "api_base": base, "model": self.model.model, "timeout": 60,
                    "custom_headers": {}}
        if pid == STT_ID:
            return {"id": STT_ID, "provider": "openai", "type": "openai_whisper_api", "provider_type": "speech_to_text",
                    "enable": True, "api_key": key, "api_base": base, "model": DEFAULT_STT_MODEL}
        if pid == TTS_ID:
            return {"id": TTS_ID, "provider": "openai", "type": "openai_tts_api", "provider_type": "text_to_speech",
                    "enable": True, "api_key": key, "api_base": base, "model": DEFAULT_TTS_MODEL,
                    "openai-tts-voice": "alloy", "timeout": "20"}
        raise ValueError(pid)

    async def set_providers(self, *, chat: bool, stt: bool, tts: bool) -> None:
        """Add or remove the stand-in providers so that exactly the requested ones exist."""
        client = self.stack.client
        assert client is not None
        want = {pid for pid, on in ((CHAT_ID, chat), (STT_ID, stt), (TTS_ID, tts)) if on}
        for pid in sorted(self.providers - want):
            try:
                await client.request("POST", "/api/config/provider/delete", json_body={"id": pid})
            except AstrBotAPIError as exc:
                raise self.stack.error(f"removing provider {pid} failed: {self.stack.redact_text(str(exc))}") from None
            self.providers.discard(pid)
        for pid in sorted(want - self.providers):
            try:
                await client.new_provider(self._provider_config(pid))
            except AstrBotAPIError as exc:
                raise self.stack.error(f"adding provider {pid} failed: {self.stack.redact_text(str(exc))}") from None
            self.providers.add(pid)

    # ---- connections ----

    async def connect(self, scenario: str, *, path: str | None = None, credential: str = "dashboard-jwt",
                      **query: str | None) -> LiveChatConnection:
        """A held-open connection with the dashboard token; every frame goes into the ledger under ``scenario``."""
        query = {"token": self.token, **query}
        label = {"scenario": scenario}
        hs = await open_ws(self.url(path, **query), timeout=10.0,
                           on_frame=lambda f: self.ledger.record_frame(label["scenario"], f))
        self.ledger.record_handshake(scenario, path or self.live_path, credential, True, hs,
                                     {k: v for k, v in query.items() if v is not None})
        conn = hs.require()
        conn.label = label  # type: ignore[attr-defined]
        self.connections.append(conn)
        return conn

    @staticmethod
    def relabel(conn: LiveChatConnection, scenario: str) -> None:
        """Record the connection's further frames under ``scenario``."""
        conn.label["scenario"] = scenario  # type: ignore[attr-defined]

    async def attempt(self, scenario: str, *, path: str | None = None, credential: str, valid: bool,
                      headers: dict[str, str] | None = None, settle: float = 1.5, **query: str | None) -> Handshake:
        """One upgrade attempt (closed again right away); recorded in the ledger."""
        hs = await probe_handshake(self.url(path, **query), timeout=10.0, settle=settle, headers=headers)
        self.ledger.record_handshake(scenario, path or self.live_path, credential, valid, hs,
                                     {k: v for k, v in query.items() if v is not None})
        return hs

    async def utterance_turn(self, conn: LiveChatConnection, *, transcript: str, stamp: str, seconds: float = 0.3,
                             timeout: float | None = None) -> tuple[Turn, int]:
        """Speak ``seconds`` of tone that the STT stand-in will transcribe as ``transcript``; frames up to ``end``."""
        self.model.transcripts.append(transcript)
        pcm = pcm_tone(seconds)
        await send_utterance(conn, pcm, stamp=stamp)
        frames = await conn.collect_until(lambda f: f.t in ("end", "error", "stop_play"), timeout=timeout or self.turn_timeout,
                                          what=f"the end of the turn for {transcript!r}")
        return Turn(frames), len(pcm) // 2

    async def tail(self, conn: LiveChatConnection, seconds: float = 1.5) -> list[Frame]:
        """Frames that still arrive after a turn's ``end`` (AstrBot sends a last ``metrics``)."""
        return await conn.quiet(seconds)

    def stt_wav(self, transcript: str) -> dict[str, Any] | None:
        for t in reversed(self.model.transcriptions):
            if t.text == transcript:
                return t.wav
        return None

    # ---- report ----

    def build_report(self) -> dict[str, Any]:
        document, items = load_documented()
        if self.code is None:
            raise LiveChatError("the release's code was not scanned (environment not started)")
        return build_report(items=items, ledger=self.ledger, code=self.code, document=document,
                            release=self.release(), run_id=self.run_id)

    def write_report(self) -> tuple[Path, Path]:
        self.report_paths = write_report(self.build_report(), self.report_dir, redactor=self.stack.redactor)
        return self.report_paths

