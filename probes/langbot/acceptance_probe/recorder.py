"""Evidence records written by the probe (producer ``probe``).

``writer.py`` and ``redact.py`` are the harness's own modules, copied into this package when the
harness builds the plugin (``harness.stacks.langbot_probe``); the source tree holds no copy. This
module is shared with the AstrBot probe (copied in by ``harness.stacks.astrbot_probe``).

Write failures are never swallowed: a record the writer cannot serialise comes back as a
``writer-error`` record (already in the evidence); a write that raises (disk full, bad path) is kept
in ``Recorder.errors``, logged as a warning (logger ``acceptance_probe``) and, because recorders live
for one event only, queued per evidence file and written as a ``finding`` on the next write that
succeeds, so the report shows how many records were lost and why.
"""

from __future__ import annotations

import logging
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
_LOG = logging.getLogger("acceptance_probe")
#: Failed writes not yet reported in the evidence, per writer key: [count, first messages].
_PENDING: dict[tuple, list] = {}
_PENDING_LOCK = threading.Lock()
_PENDING_KEEP = 20
_LOG_EVERY = 100


def _key(cfg: ProbeConfig) -> tuple:
    return (cfg.evidence_path, cfg.run_id, cfg.framework, cfg.framework_version)


def _writer(cfg: ProbeConfig):
    if EvidenceWriter is None:
        raise RuntimeError("evidence writer missing: the plugin was not built by the harness")
    key = _key(cfg)
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
        writer = None
        try:
            writer = _writer(self.cfg)
            rec = writer.write(record_type, adapter=self.adapter, **fields)
        except Exception as exc:  # disk full, bad path ...: the record is lost, say so
            try:
                self._failed(writer, record_type, fields, exc)
            except Exception:  # noqa: BLE001 - never break the bot over the bookkeeping
                self.errors.append(f"{record_type} record lost: {type(exc).__name__}")
            return None
        if isinstance(rec, dict) and rec.get("record") == "writer-error":
            # The loss is in the evidence already; make it visible here too.
            self.errors.append(str(rec.get("message", "writer-error")))
            _LOG.warning("acceptance probe: %s", rec.get("message"))
        try:
            self._report_pending(writer)
        except Exception:  # noqa: BLE001 - never break the bot over the bookkeeping
            pass
        return rec

    def _failed(self, writer: Any, record_type: str, fields: dict, exc: BaseException) -> None:
        caps = fields.get("capabilities")
        caps = [caps] if isinstance(caps, str) else caps
        caps_text = ", ".join(c for c in caps if isinstance(c, str)) if isinstance(caps, (list, tuple)) else ""
        try:
            detail = f"{type(exc).__name__}: {exc}"
        except Exception:  # an exception whose __str__ raises
            detail = type(exc).__name__
        text = self._redact(writer, f"{record_type} record for {self.adapter or '?'}"
                                    f"{' (' + caps_text + ')' if caps_text else ''} lost: {detail}")[:2000]
        self.errors.append(text)
        with _PENDING_LOCK:
            pending = _PENDING.setdefault(_key(self.cfg), [0, []])
            pending[0] += 1
            if len(pending[1]) < _PENDING_KEEP:
                pending[1].append(text)
            count = pending[0]
        if count == 1 or count % _LOG_EVERY == 0:
            _LOG.warning("acceptance probe: evidence write failed (%d record(s) lost since the last successful "
                         "write to %s): %s", count, self.cfg.evidence_path, text)

    def _redact(self, writer: Any, text: str) -> str:
        try:
            if writer is not None:
                return writer.redactor.text(text)
        except Exception:  # noqa: BLE001 - fall back to the configured values
            pass
        for secret in sorted((v for v in self.cfg.redact_values if isinstance(v, str) and len(v) >= 6), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def _report_pending(self, writer: Any) -> None:
        """Write queued write failures as a finding, now that a write succeeded."""
        key = _key(self.cfg)
        with _PENDING_LOCK:
            pending = _PENDING.pop(key, None)
        if not pending:
            return
        count, messages = pending
        more = f" (and {count - len(messages)} more)" if count > len(messages) else ""
        try:
            writer.write("finding", adapter=self.adapter,
                         message=f"probe evidence: {count} record(s) could not be written and are lost; "
                                 f"first: {messages[0]}{more}",
                         lost_records=count, errors=messages)
        except Exception:  # still failing: keep them queued for the next write
            with _PENDING_LOCK:
                again = _PENDING.setdefault(key, [0, []])
                again[0] += count
                again[1] = (messages + again[1])[:_PENDING_KEEP]

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
