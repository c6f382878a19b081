"""Markdown renderer for per-adapter reports and the cross-adapter matrix."""

from __future__ import annotations

from pathlib import Path

from harness.report.model import link_from, sections, short_ref
from harness.verdicts import AdapterResult

_STATUS_MARK = {"accepted": "✅ accepted", "partial": "🟡 partial", "failed": "❌ failed", "blocked": "⛔ blocked",
                "not-supported": "➖ not-supported", "untested": "❔ untested", "undeclared": "⚠️ undeclared"}


def md_cell(text: object) -> str:
    """A value made safe for one Markdown table cell."""
    return ("" if text is None else str(text)).replace("|", "\\|").replace("\n", " ")


def adapter_markdown(res: AdapterResult, *, generated: str, extra: dict[str, str] | None = None,
                     base: str | Path | None = None) -> str:
    out = [f"# Acceptance report: `{res.adapter}`", ""]
    out += [f"**Status: {_STATUS_MARK.get(res.status.value, res.status.value)}** — {md_cell(res.status_reason)}", ""]
    out += ["| | |", "|---|---|",
            f"| Framework | {res.framework} {res.framework_version} |",
            f"| Run | {', '.join(res.run_ids) or '—'} |",
            f"| Generated | {generated} |",
            f"| Evidence from | {res.started or '—'} to {res.ended or '—'} |",
            f"| Simulator / endpoint | {res.simulator or '—'} |",
            f"| Manifest | `{res.manifest_path or 'none (undeclared adapter)'}` |",
            f"| Evidence files | {', '.join(f'`{f}`' for f in res.evidence_files) or '—'} |"]
    for key, value in (extra or {}).items():
        out.append(f"| {key} | {md_cell(value)} |")
    counts = res.counts()
    out += ["", "Counts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), ""]
    for _, title, verdicts in sections(res):
        out += [f"## {title}", "", "| Capability | Declared | Level | Status | Reason / detail | Evidence |",
                "|---|---|---|---|---|---|"]
        for v in verdicts:
            detail = v.reason
            if v.detail.get("outbound"):
                detail = f"outbound {v.detail['outbound']}" + (f"; {detail}" if detail else "")
            for shot in v.detail.get("screenshots") or []:
                detail += f" [screenshot]({link_from(base, shot)})"
            refs = ", ".join(short_ref(r) for r in v.evidence[:4]) + (f" (+{len(v.evidence) - 4})" if len(v.evidence) > 4 else "")
            out.append(f"| `{v.name}` | {'yes' if v.declared else 'no'} | {v.level.value if v.level else '—'} | "
                       f"{_STATUS_MARK.get(v.status.value, v.status.value)} | {md_cell(detail)} | {refs or '—'} |")
        out.append("")
    blocked = [v for v in res.verdicts if v.status.value in ("blocked", "not-supported")]
    if blocked:
        out += ["## Blocked and not-supported items", ""]
        out += [f"- `{v.id}` ({v.status.value}): {v.reason}" for v in blocked]
        out.append("")
    if res.findings:
        out += ["## Findings", ""]
        out += [f"- {md_cell(msg)} ({short_ref(ref)})" for ref, msg in res.findings]
        out.append("")
    if res.screenshots:
        out += ["## Screenshots", ""] + [f"- [{Path(s).name}]({link_from(base, s)})" for s in res.screenshots] + [""]
    if res.logs:
        out += ["## Logs", ""]
        for name, text in res.logs.items():
            out += [f"<details><summary>{name}</summary>", "", "```text", text[-8000:], "```", "", "</details>", ""]
    return "\n".join(out)


def matrix_markdown(matrix: dict) -> str:
    adapters = matrix["adapters"]
    out = ["# Cross-adapter acceptance matrix", "", f"Generated {matrix['generated']}", "",
           "| Capability | " + " | ".join(f"`{a}`" for a in adapters) + " |",
           "|---|" + "---|" * len(adapters)]
    out.append("| **adapter status** | " + " | ".join(matrix["status"][a] for a in adapters) + " |")
    for cap, cells in matrix["rows"].items():
        out.append(f"| `{cap}` | " + " | ".join(_matrix_cell(cells.get(a)) for a in adapters) + " |")
    return "\n".join(out) + "\n"


def _matrix_cell(cell: dict | None) -> str:
    if not cell:
        return ""
    level = cell.get("level") or ""
    return f"{cell['status']}" + (f" ({level})" if level and level not in (cell["status"],) else "")
