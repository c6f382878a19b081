"""Write every report format for a check result into ``<report-root>/<run-id>/``."""

from __future__ import annotations

import json
import os
from pathlib import Path

from harness.evidence.redact import Redactor
from harness.evidence.writer import now_iso
from harness.report.html import adapter_html, matrix_html
from harness.report.markdown import adapter_markdown, matrix_markdown
from harness.report.model import (adapter_dict, cited_lines, redact_cited, redact_extra, redact_result,
                                  safe_name)
from harness.verdicts import CheckResult

__all__ = ["build_matrix", "point_latest", "safe_name", "write_reports"]


def build_matrix(result: CheckResult, generated: str) -> dict:
    adapters = [a.adapter for a in result.adapters]
    rows: dict[str, dict[str, dict]] = {}
    for a in result.adapters:
        for v in a.verdicts:
            rows.setdefault(v.id, {})[a.adapter] = {"status": v.status.value, "level": v.level.value if v.level else None}
    return {"schema": "acceptance-matrix/1", "generated": generated, "adapters": adapters,
            "status": {a.adapter: a.status.value for a in result.adapters}, "rows": rows}


def write_reports(result: CheckResult, report_root: str | Path, run_id: str, *,
                  extra: dict[str, str] | None = None, update_latest: bool = True,
                  redactor: Redactor | None = None) -> Path:
    """Write ``<adapter>.{md,html,json}`` and ``matrix.{md,html,json}``; point ``latest`` at the folder.

    Everything written is redacted first by ``redactor`` (default ``Redactor()``: secret-named keys and
    secret-shaped values; pass ``Redactor(known_secrets)`` to also mask the run's known values): names,
    reasons, details, findings, logs, screenshot paths, problems, ``extra`` and the cited evidence lines.
    Markdown and HTML then cap long values; the JSON report keeps them whole (redacted).
    """
    redactor = redactor if redactor is not None else Redactor()
    generated = now_iso()
    out = Path(report_root) / safe_name(run_id)
    out.mkdir(parents=True, exist_ok=True)
    cited = redact_cited(cited_lines(result), redactor)
    safe = redact_result(result, redactor)
    extra = redact_extra(extra, redactor)
    for res in safe.adapters:
        stem = safe_name(res.adapter)  # the suffix is appended: a dot in a name is not an extension
        (out / f"{stem}.json").write_text(json.dumps(adapter_dict(res, generated=generated, problems=safe.problems),
                                                     indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        (out / f"{stem}.md").write_text(adapter_markdown(res, generated=generated, extra=extra, base=out), encoding="utf-8")
        (out / f"{stem}.html").write_text(adapter_html(res, generated=generated, cited=cited, extra=extra, base=out),
                                          encoding="utf-8")
    matrix = build_matrix(safe, generated)
    (out / "matrix.json").write_text(json.dumps(matrix, indent=2) + "\n", encoding="utf-8")
    (out / "matrix.md").write_text(matrix_markdown(matrix), encoding="utf-8")
    (out / "matrix.html").write_text(matrix_html(matrix), encoding="utf-8")
    write_mode_comparisons(out, [a.adapter for a in safe.adapters], redactor)
    if update_latest:
        point_latest(Path(report_root), out)
    return out


def write_mode_comparisons(out: Path, runs: list[str], redactor: Redactor) -> list[Path]:
    """An adapter run in several transport modes (``adapter@mode``): its first mode compared with each other one,
    capability by capability and by what reached the plugin, in ``<out>/modes/`` (where the modes deliver
    different things, this says so)."""
    from harness.report.compare import write_comparison

    by_adapter: dict[str, list[str]] = {}
    for run in runs:
        base, sep, mode = run.partition("@")
        if sep and mode:
            by_adapter.setdefault(base, []).append(run)
    written = []
    for base, modes in by_adapter.items():
        for other in modes[1:]:
            first = modes[0]
            name = safe_name(f"modes-{first}-vs-{other.partition('@')[2]}")
            written.append(write_comparison(out / f"{safe_name(first)}.json", out / f"{safe_name(other)}.json",
                                            out / "modes", name, redactor=redactor)["md"])
    return written


def point_latest(report_root: Path, target: Path) -> None:
    """Atomically repoint ``<report-root>/latest`` at ``target`` (a relative symlink)."""
    link = report_root / "latest"
    tmp = report_root / f".latest.{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(target, report_root), tmp)
    os.replace(tmp, link)
