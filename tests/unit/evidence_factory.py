"""Builds small evidence files for checker, report and drift tests."""

from __future__ import annotations

import time
from pathlib import Path

from harness.evidence import EvidenceWriter

ADAPTER = "demo-adapter"


class Story:
    """Writes a consistent set of records with increasing timestamps."""

    def __init__(self, path: Path, adapter: str = ADAPTER) -> None:
        self.w = EvidenceWriter.to_file(path, run_id="run-1", framework="langbot", framework_version="4.11.2")
        self.adapter = adapter
        self.t = time.time()
        self.mid = 100

    def tick(self) -> float:
        self.t += 0.01
        return self.t

    def inbound(self, caps, components, *, producer="protocol-injector", level="plugin-e2e-protocol",
                observed=None, etype="message.received", observer="probe", justification=None, arrive=True):
        self.mid += 1
        mid = str(self.mid)
        self.w.write("inject", t=self.tick(), adapter=self.adapter, producer=producer, level=level, capabilities=caps,
                     match={"event.type": etype, "event.message_id": mid}, expected={"components": components},
                     justification=justification)
        if arrive:
            self.w.write("event", t=self.tick(), adapter=self.adapter, producer=observer,
                         event={"type": etype, "message_id": mid, "components": [{"type": "Source", "id": mid}] + (observed if observed is not None else components),
                                "source_platform_object": True})

    def outbound(self, caps, components=None, *, ok=True, received=True, observed=None, error_kind=None,
                 scope="run", rendered=False, action="send_msg", ui_producer="ui-check"):
        start = self.tick()
        rec_t = self.tick()
        end = self.tick()
        self.w.write("api_call", t=end, adapter=self.adapter, producer="probe", capabilities=caps,
                     api={"name": caps[0].split(":")[1], "scope": scope, "ok": ok, "started": start, "ended": end,
                          "error": None if ok else "boom", "error_kind": error_kind},
                     expected={"components": components} if components is not None else None)
        if received:
            self.mid += 1
            self.w.write("platform_received", t=rec_t, adapter=self.adapter, producer="simulator", action=action,
                         observed={"components": observed if observed is not None else (components or []), "message_id": str(self.mid)})
            if rendered:
                self.w.write("ui_observed", t=self.tick(), adapter=self.adapter, producer=ui_producer,
                             observed={"message_id": str(self.mid)}, screenshot="shots/x.png")

    def skip(self, caps, status, reason):
        self.w.write("skip", t=self.tick(), adapter=self.adapter, capabilities=caps, status=status, reason=reason)
