"""LangBot's ``data/config.yaml`` for a closed network, made from the installed package's template.

LangBot 4.11 lets every port be chosen: ``api.port`` for the HTTP API / web UI / bot webhooks, and
the plugin runtime's control and debug ports are ``lbp rt`` options (``--ws-control-port``,
``--ws-debug-port``), with ``plugin.runtime_ws_url`` pointing LangBot at the control port. The
runtime always binds 0.0.0.0 (not configurable in langbot-plugin 0.7.16).

Note: LangBot also applies environment overrides to this file (any upper-case variable containing
``__``, e.g. ``API__PORT``); the stack removes such variables from the processes' environment so the
file below is what runs.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import yaml

from harness.errors import StackError


@dataclass(frozen=True)
class LangBotPorts:
    api: int
    runtime_control: int
    runtime_debug: int


def template_path(env_dir: Path) -> Path:
    found = sorted(Path(env_dir).glob("lib/python*/site-packages/langbot/templates/config.yaml"))
    if not found:
        raise StackError(f"langbot/templates/config.yaml not found in {env_dir}; is langbot installed there?")
    return found[0]


def _deep_update(base: dict, changes: Mapping[str, Any]) -> dict:
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_update(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def closed_network_config(template: dict, ports: LangBotPorts, jwt_secret: str,
                          overrides: Mapping[str, Any] | None = None) -> dict:
    cfg = copy.deepcopy(template)
    _deep_update(cfg, {
        "api": {"host": "127.0.0.1", "port": ports.api, "webhook_prefix": f"http://127.0.0.1:{ports.api}",
                "extra_webhook_prefix": "", "global_api_key": ""},
        "proxy": {"http": "", "https": ""},
        "system": {"jwt": {"secret": jwt_secret}, "allow_modify_login_info": True},
        "space": {"disable_telemetry": True, "disable_models_service": True, "execution_trace": "off"},
        "box": {"enabled": False},
        "plugin": {
            "enable": True,
            "enable_marketplace": False,
            "runtime_ws_url": f"ws://127.0.0.1:{ports.runtime_control}/control/ws",
            "display_plugin_debug_url": f"ws://127.0.0.1:{ports.runtime_debug}/plugin/debug/ws",
        },
    })
    if overrides:
        _deep_update(cfg, overrides)
    return cfg


def write_config(env_dir: Path, langbot_dir: Path, ports: LangBotPorts, jwt_secret: str,
                 overrides: Mapping[str, Any] | None = None) -> Path:
    template = yaml.safe_load(template_path(env_dir).read_text("utf-8"))
    cfg = closed_network_config(template, ports, jwt_secret, overrides)
    target = langbot_dir / "data" / "config.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), "utf-8")
    return target
