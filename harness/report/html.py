"""Self-contained HTML renderer (Jinja2, inline CSS, evidence lines embedded with anchors).

Text is escaped by Jinja's autoescape; links go through :func:`harness.report.model.link_from` /
:func:`~harness.report.model.report_href` (http(s) or relative only; anything else is rendered as
inert text); long values are capped (:func:`~harness.report.model.cap`) with a visible marker. The
caller (:func:`harness.report.writer.write_reports`) hands in data that is already redacted.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from harness.report import model
from harness.report.model import (EVIDENCE_LINE_CAP, IN_EVIDENCE, cap, link_from, report_href, screenshot_list,
                                  sections, short_ref)
from harness.verdicts import AdapterResult


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("harness.report", "templates"),
                             autoescape=jinja2.select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    # our own stylesheet, shipped with the package: not escaped (escaping would break its quoted font names)
    env.globals["css"] = Markup(env.loader.get_source(env, "base.css")[0])  # type: ignore[union-attr]
    env.globals["short"] = short_ref
    env.globals["anchor"] = lambda ref: "ev-" + re.sub(r"[^A-Za-z0-9]+", "-", short_ref(ref))
    env.globals["report_href"] = report_href
    env.globals["screenshots"] = screenshot_list
    env.globals["world_notes"] = model.world_notes
    env.globals.update({k: getattr(model, k) for k in ("REASON_CAP", "FINDING_CAP", "LABEL_CAP", "HTML_LOG_CAP")})
    env.filters["cap"] = lambda text, limit, tail=False: cap(text, limit, tail=tail)
    return env


def adapter_html(res: AdapterResult, *, generated: str, cited: dict[str, str], extra: dict[str, str] | None = None,
                 base: str | Path | None = None) -> str:
    """``base``: the report's own folder; screenshot links are made relative to it so they resolve from there."""
    refs = list(dict.fromkeys([r for v in res.verdicts for r in v.evidence] + [r for r, _ in res.findings]))
    lines = [(r, cap(cited[r], EVIDENCE_LINE_CAP, where=IN_EVIDENCE)) for r in refs if r in cited]
    return _env().get_template("adapter.html.j2").render(r=res, generated=generated, sections=sections(res),
                                                        cited=lines, extra=extra or {}, link=lambda p: link_from(base, p))


def matrix_html(matrix: dict) -> str:
    return _env().get_template("matrix.html.j2").render(m=matrix)
