"""Report data derived from a check result: JSON-ready dicts and the evidence lines they cite."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from harness.capabilities import KIND_TITLES, KINDS
from harness.verdicts import AdapterResult, CheckResult

REPORT_SCHEMA = "acceptance-report/1"


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
        "evidence_files": res.evidence_files,
        "screenshots": res.screenshots,
        "logs": res.logs,
        "problems": problems or [],
    }


def sections(res: AdapterResult) -> list[tuple[str, str, list]]:
    """(kind, title, verdicts) for each capability kind that has any verdict, in catalogue order."""
    return [(k, KIND_TITLES[k], res.by_kind(k)) for k in KINDS if res.by_kind(k)]


def cited_lines(result: CheckResult, limit_per_adapter: int = 2000) -> dict[str, str]:
    """The text of every evidence line a verdict cites, keyed by ``file:line`` (one pass per file)."""
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


def link_from(base: str | Path | None, path: str) -> str:
    """``path`` (a screenshot, as evidence records name it) as a link that resolves from the folder ``base``."""
    if base is None or "://" in path:
        return path
    import os

    return Path(os.path.relpath(Path(path).resolve(), Path(base).resolve())).as_posix()
