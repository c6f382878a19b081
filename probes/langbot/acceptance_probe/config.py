"""Probe configuration, read from the event processor's parameters (``ctx.config``).

The plugin runs inside LangBot's plugin runtime with a minimal environment, so everything it needs
comes through plugin configuration, never through environment variables. Every key is optional;
without ``evidence_path`` the probe records nothing and sweeps nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping

DEFAULT_TRIGGER = "acceptance:sweep"
ALL_SWEEPS = ("send", "api", "platform_api")
#: Send cases in the order they are sent; ``mixed`` is the mixed chain.
ALL_SEND_CASES = (
    "Plain", "At", "AtAll", "Image:url", "Image:base64", "Image:path", "Voice", "File",
    "Quote", "Face", "Forward", "mixed",
)


def _loads(value: Any, default: Any) -> Any:
    """Accept structured values or JSON text (the web UI stores text)."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return default
        try:
            return json.loads(text)
        except ValueError:
            return default
    return default if value is None else value


def _strs(value: Any) -> list[str]:
    value = _loads(value, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in value or [] if str(v)]


@dataclass
class ProbeConfig:
    evidence_path: str = ""
    run_id: str = "unset"
    framework: str = "langbot"
    framework_version: str = ""
    #: Manifest name of the adapter under test; falls back to the event's adapter_name.
    adapter: str = ""
    sweep_trigger: str = DEFAULT_TRIGGER
    sweeps: list[str] = field(default_factory=lambda: list(ALL_SWEEPS))
    send_cases: list[str] = field(default_factory=lambda: list(ALL_SEND_CASES))
    #: Declared common APIs (manifest supported_apis, required + optional).
    apis: list[str] = field(default_factory=list)
    #: Declared platform actions (manifest platform_specific_apis[].action).
    platform_actions: list[str] = field(default_factory=list)
    #: The platform-action parameter file: {action: params} or {action: {"params": {...}, "destructive": bool}}.
    platform_action_params: dict = field(default_factory=dict)
    #: Per-API parameter overrides for common APIs: {api: params}.
    api_params: dict = field(default_factory=dict)
    destructive: bool = False
    #: World fixture: user_id, group_id, group_name, disposable_user_id, disposable_group_id,
    #: friend_request_id, group_invite_request_id, file_id, face_id.
    world: dict = field(default_factory=dict)
    #: Media for sends: image_url, voice_url, file_url, file_name.
    media: dict = field(default_factory=dict)
    #: Exact secret values to mask in every record (adapter tokens and the like).
    redact_values: list[str] = field(default_factory=list)
    #: How the raw platform object names its kind (from the platform's binding; see acceptance_probe.events).
    native_kind: dict = field(default_factory=dict)
    call_timeout: float = 30.0
    pause_between_calls: float = 0.0
    #: Reply "echo:<message_id>" to every message.received after recording it (latency bench), except sweep triggers.
    echo_reply: bool = False

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None) -> "ProbeConfig":
        data = dict(raw or {})
        extra = _loads(data.pop("probe_config_json", None), {})
        if isinstance(extra, dict):
            data = {**data, **{k: v for k, v in extra.items() if data.get(k) in (None, "", [], {})}}
        cfg = cls()
        for key in ("evidence_path", "run_id", "framework", "framework_version", "adapter", "sweep_trigger"):
            if data.get(key) not in (None, ""):
                setattr(cfg, key, str(data[key]))
        if "sweeps" in data:
            cfg.sweeps = _strs(data["sweeps"])
        if "send_cases" in data:
            cfg.send_cases = _strs(data["send_cases"])
        # Components the platform cannot carry at all (the harness marks them not-supported): never sent.
        uncarried = set(_strs(data.get("uncarried_sends")))
        cfg.uncarried_sends = sorted(uncarried)
        if uncarried:
            cfg.send_cases = [c for c in cfg.send_cases if c.split(":")[0] not in uncarried]
        cfg.apis = _strs(data.get("apis"))
        cfg.platform_actions = _strs(data.get("platform_actions"))
        for key in ("platform_action_params", "api_params", "world", "media"):
            value = _loads(data.get(key), {})
            setattr(cfg, key, dict(value) if isinstance(value, dict) else {})
        for key in ("destructive", "echo_reply"):
            flag = data.get(key, False)
            setattr(cfg, key, flag if isinstance(flag, bool) else str(flag).lower() in ("1", "true", "yes", "on"))
        cfg.redact_values = _strs(data.get("redact_values"))
        cfg.native_kind = data.get("native_kind") if isinstance(data.get("native_kind"), dict) else {}
        for key in ("call_timeout", "pause_between_calls"):
            try:
                setattr(cfg, key, float(data.get(key, getattr(cfg, key))))
            except (TypeError, ValueError):
                pass
        return cfg

    def action_wire(self, action: str) -> str | None:
        """The request the platform must receive for ``action`` (the entry's ``wire``), or None when unknown."""
        entry = self.platform_action_params.get(action)
        wire = entry.get("wire") if isinstance(entry, dict) and "params" in entry else None
        return str(wire) if wire else None

    def action_entry(self, action: str) -> tuple[dict | None, bool]:
        """Parameters and destructive flag of a platform action; ``None`` when the file has no entry."""
        if action not in self.platform_action_params:
            return None, False
        entry = self.platform_action_params[action]
        if isinstance(entry, dict) and set(entry) <= {"params", "destructive", "note", "wire"} and "params" in entry:
            params = entry.get("params") or {}
            return (dict(params) if isinstance(params, dict) else {}), bool(entry.get("destructive", False))
        return (dict(entry) if isinstance(entry, dict) else {}), False
