"""The HTTP contract report: a JSON diff a CI job gates on (``ok`` false when any documented item is not served
as documented or a behaviour check failed) and a Markdown page with every item and its evidence."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from harness.contract.checks import DOCUMENTED, Item
from harness.contract.model import Contract

#: Statuses that make the diff non-empty (a CI gate fails on them).
DIFFERENT = ("served-differently", "absent", "failed", "blocked")


def diff(contract: Contract, items: Iterable[Item], *, framework: str, plugin: dict[str, Any], reason: str = "") -> dict:
    items = list(items)
    return {
        "contract": contract.name, "title": contract.title, "document": contract.document,
        "framework": framework, "plugin": plugin, "blocked_reason": reason or None,
        "ok": not any(i.status in DIFFERENT for i in items),
        "counts": dict(sorted(Counter(i.status for i in items).items())),
        "differences": [i.to_dict() for i in items if i.status in DIFFERENT],
        "undocumented": [i.to_dict() for i in items if i.status == "undocumented"],
        "items": [i.to_dict() for i in items],
    }


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return (text or "").replace("|", "\\|").replace("\n", " ")[:240]


def markdown(d: dict) -> str:
    lines = [f"# {d['title']}", "", f"- framework: {d['framework']}", f"- plugin: {_cell(d['plugin'])}",
             f"- document: {d['document']}", f"- result: **{'matches the document' if d['ok'] else 'differs from the document'}** "
             f"({', '.join(f'{k} {v}' for k, v in d['counts'].items())})"]
    if d.get("blocked_reason"):
        lines += ["", f"**Blocked:** {_cell(d['blocked_reason'])}"]
    lines += ["", "## Document vs implementation", "", "| item | kind | status | documented | observed | evidence |",
              "|---|---|---|---|---|---|"]
    for i in d["items"]:
        lines.append(f"| `{_cell(i['id'])}` | {i['kind']} | **{i['status']}** | {_cell(i['documented'])} | {_cell(i['observed'])} | "
                     f"{_cell('; '.join(i['evidence'][:2]))} |")
    if d["undocumented"]:
        lines += ["", "## Served but not in the document", ""] + [f"- `{i['id']}`: {_cell(i['observed'])}" for i in d["undocumented"]]
    lines += ["", f"Statuses: documented items are {', '.join(DOCUMENTED)}; behaviour checks passed or failed; "
              "blocked items could not be checked (reason given)."]
    return "\n".join(lines) + "\n"


def write(d: dict, folder: Path, redact) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    js = folder / f"{d['contract']}.contract.json"
    md = folder / f"{d['contract']}.contract.md"
    js.write_text(redact(json.dumps(d, ensure_ascii=False, indent=1)) + "\n", "utf-8")
    md.write_text(redact(markdown(d)), "utf-8")
    return js, md
