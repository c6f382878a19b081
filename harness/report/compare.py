"""Side-by-side comparison of two per-adapter reports (any two: two frameworks, two releases, two runs).

    acceptance compare reports/<run-a>/<adapter>@<mode>.json reports/<run-b>/<adapter>@<mode>.json --out-dir reports/compare

Two parts, both computed from the reports and the evidence they cite, never from expectations:

* **capabilities**: the union of both reports' capability ids, each with declared / status / level /
  reason on both sides and the kind of difference (``same``, ``declared only in A``, ``status``,
  ``level``, ...);
* **what reached the plugin**: for every inbound scenario injected in both runs (``inject`` records,
  by scenario name), the first probe ``event`` of that adapter recorded at or after the injection
  and before the next one, on both sides: event type, native kind, component types, and whether
  they differ. This shows differences even where a scenario's match did not fit one side.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from harness.capabilities import KINDS

SCHEMA = "acceptance-compare/1"


def load_report(path: str | Path) -> dict:
    """A per-adapter JSON report, validated against its schema (a wrong field is exit 2 naming it)."""
    from harness.json_input import load_json_input

    data = load_json_input(path, "report")
    data["_path"] = str(path)
    return data


def side_label(report: dict) -> str:
    fw = report.get("framework") or "?"
    ver = report.get("framework_version") or ""
    return f"{fw} {ver} / {report.get('adapter')}".strip()


def _cap_sort_key(cap_id: str) -> tuple:
    kind, _, name = cap_id.partition(":")
    return (KINDS.index(kind) if kind in KINDS else len(KINDS), name)


def _difference(a: dict | None, b: dict | None) -> str:
    if a is None or not a.get("declared") and b is not None and b.get("declared"):
        return "declared only in B" if (b or {}).get("declared") else "only in B"
    if b is None or not b.get("declared") and a.get("declared"):
        return "declared only in A" if a.get("declared") else "only in A"
    if a.get("status") != b.get("status"):
        return "status"
    if a.get("level") != b.get("level"):
        return "level"
    return "same"


def compare_capabilities(a: dict, b: dict) -> list[dict]:
    ca = {c["id"]: c for c in a.get("capabilities", [])}
    cb = {c["id"]: c for c in b.get("capabilities", [])}
    rows = []
    for cap_id in sorted(set(ca) | set(cb), key=_cap_sort_key):
        va, vb = ca.get(cap_id), cb.get(cap_id)
        rows.append({
            "id": cap_id,
            "a": {k: (va or {}).get(k) for k in ("declared", "status", "level", "reason")} if va else None,
            "b": {k: (vb or {}).get(k) for k in ("declared", "status", "level", "reason")} if vb else None,
            "difference": _difference(va, vb),
        })
    return rows


# ---- what reached the plugin -------------------------------------------------------------------

def _records(files: list[str], adapter: str) -> list[dict]:
    """The adapter's records in the evidence files a report cites (validated like the checker's; files
    that are gone or are not regular files are passed over: the comparison says what it could read)."""
    from harness.evidence.reader import ReadResult, iter_records

    out = []
    for f in files:
        if not Path(f).is_file():
            continue
        for _, rec in iter_records([f], ReadResult(), full=True):
            if rec.get("adapter") == adapter and (rec.get("record") != "inject" or isinstance(rec.get("scenario", ""), str)):
                out.append(rec)
    return sorted(out, key=lambda r: r.get("t") or 0)


def _summarise_event(ev: dict) -> dict:
    comps = ev.get("components") or []
    fields = ev.get("fields") or {}
    return {
        "type": ev.get("type"),
        "class": ev.get("class"),
        "native_kind": fields.get("native_kind"),
        "components": [c.get("type") for c in comps],
        "plain": "".join(c.get("text", "") for c in comps if c.get("type") == "Plain"),
        "ids": {k: ev.get(k) for k in ("chat_type", "group_id", "user_id", "message_id") if ev.get(k) not in (None, "")},
    }


def _get(record: dict, dotted: str):
    node: Any = record
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _fits(event_rec: dict, match: dict) -> bool:
    return bool(match) and all(str(_get(event_rec, k)) == str(v) for k, v in match.items())


def arrivals(report: dict) -> dict[str, dict]:
    """scenario name -> what the probe recorded for that injection (or None).

    Each probe event explains at most one injection, at or after it. Pass 1 takes the event that fits
    the injection's whole ``match``; pass 2 the first one that fits it without ``event.type`` and
    ``event.message_id`` (the ids of group, user, chat kind), so an event delivered under another
    type is still found; pass 3 the first unclaimed event before the next injection.
    """
    recs = _records(report.get("evidence_files") or [], report["adapter"])
    injects = [r for r in recs if r.get("record") == "inject" and r.get("scenario")]
    events = [r for r in recs if r.get("record") == "event" and r.get("producer") == "probe"]
    claimed: set[int] = set()
    found: dict[int, dict] = {}

    def take(i: int, ok) -> None:
        t0 = injects[i].get("t") or 0
        for j, ev in enumerate(events):
            if j not in claimed and (ev.get("t") or 0) >= t0 and ok(ev):
                claimed.add(j)
                found[i] = ev
                return

    for i, inj in enumerate(injects):
        take(i, lambda ev, m=inj.get("match") or {}: _fits(ev, m))
    for i, inj in enumerate(injects):
        relaxed = {k: v for k, v in (inj.get("match") or {}).items() if k not in ("event.type", "event.message_id")}
        if i not in found and relaxed:
            take(i, lambda ev, m=relaxed: _fits(ev, m))
    for i, inj in enumerate(injects):
        if i not in found:
            t1 = injects[i + 1].get("t") if i + 1 < len(injects) else float("inf")
            take(i, lambda ev, t1=t1: (ev.get("t") or 0) < t1)
    out: dict[str, dict] = {}
    for i, inj in enumerate(injects):
        ev = found.get(i)
        out.setdefault(inj["scenario"], {"expected_type": (inj.get("match") or {}).get("event.type"),
                                         "event": _summarise_event(ev["event"]) if ev else None})
    return out


def compare_arrivals(a: dict, b: dict) -> list[dict]:
    aa, bb = arrivals(a), arrivals(b)
    rows = []
    for name in [*aa, *[n for n in bb if n not in aa]]:
        ea, eb = (aa.get(name) or {}).get("event"), (bb.get(name) or {}).get("event")
        if ea is None and eb is None:
            diff = "nothing reached either plugin"
        elif ea is None or eb is None:
            diff = "reached only " + ("B" if ea is None else "A")
        else:
            parts = [k for k in ("type", "components", "plain") if ea.get(k) != eb.get(k)]
            diff = "same" if not parts else "differs: " + ", ".join(parts)
        rows.append({"scenario": name, "expected_type": (aa.get(name) or bb.get(name) or {}).get("expected_type"),
                     "a": ea, "b": eb, "difference": diff})
    return rows


def compare(a: dict, b: dict) -> dict:
    caps = compare_capabilities(a, b)
    arr = compare_arrivals(a, b)
    counts: dict[str, int] = {}
    for row in caps:
        counts[row["difference"]] = counts.get(row["difference"], 0) + 1
    return {
        "schema": SCHEMA,
        "a": {"label": side_label(a), "report": a.get("_path"), "status": a.get("status"), "counts": a.get("counts"),
              "framework": a.get("framework"), "framework_version": a.get("framework_version"), "adapter": a.get("adapter")},
        "b": {"label": side_label(b), "report": b.get("_path"), "status": b.get("status"), "counts": b.get("counts"),
              "framework": b.get("framework"), "framework_version": b.get("framework_version"), "adapter": b.get("adapter")},
        "capability_differences": counts,
        "capabilities": caps,
        "arrivals": arr,
        "findings": {"a": [f["message"] for f in a.get("findings", [])], "b": [f["message"] for f in b.get("findings", [])]},
    }


# ---- rendering ---------------------------------------------------------------------------------
# Every value below comes from two reports and the evidence they cite: write_comparison redacts the
# comparison first, and the renderers escape, cap and link through harness.report's shared helpers.

from harness.report.markdown import md_cell, md_code, md_link, md_text  # noqa: E402
from harness.report.model import (COMPARE_FINDING_CAP, COMPARE_REASON_CAP, FINDING_CAP, LABEL_CAP,  # noqa: E402
                                  REASON_CAP, cap, link_from, safe_name)


def _cell(side: dict | None) -> str:
    if side is None:
        return "-"
    if not side.get("declared"):
        return f"not declared ({side.get('status')})"
    level = f" @ {side['level']}" if side.get("level") else ""
    return f"{side.get('status')}{level}"


def _ev(e: dict | None) -> str:
    if e is None:
        return "nothing"
    kind = f" [{e['native_kind']}]" if e.get("native_kind") else ""
    return f"{e.get('type')}{kind}: {', '.join(str(c) for c in e.get('components') or []) or 'no components'}"


def _md_report_link(path: object, base: str | Path | None) -> str:
    if not path:
        return "no file"
    return md_link(path, link_from(base, str(path)))


def to_markdown(cmp: dict, base: str | Path | None = None) -> str:
    """``base``: the folder the Markdown is written to (links to the two reports resolve from there)."""
    a, b = cmp["a"], cmp["b"]
    lines = [f"# Comparison: {md_text(a['label'], LABEL_CAP)} vs {md_text(b['label'], LABEL_CAP)}", "",
             f"* A: {md_text(a['label'], LABEL_CAP)} ({md_text(a['status'])}) - {_md_report_link(a['report'], base)}",
             f"* B: {md_text(b['label'], LABEL_CAP)} ({md_text(b['status'])}) - {_md_report_link(b['report'], base)}",
             "* capability differences: " + ", ".join(f"{md_text(k)} {md_text(v)}" for k, v in sorted(cmp["capability_differences"].items())),
             "", "## Capabilities", "", "| capability | A | B | difference | reason A | reason B |", "|---|---|---|---|---|---|"]
    for r in cmp["capabilities"]:
        lines.append(f"| {md_code(r['id'])} | {md_cell(_cell(r['a']), LABEL_CAP)} | {md_cell(_cell(r['b']), LABEL_CAP)} | "
                     f"{md_cell(r['difference'])} | {md_cell((r['a'] or {}).get('reason') or '', COMPARE_REASON_CAP)} | "
                     f"{md_cell((r['b'] or {}).get('reason') or '', COMPARE_REASON_CAP)} |")
    lines += ["", "## What reached the plugin, per injected scenario", "",
              "| scenario | expected event | A | B | difference |", "|---|---|---|---|---|"]
    for r in cmp["arrivals"]:
        lines.append(f"| {md_code(r['scenario'])} | {md_cell(r['expected_type'] or '', LABEL_CAP)} | "
                     f"{md_cell(_ev(r['a']), COMPARE_REASON_CAP)} | {md_cell(_ev(r['b']), COMPARE_REASON_CAP)} | {md_cell(r['difference'])} |")
    for side in ("a", "b"):
        if cmp["findings"][side]:
            lines += ["", f"## Findings of {md_text(cmp[side]['label'], LABEL_CAP)}", ""]
            lines += [f"* {md_text(m, COMPARE_FINDING_CAP)}" for m in cmp["findings"][side]]
    return "\n".join(lines) + "\n"


def to_html(cmp: dict, base: str | Path | None = None) -> str:
    """``base``: the folder the HTML is written to (links to the two reports resolve from there)."""
    def e(value: object, limit: int | None = LABEL_CAP) -> str:
        return html.escape(cap(value, limit))

    def report_link(path: object) -> str:
        href = link_from(base, str(path)) if path else None
        return f'<a href="{html.escape(href)}">{e(path)}</a>' if href else f"<code>{e(path or 'no file')}</code>"

    a, b = cmp["a"], cmp["b"]
    css = ("body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;font-size:13px}"
           "td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}.same{color:#777}.diff{background:#fff4d6}")
    out = [f"<!doctype html><meta charset=utf-8><title>{e(a['label'])} vs {e(b['label'])}</title><style>{css}</style>",
           f"<h1>{e(a['label'])} vs {e(b['label'])}</h1>",
           f"<p>A: {e(a['label'])} ({e(a['status'])}) - {report_link(a['report'])}<br>"
           f"B: {e(b['label'])} ({e(b['status'])}) - {report_link(b['report'])}</p>",
           "<h2>Capabilities</h2><table><tr><th>capability<th>A<th>B<th>difference<th>reason A<th>reason B</tr>"]
    for r in cmp["capabilities"]:
        cls = "same" if r["difference"] == "same" else "diff"
        out.append(f"<tr class={cls}><td><code>{e(r['id'])}</code><td>{e(_cell(r['a']))}<td>{e(_cell(r['b']))}"
                   f"<td>{e(r['difference'])}<td>{e((r['a'] or {}).get('reason') or '', REASON_CAP)}"
                   f"<td>{e((r['b'] or {}).get('reason') or '', REASON_CAP)}</tr>")
    out.append("</table><h2>What reached the plugin, per injected scenario</h2>"
               "<table><tr><th>scenario<th>expected event<th>A<th>B<th>difference</tr>")
    for r in cmp["arrivals"]:
        cls = "same" if r["difference"] == "same" else "diff"
        out.append(f"<tr class={cls}><td><code>{e(r['scenario'])}</code><td>{e(r['expected_type'] or '')}"
                   f"<td>{e(_ev(r['a']), REASON_CAP)}<td>{e(_ev(r['b']), REASON_CAP)}<td>{e(r['difference'])}</tr>")
    out.append("</table>")
    for side in ("a", "b"):
        if cmp["findings"][side]:
            out.append(f"<h2>Findings of {e(cmp[side]['label'])}</h2><ul>"
                       + "".join(f"<li>{e(m, FINDING_CAP)}</li>" for m in cmp["findings"][side]) + "</ul>")
    return "\n".join(out) + "\n"


def write_comparison(report_a: str | Path, report_b: str | Path, out_dir: str | Path, name: str | None = None, *,
                     redactor: Any = None) -> dict[str, Path]:
    """Compare two reports and write ``<stem>.{json,md,html}`` into ``out_dir``.

    Everything written (reasons, findings, what reached the plugin, read from the cited evidence) is
    redacted first by ``redactor`` (default ``Redactor()``: secret-named keys, secret-shaped values)."""
    from harness.evidence.redact import Redactor

    redactor = redactor if redactor is not None else Redactor()
    a, b = load_report(report_a), load_report(report_b)
    cmp = redactor.value(compare(a, b))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = name or safe_name(f"compare-{cmp['a'].get('framework')}-{cmp['a'].get('adapter')}-vs-"
                             f"{cmp['b'].get('framework')}-{cmp['b'].get('adapter')}")
    paths = {"json": out_dir / f"{stem}.json", "md": out_dir / f"{stem}.md", "html": out_dir / f"{stem}.html"}
    paths["json"].write_text(json.dumps(cmp, indent=2, ensure_ascii=False) + "\n", "utf-8")
    paths["md"].write_text(to_markdown(cmp, base=out_dir), "utf-8")
    paths["html"].write_text(to_html(cmp, base=out_dir), "utf-8")
    return paths
