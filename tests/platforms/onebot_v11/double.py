"""The OneBot v11 adapter double for the contract suite (see ``tests/platforms/adapter_double.py``): serves
the reverse-WS endpoint a binding's configuration names (checking the handshake like an OneBot adapter), or
dials the simulator's forward endpoint (``ws_url``)."""

from __future__ import annotations

import hmac
from typing import Any

from aiohttp import web

from acceptance_fixtures.world import World
from tests.platforms.adapter_double import Answer, JsonWsDouble

#: Configuration keys carrying the access token (LangBot, AstrBot).
TOKEN_KEYS = ("access-token", "ws_reverse_token")


class OneBotV11Double(JsonWsDouble):
    platform = "onebot-v11"

    def quiet_actions(self, world: World) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        return ("get_login_info", {}), ("get_status", {})

    def text_action(self, world: World, text: str) -> tuple[str, dict[str, Any]]:
        return "send_group_msg", {"group_id": int(world.roles["main_group"]),
                                  "message": [{"type": "text", "data": {"text": text}}]}

    def answer(self, reply: Any) -> Answer:
        # {"status": "ok"|"failed", "retcode": N, "data": ..., "message": ..., "wording": ..., "echo": ...}
        return Answer(reply["status"] == "ok" and reply["retcode"] == 0, reply["retcode"], reply.get("message"))

    def is_event(self, frame: dict[str, Any]) -> bool:
        return "post_type" in frame

    def _token(self, adapter_config: dict[str, Any]) -> str:
        return next(adapter_config[k] for k in TOKEN_KEYS if k in adapter_config)

    def serve_port(self, adapter_config: dict[str, Any]) -> int:
        return int(adapter_config.get("ws_reverse_port") or 0)  # AstrBot's own port; LangBot's: its API port

    def handshake_status(self, request: web.Request) -> int:
        if not hmac.compare_digest(request.headers.get("Authorization", "").encode(), f"Bearer {self.token}".encode()):
            return 401
        if request.headers.get("X-Client-Role", "").lower() != "universal" or not request.headers.get("X-Self-ID"):
            return 400
        return 101

    def dial_target(self, adapter_config: dict[str, Any]) -> tuple[str, dict[str, str]]:
        return adapter_config["ws_url"], {"Authorization": f"Bearer {self._token(adapter_config)}"}


DOUBLE = OneBotV11Double
