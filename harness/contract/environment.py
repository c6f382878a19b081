"""AstrBot with a plugin-shipped HTTP adapter, the probe and the stand-in model server as its chat provider,
plus the adapter instances the contract checks need. Started once; every wait is bounded.

Instances (all on 127.0.0.1, each on its own free port):

* ``open``: the documented defaults, no token;
* ``secured``: a token, a custom ``api_prefix``, one allowed CORS origin and small limits (request size,
  request timeout, session timeout, session count), so each documented config key has an observable effect;
* ``disabled``: ``enable_http_api`` off.
"""

from __future__ import annotations

import secrets
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from acceptance_fixtures.live_chat.model_server import ModelServer
from harness.adapter_plugins import AdapterPlugin
from harness.contract.model import Contract
from harness.frameworks import FrameworkSpec
from harness.stacks.astrbot import AstrBotStack
from harness.stacks.base import StackTimeouts
from harness.stacks.ports import free_ports

CHAT_ID = "acceptance_contract_chat"
SECURED = {"api_prefix": "/acc/v9", "cors_origins": "http://allowed.test", "max_request_size": 4096,
           "request_timeout": 2, "session_timeout": 3, "max_sessions": 2}
ALLOWED_ORIGIN, OTHER_ORIGIN = "http://allowed.test", "http://elsewhere.test"


def _say(msg: str) -> None:
    print(f"[contract] {msg}", file=sys.stderr, flush=True)


@dataclass
class Instance:
    name: str
    bot_id: str
    config: dict[str, Any]

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.config['http_port']}"

    @property
    def prefix(self) -> str:
        return "/" + str(self.config.get("api_prefix") or "/api/v1").strip("/")

    def url(self, path: str) -> str:
        return self.base + self.prefix + path

    @property
    def token(self) -> str:
        return str(self.config.get("auth_token") or "")


class ContractEnvironment:
    def __init__(self, spec: FrameworkSpec | str, workdir: Path, contract: Contract, plugin: AdapterPlugin, *,
                 run_id: str, adapter_type: str, progress: Callable[[str], None] | None = _say,
                 timeouts: StackTimeouts | None = None, evidence_path: Path | None = None) -> None:
        self.spec = FrameworkSpec.parse(spec) if isinstance(spec, str) else spec
        self.contract, self.plugin, self.adapter_type = contract, plugin, adapter_type
        self.progress = progress or (lambda _m: None)
        self.model = ModelServer()
        self.stack = AstrBotStack(self.spec, Path(workdir) / "stack", run_id=run_id, progress=self.progress,
                                  timeouts=timeouts or StackTimeouts(app_ready=300, install=180),
                                  adapter_plugins=[plugin], evidence_path=evidence_path)
        self.instances: dict[str, Instance] = {}
        self.token = "acc-http-" + secrets.token_urlsafe(18)

    def secrets(self) -> set[str]:
        return {self.token, self.model.api_key, *self.stack.redactor.known}

    async def start(self) -> None:
        await self.model.start()
        self.stack.add_secrets(self.model.api_key, self.token)
        await self.stack.start()
        status = self.stack.plugin_status.get(self.plugin.folder)
        if status is not None and not status.loaded:
            return  # the checks end blocked with the plugin's load error
        client = self.stack.client
        assert client is not None
        await client.new_provider({"id": CHAT_ID, "provider": "openai", "type": "openai_chat_completion",
                                   "provider_type": "chat_completion", "enable": True, "key": [self.model.api_key],
                                   "api_base": self.model.base_url, "model": self.model.model, "timeout": 60,
                                   "custom_headers": {}})
        ports = free_ports(3, host="127.0.0.1")
        base = {"type": self.adapter_type, "http_host": "127.0.0.1"}
        plans = {"open": {**base, "http_port": ports[0], "auth_token": ""},
                 "secured": {**base, **SECURED, "http_port": ports[1], "auth_token": self.token},
                 "disabled": {**base, "http_port": ports[2], "enable_http_api": False}}
        for name, cfg in plans.items():
            bot_id = await self.stack.create_bot(self.contract.name, cfg, secrets=[self.token])
            self.instances[name] = Instance(name, bot_id, cfg)
            self.progress(f"{self.adapter_type} instance {name} ({bot_id}) on 127.0.0.1:{cfg['http_port']}")

    async def stop(self) -> None:
        try:
            await self.stack.stop()
        finally:
            await self.model.stop()
