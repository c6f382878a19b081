"""Minimal client for AstrBot's dashboard API (4.14): the calls the stack needs, nothing else.

Responses have the shape ``{"status": "ok"|"error", "message": ..., "data": ...}``; an HTTP error or
``status: error`` raises :class:`AstrBotAPIError`. Authentication: ``POST /api/auth/login`` with the
dashboard user and the MD5 hex of its password returns ``data.token`` (a JWT for
``Authorization: Bearer``).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import aiohttp


class AstrBotAPIError(Exception):
    def __init__(self, method: str, path: str, status: int, body: Any) -> None:
        self.method, self.path, self.status, self.body = method, path, status, body
        super().__init__(f"{method} {path} -> HTTP {status}: {str(body)[:1000]}")


def password_hash(password: str) -> str:
    """AstrBot stores and compares the dashboard password as an MD5 hex digest."""
    return hashlib.md5(password.encode("utf-8")).hexdigest()  # noqa: S324 - AstrBot's own scheme


class AstrBotClient:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token: str | None = None
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def _sess(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # force_close: a connection per request. The framework's server (hypercorn) closes idle keep-alive
            # connections after a few seconds; a request sent on one just as it closes fails with
            # ServerDisconnectedError (seen between two runs on one stack). On loopback a fresh connection is cheap.
            self._session = aiohttp.ClientSession(timeout=self._timeout, trust_env=False,
                                                  connector=aiohttp.TCPConnector(force_close=True))
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def request(self, method: str, path: str, *, json_body: Any = None, params: dict | None = None,
                      auth: bool = True) -> Any:
        session = await self._sess()
        headers = {"Authorization": f"Bearer {self.token}"} if (auth and self.token) else {}
        async with session.request(method, self.base_url + path, json=json_body, params=params, headers=headers) as resp:
            text = await resp.text()
            try:
                body = json.loads(text) if text else None
            except ValueError:
                body = text
            if resp.status >= 400 or not isinstance(body, dict) or body.get("status") != "ok":
                raise AstrBotAPIError(method, path, resp.status, body)
            return body.get("data")

    async def start_time(self) -> Any:
        return await self.request("GET", "/api/stat/start-time", auth=False)

    async def login(self, username: str, password: str) -> str:
        try:
            data = await self.request("POST", "/api/auth/login",
                                      json_body={"username": username, "password": password_hash(password)}, auth=False)
        except AstrBotAPIError:
            # 4.15+ (FastAPI dashboard) hashes what the client sends: it wants the password itself.
            data = await self.request("POST", "/api/auth/login", json_body={"username": username, "password": password},
                                      auth=False)
        self.token = data["token"]
        return self.token

    async def failed_plugins(self) -> str:
        """AstrBot's record of plugins that failed to load (the message of ``GET /api/plugin/get``)."""
        session = await self._sess()
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        async with session.get(self.base_url + "/api/plugin/get", headers=headers) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                return ""
        return str(body.get("message") or "") if isinstance(body, dict) else ""

    async def plugins(self) -> list[dict]:
        return await self.request("GET", "/api/plugin/get") or []

    async def update_plugin_config(self, plugin_name: str, config: dict) -> None:
        """Save a plugin's config (validated against its schema); AstrBot then reloads the plugin."""
        await self.request("POST", "/api/config/plugin/update", params={"plugin_name": plugin_name}, json_body=config)

    async def new_platform(self, config: dict) -> None:
        await self.request("POST", "/api/config/platform/new", json_body=config)

    async def delete_platform(self, platform_id: str) -> None:
        await self.request("POST", "/api/config/platform/delete", json_body={"id": platform_id})

    async def platform_list(self) -> list[dict]:
        data = await self.request("GET", "/api/config/platform/list")
        return (data or {}).get("platforms", []) if isinstance(data, dict) else (data or [])

    async def platform_stats(self) -> Any:
        return await self.request("GET", "/api/platform/stats")

    async def new_provider(self, config: dict) -> None:
        await self.request("POST", "/api/config/provider/new", json_body=config)

    async def update_core_config(self, config: dict) -> None:
        await self.request("POST", "/api/config/astrbot/update", json_body=config)

    async def core_config(self) -> dict:
        return await self.request("GET", "/api/config/get")
