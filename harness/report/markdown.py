"""Markdown renderer for per-adapter reports and the cross-adapter matrix.

Every interpolated value goes through one of the helpers below, so no value can add a line, a table
cell, a heading, emphasis, a link or raw HTML of its own:

* :func:`md_text` / :func:`md_cell` - inline text (table cells, list items, headings, link texts);
* :func:`md_code` - a code span that the value cannot close;
* :func:`md_html` - text inside a raw HTML line (``<details><summary>``);
* :func:`md_fence` - a fenced block (logs) that the text cannot close;
* :func:`md_link` - a link only to http(s) or a relative path, else inert text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from harness.report.model import (LABEL_CAP, MD_LOG_CAP, REASON_CAP, FINDING_CAP, cap, link_from, screenshot_list, world_notes,
                                  sections, short_ref)
from harness.verdicts import AdapterResult

_STATUS_MARK = {"accepted": "✅ accepted", "partial": "🟡 partial", "failed": "❌ failed", "blocked": "⛔ blocked",
                "not-supported": "➖ not-supported", "untested": "❔ untested", "undeclared": "⚠️ undeclared"}

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_LINE_BREAK = re.compile(r"\r\n|[\r\n\t\x0b\x0c\x85\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Markdown punctuation that could start emphasis, code, links, strikethrough or split a table cell;
# ``_`` only where it could open or close emphasis (not inside a word like ``send_message``).
_MD_SPECIAL = re.compile(r"[\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# What a line may not start with lest it become a heading, a quote, a list item or a thematic break.
_LINE_START = re.compile(r"^(#|[-+](?=[\s-]|$)|\d{1,9}(?=[.)](?:\s|$)))")
_CODE_UNSAFE = re.compile(r"[<>&|]")
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
_FENCE_INDENT = "  "


def _one_line(text: str) -> str:
    return _CONTROL.sub("", _LINE_BREAK.sub(" ", _ANSI.sub("", text)))


def md_text(value: object, limit: int | None = REASON_CAP) -> str:
    """``value`` as inert inline Markdown: one line without leading or trailing blanks, HTML escaped,
    Markdown control characters escaped, capped at ``limit`` characters (with a marker)."""
    s = html.escape(_one_line(cap(value, limit)).strip(), quote=False)
    s = _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), s)
    return _LINE_START.sub(lambda m: "\\" + m.group(0) if m.group(0)[0] in "#-+" else m.group(0) + "\\", s, count=1)


def md_cell(value: object, limit: int | None = REASON_CAP) -> str:
    """A value made safe for one Markdown table cell (same escaping as :func:`md_text`)."""
    return md_text(value, limit)


def md_code(value: object, limit: int | None = LABEL_CAP) -> str:
    """``value`` as a code span it cannot close (a backtick fence longer than any run inside).

    A value with ``<``, ``>``, ``&`` or ``|`` (which a code span would pass through as raw HTML to some
    viewers, or which split a table cell) becomes ``<code>`` around escaped text instead."""
    s = _one_line(cap(value, limit))
    if not s:
        return ""
    if _CODE_UNSAFE.search(s):
        return f"<code>{md_text(s, None)}</code>"
    fence = "`" * (max((len(r) for r in re.findall(r"`+", s)), default=0) + 1)
    pad = " " if s[0] == "`" or s[-1] == "`" or (s[0] == " " and s[-1] == " ") else ""
    return f"{fence}{pad}{s}{pad}{fence}"


def md_html(value: object, limit: int | None = LABEL_CAP) -> str:
    """``value`` as text inside a raw HTML line of a Markdown file (e.g. ``<summary>``): one line, HTML escaped."""
    return html.escape(_one_line(cap(value, limit)), quote=True)


def md_fence(value: object, lang: str = "text", limit: int | None = MD_LOG_CAP) -> list[str]:
    """``value`` (a log) as the lines of a fenced code block the text cannot close; the tail is kept when capped.

    The fence is longer than any backtick run inside; terminal escapes and control characters are
    dropped, and tag openers are written ``&lt;`` so no raw HTML tag appears in the file. Fence and
    text are indented by two spaces, which CommonMark strips from the content again (so the log
    renders as it is), so that no line of the file starts with the log's own ``#`` or ``**Status:``
    for a tool that reads the file line by line."""
    s = _ANSI.sub("", cap(value, limit, tail=True)).replace("\r\n", "\n").replace("\r", "\n")
    s = _TAG_OPEN.sub("&lt;", re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", s))
    fence = "`" * max(3, max((len(r) for r in re.findall(r"`+", s)), default=0) + 1)
    return [_FENCE_INDENT + fence + re.sub(r"[^A-Za-z0-9_+-]", "", lang),
            *(_FENCE_INDENT + line if line else "" for line in s.split("\n")), _FENCE_INDENT + fence]


def md_url(url: str | None) -> str | None:
    """An already safe href (see :func:`harness.report.model.safe_href`) for a Markdown link destination."""
    if not url:
        return None
    return url.replace("&", "&amp;").replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def md_link(text: object, href: str | None, limit: int | None = LABEL_CAP) -> str:
    """``[text](href)`` when ``href`` is a safe link, else the text alone marked as an omitted link."""
    url = md_url(href)
    label = md_text(text, limit)
    return f"[{label}]({url})" if url else f"{label} (link omitted)"


def adapter_markdown(res: AdapterResult, *, generated: str, extra: dict[str, str] | None = None,
                     base: str | Path | None = None) -> str:
    out = [f"# Acceptance report: {md_code(res.adapter)}", ""]
    out += [f"**Status: {_STATUS_MARK.get(res.status.value, md_text(res.status.value))}** — {md_text(res.status_reason)}", ""]
    out += ["| | |", "|---|---|",
            f"| Framework | {md_cell(res.framework, LABEL_CAP)} {md_cell(res.framework_version, LABEL_CAP)} |",
            f"| Run | {', '.join(md_cell(r, LABEL_CAP) for r in res.run_ids) or '—'} |",
            f"| Generated | {md_cell(generated)} |",
            f"| Evidence from | {md_cell(res.started) or '—'} to {md_cell(res.ended) or '—'} |",
            f"| Simulator / endpoint | {md_cell(res.simulator, LABEL_CAP) or '—'} |",
            f"| Manifest | {md_code(res.manifest_path or 'none (undeclared adapter)')} |",
            f"| Evidence files | {', '.join(md_code(f) for f in res.evidence_files) or '—'} |"]
    for key, value in (extra or {}).items():
        out.append(f"| {md_cell(key, LABEL_CAP)} | {md_cell(value)} |")
    counts = res.counts()
    out += ["", "Counts: " + ", ".join(f"{md_text(k)} {v}" for k, v in sorted(counts.items())), ""]
    for _, title, verdicts in sections(res):
        out += [f"## {md_text(title)}", "", "| Capability | Declared | Level | Status | Reason / detail | Evidence |",
                "|---|---|---|---|---|---|"]
        for v in verdicts:
            detail = md_cell(v.reason)
            if v.detail.get("outbound"):
                detail = f"outbound {md_cell(v.detail['outbound'], LABEL_CAP)}" + (f"; {detail}" if detail else "")
            compared, limits = world_notes(v.detail)
            if compared:
                detail += ("; " if detail else "") + md_cell(compared)
            if limits:
                detail += ("; " if detail else "") + "known limitation: " + md_cell("; ".join(limits))
            for shot in screenshot_list(v.detail):
                detail += " " + md_link("screenshot", link_from(base, shot))
            refs = ", ".join(md_cell(short_ref(r), LABEL_CAP) for r in v.evidence[:4]) + (
                f" (+{len(v.evidence) - 4})" if len(v.evidence) > 4 else "")
            level = md_cell(v.level.value) if v.level else "—"
            out.append(f"| {md_code(v.name)} | {'yes' if v.declared else 'no'} | {level} | "
                       f"{_STATUS_MARK.get(v.status.value, md_cell(v.status.value))} | {detail} | {refs or '—'} |")
        out.append("")
    blocked = [v for v in res.verdicts if v.status.value in ("blocked", "not-supported")]
    if blocked:
        out += ["## Blocked and not-supported items", ""]
        out += [f"- {md_code(v.id)} ({md_text(v.status.value)}): {md_text(v.reason)}" for v in blocked]
        out.append("")
    if res.deliveries:
        out += ["## Delivery of platform events", "",
                "Each platform event the simulator raised, counted where the plugin received it (a duplicate or a loss "
                "fails the event's verdict):", "",
                "| event type | raised | exactly once | more than once (extra copies) | lost |", "|---|---|---|---|---|"]
        for etype, row in res.deliveries.items():
            out.append(f"| {md_code(etype)} | {row.get('injected', 0)} | {row.get('once', 0)} | "
                       f"{row.get('more_than_once', 0)} ({row.get('extra_copies', 0)}) | {row.get('lost', 0)} |")
        out.append("")
    diffs = [(ref, msg) for ref, msg in res.findings if msg.startswith("document vs server: ")]
    if diffs:
        out += ["## Document vs implementation", "", "The simulator follows the real server where its document differs:", "",
                "| item | document | server | source |", "|---|---|---|---|"]
        for _ref, msg in diffs:
            cells = [c.split(": ", 1)[-1] for c in msg.removeprefix("document vs server: ").split(" | ")]
            out.append("| " + " | ".join(md_cell(c, FINDING_CAP) for c in (cells + ["", "", "", ""])[:4]) + " |")
        out.append("")
    others = [(ref, msg) for ref, msg in res.findings if (ref, msg) not in diffs]
    if others:
        out += ["## Findings", ""]
        out += [f"- {md_text(msg, FINDING_CAP)} ({md_text(short_ref(ref), LABEL_CAP)})" for ref, msg in others]
        out.append("")
    if res.screenshots:
        out += ["## Screenshots", ""]
        for s in res.screenshots:
            href = link_from(base, s)
            out.append(f"- {md_link(Path(s).name, href)}" if href else f"- {md_code(s)} (link omitted)")
        out.append("")
    if res.logs:
        out += ["## Logs", ""]
        for name, text in res.logs.items():
            out += [f"<details><summary>{md_html(name)}</summary>", "", *md_fence(text), "", "</details>", ""]
    return "\n".join(out)


def matrix_markdown(matrix: dict) -> str:
    adapters = matrix["adapters"]
    out = ["# Cross-adapter acceptance matrix", "", f"Generated {md_text(matrix['generated'])}", "",
           "| Capability | " + " | ".join(md_code(a) for a in adapters) + " |",
           "|---|" + "---|" * len(adapters)]
    out.append("| **adapter status** | " + " | ".join(md_cell(matrix["status"].get(a)) for a in adapters) + " |")
    for cap_id, cells in matrix["rows"].items():
        out.append(f"| {md_code(cap_id)} | " + " | ".join(_matrix_cell(cells.get(a)) for a in adapters) + " |")
    return "\n".join(out) + "\n"


def _matrix_cell(cell: dict | None) -> str:
    if not cell:
        return ""
    level = cell.get("level") or ""
    return md_cell(f"{cell['status']}" + (f" ({level})" if level and level not in (cell["status"],) else ""))
