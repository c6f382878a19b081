"""Framework-neutral helpers of the probe plugins: generated media, text and send-case model.

Standard library only. The LangBot probe holds the source; the AstrBot stack copies this module into
its probe at install time, so both probes send the same media and texts.
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import tempfile
from dataclasses import dataclass, field


def plain_text(components: list[dict]) -> str:
    return "".join(c.get("text", "") for c in components if c.get("type") == "Plain")


# ---- media -----------------------------------------------------------------------------------

# A 1x1 PNG and a 0.1 s silent 8 kHz mono WAV, so the probe needs no media files of its own.
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def silent_wav(samples: int = 800) -> bytes:
    data = b"\x80" * samples
    header = b"RIFF" + (36 + len(data)).to_bytes(4, "little") + b"WAVEfmt " + (16).to_bytes(4, "little")
    header += (1).to_bytes(2, "little") + (1).to_bytes(2, "little") + (8000).to_bytes(4, "little")
    header += (8000).to_bytes(4, "little") + (1).to_bytes(2, "little") + (8).to_bytes(2, "little")
    return header + b"data" + len(data).to_bytes(4, "little") + data


_MEDIA_DIR: str | None = None


def media_file(name: str, payload: bytes) -> str:
    """Write ``payload`` once to a private temp folder and return its absolute path."""
    global _MEDIA_DIR
    if _MEDIA_DIR is None or not os.path.isdir(_MEDIA_DIR):
        _MEDIA_DIR = tempfile.mkdtemp(prefix="acceptance-probe-media-")
        atexit.register(shutil.rmtree, _MEDIA_DIR, True)  # on a normal exit; a killed plugin leaves two tiny files
    path = os.path.join(_MEDIA_DIR, name)
    if not os.path.exists(path):
        with open(path, "wb") as fh:
            fh.write(payload)
    return path


# ---- send cases --------------------------------------------------------------------------------

PLAIN_TEXT = "acceptance plain:  two spaces\n  second line, leading spaces\ttab  "


@dataclass
class SendCase:
    name: str
    #: SDK message components (constructed lazily by the sweep, which imports the SDK).
    components: list
    #: What the platform should receive, in the common vocabulary (only keys a platform can keep).
    expected: list[dict]
    capabilities: list[str] = field(default_factory=list)
    skip_reason: str | None = None


def medium(kind: str, content: bytes | str | None) -> dict:
    """The expected component of a sent medium: its type and, where the probe knows them, the bytes' sha256
    (the simulator records the digest of what it received, so a changed or lost medium fails)."""
    if isinstance(content, bytes):
        import hashlib

        content = hashlib.sha256(content).hexdigest()
    return {"type": kind, "sha256": content} if content else {"type": kind}
