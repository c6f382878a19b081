"""Minimal client for LangBot 4.11's HTTP API (the calls the stack needs, nothing else).

Responses have the shape ``{"code": 0, "msg": "ok", "data": ...}``; anything else (HTTP error, a
non-zero code, a string code like ``bot_apply_failed``) raises ``LangBotAPIError``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp


class LangBotAPIError(Exception):
    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method, self.path, self.status, self.body = method, path, status, body
        super().__init__(f"{method} {path} -> HTTP {status}: {str(body)[:1000]}")


class LangBotClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _sess(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # trust_env=False: never route the loopback API through a proxy.
            # force_close: a connection per request. The framework's server (hypercorn) closes idle keep-alive
            # connections after a few seconds; a request sent on one just as it closes fails with
            # ServerDisconnectedError (seen between two runs on one stack). On loopback a fresh connection is cheap.
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False,
                                                  connector=aiohttp.TCPConnector(force_close=True))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    async def request(self, method: str, path: str, *, json_body: Any = None, data: Any = None,
                      auth: bool = True, timeout: float | None = None) -> Any:
        session = await self._sess()
        kwargs: dict[str, Any] = {"headers": self._headers() if auth else {}}
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = data
        if timeout is not None:
            kwargs["timeout"] = aiohttp.ClientTimeout(total=timeout)
        async with session.request(method, self.base_url + path, **kwargs) as resp:
            text = await resp.text()
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
            if resp.status >= 400 or not isinstance(body, dict) or body.get("code") not in (0, None):
                raise LangBotAPIError(method, path, resp.status, body)
            return body.get("data")

    # ---- health, admin ----

    async def healthz(self) -> dict:
        session = await self._sess()
        async with session.get(self.base_url + "/healthz") as resp:
            if resp.status != 200:
                raise LangBotAPIError("GET", "/healthz", resp.status, await resp.text())
            return await resp.json()

    async def is_initialized(self) -> bool:
        data = await self.request("GET", "/api/v1/user/init", auth=False)
        return bool((data or {}).get("initialized"))

    async def init_admin(self, user: str, password: str) -> None:
        await self.request("POST", "/api/v1/user/init", json_body={"user": user, "password": password}, auth=False)

    async def login(self, user: str, password: str) -> str:
        data = await self.request("POST", "/api/v1/user/auth", json_body={"user": user, "password": password}, auth=False)
        self.token = data["token"]
        return self.token

    # ---- plugins ----

    async def install_local_plugin(self, package: Path) -> int:
        form = aiohttp.FormData()
        form.add_field("file", package.read_bytes(), filename=package.name, content_type="application/octet-stream")
        data = await self.request("POST", "/api/v1/plugins/install/local", data=form)
        return int(data["task_id"])

    async def task(self, task_id: int) -> dict:
        return await self.request("GET", f"/api/v1/system/tasks/{task_id}")

    async def plugins(self) -> list[dict]:
        return (await self.request("GET", "/api/v1/plugins"))["plugins"]

    async def plugin_logs(self, author: str, name: str) -> Any:
        return await self.request("GET", f"/api/v1/plugins/{author}/{name}/logs")

    async def agent_metadata(self) -> dict:
        return await self.request("GET", "/api/v1/agents/_/metadata")

    # ---- processors (agents) ----

    async def create_event_processor(self, name: str, component_ref: str, parameters: dict,
                                     allowed_platform_tools: list[str], extra_config: dict | None = None) -> str:
        body = {
            "name": name,
            "kind": "event_processor",
            "component_ref": component_ref,
            "parameters": parameters,
            "config": {"allowed_platform_tools": list(allowed_platform_tools), **(extra_config or {})},
        }
        return (await self.request("POST", "/api/v1/agents", json_body=body))["uuid"]

    async def update_event_processor(self, uuid: str, component_ref: str, parameters: dict,
                                     allowed_platform_tools: list[str]) -> None:
        body = {"component_ref": component_ref, "parameters": parameters,
                "config": {"allowed_platform_tools": list(allowed_platform_tools)}}
        await self.request("PUT", f"/api/v1/agents/{uuid}", json_body=body)

    async def delete_agent(self, uuid: str) -> None:
        await self.request("DELETE", f"/api/v1/agents/{uuid}")

    async def processor_runs(self, uuid: str) -> dict:
        return await self.request("GET", f"/api/v1/agents/{uuid}/runs")

    # ---- bots ----

    async def create_bot(self, name: str, adapter: str, adapter_config: dict, enable: bool) -> str:
        body = {"name": name, "adapter": adapter, "adapter_config": adapter_config, "enable": enable}
        return (await self.request("POST", "/api/v1/platform/bots", json_body=body))["uuid"]

    async def update_bot(self, uuid: str, fields: dict) -> None:
        await self.request("PUT", f"/api/v1/platform/bots/{uuid}", json_body=fields)

    async def get_bot(self, uuid: str) -> dict:
        return (await self.request("GET", f"/api/v1/platform/bots/{uuid}"))["bot"]

    async def delete_bot(self, uuid: str) -> None:
        await self.request("DELETE", f"/api/v1/platform/bots/{uuid}")

    async def bot_logs(self, uuid: str, from_index: int = -1, max_count: int = 10000) -> tuple[list[dict], int]:
        data = await self.request("POST", f"/api/v1/platform/bots/{uuid}/logs",
                                  json_body={"from_index": from_index, "max_count": max_count})
        return data.get("logs") or [], int(data.get("total_count") or 0)
