"""Live / unified chat protocol suite for AstrBot: WebSocket client, frame schemas, code facts of the
installed release, verdicts against the documented Live API and the report (see docs/live-chat.md)."""

from harness.live_chat.client import Frame, Handshake, LiveChatConnection, LiveChatError, Turn, open_ws, pcm_tone, \
    probe_handshake, send_utterance, ws_url
from harness.live_chat.protocol import Ledger, build_report, derive_verdicts, load_documented, write_report

__all__ = ["Frame", "Handshake", "Ledger", "LiveChatConnection", "LiveChatError", "Turn", "build_report", "derive_verdicts",
           "load_documented", "open_ws", "pcm_tone", "probe_handshake", "send_utterance", "write_report", "ws_url"]
