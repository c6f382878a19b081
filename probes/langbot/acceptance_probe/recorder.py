"""Evidence records written by the probe (producer ``probe``).

``writer.py`` and ``redact.py`` are the harness's own modules, copied into this package when the
harness builds the plugin (``harness.stacks.langbot_probe``); the source tree holds no copy.
"""

from __future__ import annotations

import threading
import traceback
from typing import Any

from .config import ProbeConfig

try:
    from .writer import EvidenceWriter
except ImportError:  # pragma: no cover - source tree without the build step
    EvidenceWriter = None  # type: ignore[assignment]

_WRITERS: dict[tuple, Any] = {}
_LOCK = threading.Lock()


def _writer(cfg: ProbeConfig):
    if EvidenceWriter is None:
        raise RuntimeError("evidence writer missing: the plugin was not built by the harness")
    key = (cfg.evidence_path, cfg.run_id, cfg.framework, cfg.framework_version)
    with _LOCK:
        writer = _WRITERS.get(key)
        if writer is None:
            writer = EvidenceWriter.to_file(
                cfg.evidence_path, run_id=cfg.run_id, framework=cfg.framework,
                framework_version=cfg.framework_version, producer="probe",
            )
            _WRITERS[key] = writer
        writer.add_secrets(*cfg.redact_values)
        return writer


class Recorder:
    """Writes the probe's records for one adapter. Never raises: evidence problems must not break the bot."""

    def __init__(self, cfg: ProbeConfig, adapter_name: str | None = None) -> None:
        self.cfg = cfg
        self.adapter = cfg.adapter or adapter_name or ""
        self.enabled = bool(cfg.evidence_path)
        self.errors: list[str] = []

    def _write(self, record_type: str, **fields: Any) -> dict | None:
        if not self.enabled:
            return None
        try:
            return _writer(self.cfg).write(record_type, adapter=self.adapter, **fields)
        except Exception as exc:  # pragma: no cover - disk full, bad path ...
            self.errors.append(f"{type(exc).__name__}: {exc}")
            return None

    def event(self, event: dict, capabilities: list[str]) -> dict | None:
        return self._write("event", event=event, capabilities=capabilities)

    def api_call(self, api: dict, capabilities: list[str], expected: dict | None = None) -> dict | None:
        return self._write("api_call", api=api, capabilities=capabilities, expected=expected)

    def finding(self, message: str, capabilities: list[str] | None = None, **extra: Any) -> dict | None:
        return self._write("finding", message=message, capabilities=capabilities, **extra)

    def skip(self, status: str, reason: str, capabilities: list[str], source: str = "probe config") -> dict | None:
        return self._write("skip", status=status, reason=reason, capabilities=capabilities, source=source)

    def error(self, where: str, exc: BaseException) -> dict | None:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]
        return self.finding(f"probe error in {where}: {type(exc).__name__}: {exc}", traceback=tb)
