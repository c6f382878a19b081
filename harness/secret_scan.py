"""The run's own leak check: every configured secret value, in every encoded form, searched for in
every file the run wrote for people to read (evidence, reports, attached and collected logs).

The pytest plugin runs it when a session ends and fails the session when anything is found; the
result (counts and fingerprints only, never a value) lands in ``<report folder>/secret-scan.json``.
The framework's own data folders (``runs/<run-id>/stack/`` apart from ``logs/collected/``) hold its
configuration by necessity and are not scanned: nothing there is attached to a report.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable
from urllib.parse import quote, quote_plus

#: Values shorter than this are not secrets the harness configures (and would match ordinary words).
MIN_SECRET_LENGTH = 6
CHUNK = 1 << 20


def encoded_forms(secret: str) -> dict[str, str]:
    """``secret`` as it may appear in a file: plain, URL-encoded, base64 (standard and URL-safe, with
    and without padding) and JSON-escaped."""
    raw = secret.encode("utf-8")
    forms = {
        "plain": secret,
        "url-encoded": quote(secret, safe=""),
        "form-encoded": quote_plus(secret),
        "base64": base64.b64encode(raw).decode(),
        "base64url": base64.urlsafe_b64encode(raw).decode(),
        "json-escaped": json.dumps(secret)[1:-1],
    }
    forms["base64 unpadded"] = forms["base64"].rstrip("=")
    forms["base64url unpadded"] = forms["base64url"].rstrip("=")
    out: dict[str, str] = {}
    for name, value in forms.items():
        if len(value) >= MIN_SECRET_LENGTH and value not in out.values():
            out[name] = value
    return out


def fingerprint(secret: str) -> str:
    """A short, non-reversible name for a secret in the scan's output."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:8]


@dataclass
class ScanResult:
    secrets: int = 0
    forms: int = 0
    files: int = 0
    bytes: int = 0
    leaks: list[dict] = field(default_factory=list)  # {"file", "secret" (fingerprint), "form"}

    def to_dict(self) -> dict:
        return {"secrets": self.secrets, "forms": self.forms, "files": self.files, "bytes": self.bytes,
                "leaks": self.leaks}

    def summary(self) -> str:
        what = f"{self.secrets} configured secret(s) in {self.forms} encoded form(s) x {self.files} file(s)"
        if not self.leaks:
            return f"secret scan: {what}: none found"
        files = sorted({leak["file"] for leak in self.leaks})
        return f"secret scan: {what}: {len(self.leaks)} LEAK(S) in {', '.join(files[:10])}"


def scan(files: Iterable[Path], secrets: Iterable[str]) -> ScanResult:
    """Search ``files`` for every form of every secret (bytes, in bounded chunks with overlap)."""
    values = sorted({s for s in secrets if isinstance(s, str) and len(s) >= MIN_SECRET_LENGTH})
    by_form: dict[bytes, tuple[str, str]] = {}
    for secret in values:
        for name, form in encoded_forms(secret).items():
            by_form.setdefault(form.encode("utf-8"), (fingerprint(secret), name))
    result = ScanResult(secrets=len(values), forms=len(by_form))
    if not by_form:
        return result
    pattern = re.compile(b"|".join(re.escape(f) for f in sorted(by_form, key=len, reverse=True)))
    overlap = max(map(len, by_form)) - 1
    for path in files:
        if not path.is_file():
            continue
        result.files += 1
        found: set[bytes] = set()
        tail = b""
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                result.bytes += len(chunk)
                found.update(m.group(0) for m in pattern.finditer(tail + chunk))
                tail = chunk[-overlap:] if overlap else b""
        for form in sorted(found):
            secret, name = by_form[form]
            result.leaks.append({"file": str(path), "secret": secret, "form": name})
    return result


def run_files(evidence_dir: Path, report_folder: Path | None, extra_logs: Iterable[Path] = ()) -> list[Path]:
    """The files one run wrote for people to read: its evidence, its report folder, collected logs."""
    files = sorted(p for p in evidence_dir.rglob("*") if p.is_file()) if evidence_dir.is_dir() else []
    if report_folder is not None and report_folder.is_dir():
        files += sorted(p for p in report_folder.rglob("*") if p.is_file() and p.suffix != ".png")
    for stack_dir in (evidence_dir.parent / "stack", evidence_dir.parent / "live_chat"):  # where the stacks live
        if stack_dir.is_dir():
            files += sorted(p for p in stack_dir.glob("**/logs/collected/*") if p.is_file())
    files += [p for p in extra_logs if p.is_file()]
    return list(dict.fromkeys(files))
