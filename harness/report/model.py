"""Report data derived from a check result: JSON-ready dicts, the evidence lines they cite, and the
render-time safety shared by every renderer (redaction, size caps, safe links, safe file names)."""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from harness.capabilities import KIND_TITLES, KINDS
from harness.verdicts import AdapterResult, CheckResult, Verdict

REPORT_SCHEMA = "acceptance-report/1"

# ---- size caps (characters of the original text; the JSON report keeps the whole, redacted, value) --------

#: a verdict reason or detail, a status reason, an extra run-info value, a problem
REASON_CAP = 2000
#: one finding's message
FINDING_CAP = 2000
#: one cited evidence line (HTML report, Allure attachment)
EVIDENCE_LINE_CAP = 4000
#: names, ids, paths and other labels (headings, code spans, link texts)
LABEL_CAP = 300
#: one log, Markdown report (the tail is kept)
MD_LOG_CAP = 8000
#: one log, HTML report (the tail is kept)
HTML_LOG_CAP = 20000
#: reasons and findings in the side-by-side comparison tables
COMPARE_REASON_CAP = 300
COMPARE_FINDING_CAP = 1000

IN_JSON = "full text in the JSON report"
IN_EVIDENCE = "full line in the evidence file"


def cap(text: object, limit: int | None, *, tail: bool = False, where: str = IN_JSON) -> str:
    """``text`` cut to ``limit`` characters with a visible marker saying how much was cut and where the rest is.

    ``tail`` keeps the end (logs), otherwise the start is kept. ``limit=None`` never cuts."""
    s = "" if text is None else str(text)
    if limit is None or len(s) <= limit:
        return s
    more = len(s) - limit
    if tail:
        return f"… ({more} more characters before this; {where}) " + s[-limit:]
    return s[:limit] + f" … ({more} more characters; {where})"


# ---- redaction ----------------------------------------------------------------------------------------------

def _text(redactor: Any, value: Any) -> Any:
    return redactor.text(value) if isinstance(value, str) else redactor.value(value)


def redact_verdict(v: Verdict, redactor: Any) -> Verdict:
    return replace(v, kind=_text(redactor, v.kind), name=_text(redactor, v.name), reason=_text(redactor, v.reason),
                   evidence=[_text(redactor, r) for r in v.evidence], detail=redactor.value(dict(v.detail)),
                   assertion=_text(redactor, v.assertion))


def redact_adapter(res: AdapterResult, redactor: Any) -> AdapterResult:
    """A copy of ``res`` with every string (names, reasons, details, findings, logs, paths) passed through ``redactor``.

    Log names are not treated as secret-named keys: a log called ``token-service`` keeps its (redacted) text."""
    t = lambda v: _text(redactor, v)  # noqa: E731
    return replace(
        res, adapter=t(res.adapter), framework=t(res.framework), framework_version=t(res.framework_version),
        run_ids=[t(r) for r in res.run_ids], simulator=t(res.simulator), manifest_path=t(res.manifest_path),
        started=t(res.started), ended=t(res.ended), status_reason=t(res.status_reason),
        verdicts=[redact_verdict(v, redactor) for v in res.verdicts],
        findings=[(t(ref), t(msg)) for ref, msg in res.findings],
        evidence_files=[t(f) for f in res.evidence_files],
        logs={t(str(name)): t(text) for name, text in res.logs.items()},
        screenshots=[t(s) for s in res.screenshots])


def redact_result(result: CheckResult, redactor: Any) -> CheckResult:
    return replace(result, adapters=[redact_adapter(a, redactor) for a in result.adapters],
                   problems=[_text(redactor, p) for p in result.problems], files=[_text(redactor, f) for f in result.files])


def redact_line(line: str, redactor: Any) -> str:
    """One evidence line: as JSON (so secret-named keys are masked too) when it parses, else as text."""
    try:
        data = json.loads(line)
    except ValueError:
        return redactor.text(line)
    red = redactor.value(data)
    return line if red == data else json.dumps(red, ensure_ascii=False)


def redact_cited(cited: dict[str, str], redactor: Any) -> dict[str, str]:
    """Cited lines keyed by the redacted ref (the same redaction the verdicts' refs get)."""
    return {redactor.text(ref): redact_line(text, redactor) for ref, text in cited.items()}


def redact_extra(extra: dict[str, Any] | None, redactor: Any) -> dict[str, str]:
    red = redactor.value({str(k): v for k, v in (extra or {}).items()})
    return {redactor.text(k): ("" if v is None else str(v)) for k, v in red.items()}


# ---- report data ----------------------------------------------------------------------------------------------

def adapter_dict(res: AdapterResult, *, generated: str, problems: list[str] | None = None) -> dict[str, Any]:
    return {
        "schema": REPORT_SCHEMA,
        "adapter": res.adapter,
        "framework": res.framework,
        "framework_version": res.framework_version,
        "run_ids": res.run_ids,
        "generated": generated,
        "started": res.started,
        "ended": res.ended,
        "simulator": res.simulator,
        "manifest": res.manifest_path,
        "status": res.status.value,
        "status_reason": res.status_reason,
        "counts": res.counts(),
        "capabilities": [v.to_dict() for v in res.verdicts],
        "blocked": [{"id": v.id, "reason": v.reason} for v in res.verdicts if v.status.value == "blocked"],
        "findings": [{"evidence": ref, "message": msg} for ref, msg in res.findings],
        "deliveries": res.deliveries,
        "evidence_files": res.evidence_files,
        "screenshots": res.screenshots,
        "logs": res.logs,
        "problems": problems or [],
    }


def sections(res: AdapterResult) -> list[tuple[str, str, list]]:
    """(kind, title, verdicts) for each capability kind that has any verdict, in catalogue order."""
    return [(k, KIND_TITLES[k], res.by_kind(k)) for k in KINDS if res.by_kind(k)]


def cited_lines(result: CheckResult, limit_per_adapter: int = 2000) -> dict[str, str]:
    """The text of every evidence line a verdict cites, keyed by ``file:line`` (one pass per file).

    The text is as the file has it; reports redact it (:func:`redact_cited`) before rendering."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for res in result.adapters:
        refs = [r for v in res.verdicts for r in v.evidence][:limit_per_adapter] + [r for r, _ in res.findings]
        for ref in refs:
            path, _, line = ref.rpartition(":")
            if line.isdigit():
                wanted[path].add(int(line))
    out: dict[str, str] = {}
    for path, lines in wanted.items():
        last = max(lines)
        try:
            with open(path, "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    if n in lines:
                        out[f"{path}:{n}"] = raw.decode("utf-8", "replace").rstrip("\n")
                    if n >= last:
                        break
        except OSError:
            continue
    return out


def short_ref(ref: str) -> str:
    path, _, line = ref.rpartition(":")
    return f"{Path(path).name}:{line}"


def screenshot_list(detail: dict) -> list[str]:
    """A verdict's ``detail["screenshots"]`` as a list of strings, whatever shape it came in."""
    shots = (detail or {}).get("screenshots") or []
    if isinstance(shots, str):
        return [shots]
    return [str(s) for s in shots] if isinstance(shots, (list, tuple)) else []


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else []


def world_notes(detail: dict) -> tuple[str, list[str]]:
    """What a verdict compared with the simulated world (``"compared with the world: a, b"``) and its known
    limitations (fields a platform cannot carry, or a framework's event or result lacks), as text."""
    detail = detail or {}
    compared = _strings(detail.get("compared"))
    return ("compared with the world: " + ", ".join(compared) if compared else "",
            _strings(detail.get("limitations")))


# ---- file names and links ---------------------------------------------------------------------------------------

_SAFE = re.compile(r"[A-Za-z0-9_@-][A-Za-z0-9_.@-]*")


def safe_name(name: str) -> str:
    """A file name made of ``[A-Za-z0-9_.@-]`` only (what the writer names per-run reports by; ``@`` is kept,
    since a run is ``<adapter>@<mode>``: ``<adapter>@<mode>.json``). A name that is not already one
    (other characters, a leading dot) gets a short hash of the original, so two names never share a file
    (``a b`` and ``a_b``) and none is hidden (``..``)."""
    if _SAFE.fullmatch(name or ""):
        return name
    import hashlib

    stem = re.sub(r"[^A-Za-z0-9_.@-]+", "_", name or "").lstrip(".") or "unnamed"
    return f"{stem}-{hashlib.sha256((name or '').encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


#: whitespace, C0/C1 controls and invisible format characters, removed before a link's scheme is judged
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]+")
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
SAFE_SCHEMES = frozenset({"http", "https"})
#: characters left as they are in an http(s) URL (everything else is percent-encoded, ``(``/``)`` included)
_URL_SAFE = "/:?#[]@!$&'*+,;=%-._~"


def url_scheme(url: str) -> str | None:
    """The scheme a browser would see in ``url`` (controls and whitespace removed, case-folded), or None."""
    m = _SCHEME.match(_INVISIBLE.sub("", url).casefold())
    return m.group(1) if m else None


def safe_href(url: object) -> str | None:
    """``url`` as a link target when it is an http(s) URL or a relative reference, else None (render inert text).

    http(s) URLs are percent-encoded where they hold characters a URL must not (space, quotes, ``<>``,
    ``()``, backslash, ``|``, backticks); relative references are percent-encoded but for ``/`` and
    unreserved characters, so no ``:`` can read as a scheme and no ``&``/``\\`` as an escape."""
    if url is None:
        return None
    raw = str(url)
    cleaned = _INVISIBLE.sub("", raw)
    if not cleaned:
        return None
    scheme = url_scheme(raw)
    if scheme is not None:
        if scheme not in SAFE_SCHEMES or not cleaned[len(scheme) + 1:].startswith("//"):
            return None
        return quote(_CONTROLS.sub("", raw).strip(), safe=_URL_SAFE)
    href = quote(raw, safe="/-._~")
    if href.startswith("//") or not cleaned.replace("/", "").replace("\\", ""):
        return None  # a network-path reference (another host) or nothing but slashes
    return href


def link_from(base: str | Path | None, path: str) -> str | None:
    """``path`` (a screenshot, as evidence records name it) as a safe link that resolves from the folder ``base``.

    None when it is no http(s) URL nor a plain path (``javascript:``, ``data:``, ``file:``, ``//host`` ...)."""
    if url_scheme(str(path)) is not None or base is None or re.match(r"[/\\]{2}", _INVISIBLE.sub("", str(path))):
        return safe_href(path)
    try:
        rel = Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
    except (OSError, ValueError):
        return None
    return safe_href(rel)


def report_href(adapter: str) -> str:
    """The link from the matrix to an adapter's HTML report (the writer's file name, URL-quoted)."""
    return quote(safe_name(adapter), safe="-._~@") + ".html"
