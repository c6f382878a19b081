"""Self-contained HTML renderer (Jinja2, inline CSS, evidence lines embedded with anchors)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2

from harness.report.model import link_from, sections, short_ref
from harness.verdicts import AdapterResult


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("harness.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.globals["css"] = env.loader.get_source(env, "base.css")[0]  # type: ignore[union-attr]
    env.globals["short"] = short_ref
    env.globals["anchor"] = lambda ref: "ev-" + re.sub(r"[^A-Za-z0-9]+", "-", short_ref(ref))
    return env


def adapter_html(res: AdapterResult, *, generated: str, cited: dict[str, str], extra: dict[str, str] | None = None,
                 base: str | Path | None = None) -> str:
    """``base``: the report's own folder; screenshot links are made relative to it so they resolve from there."""
    refs = list(dict.fromkeys([r for v in res.verdicts for r in v.evidence] + [r for r, _ in res.findings]))
    lines = [(r, cited[r]) for r in refs if r in cited]
    return _env().get_template("adapter.html.j2").render(r=res, generated=generated, sections=sections(res),
                                                        cited=lines, extra=extra or {}, link=lambda p: link_from(base, p))


def matrix_html(matrix: dict) -> str:
    return _env().get_template("matrix.html.j2").render(m=matrix)
