"""Allure labels for capability tests, when allure-pytest is active (a no-op otherwise).

epic = adapter, feature = capability kind, story = capability id, label ``evidence_level``, and the
evidence lines that prove the verdict attached as text. Every label, the description and the attached
text are redacted (by default with the acceptance session's known secrets) and long values capped.
"""

from __future__ import annotations

import html
from typing import Any

import pytest

from harness.capabilities import KIND_TITLES
from harness.verdicts import Verdict


def allure_active(config: pytest.Config) -> bool:
    return bool(config.pluginmanager.hasplugin("allure_pytest") and config.getoption("allure_report_dir", None))


def session_redactor(config: pytest.Config) -> Any:
    """A ``Redactor`` knowing the acceptance session's secrets (only the generic rules when there is no session)."""
    from harness.evidence.redact import Redactor

    from harness.session import SESSION_KEY

    session = config.stash.get(SESSION_KEY, None)
    return Redactor(getattr(session, "_secrets", None) or (), fingerprint_key=getattr(session, "run_id", "") or "")


def annotate(config: pytest.Config, adapter: str, verdict: Verdict, lines: dict[str, str],
             screenshots: list[str] | None = None, *, redactor: Any = None) -> None:
    """``redactor``: a :class:`harness.evidence.redact.Redactor`; default :func:`session_redactor`."""
    if not allure_active(config):
        return
    import allure

    from harness.report.model import (EVIDENCE_LINE_CAP, IN_EVIDENCE, LABEL_CAP, REASON_CAP, cap, redact_line,
                                      redact_verdict)

    red = redactor if redactor is not None else session_redactor(config)
    v = redact_verdict(verdict, red)
    allure.dynamic.epic(cap(red.text(adapter), LABEL_CAP))
    allure.dynamic.feature(KIND_TITLES.get(verdict.kind, cap(v.kind, LABEL_CAP)))
    allure.dynamic.story(cap(v.id, LABEL_CAP))
    allure.dynamic.label("evidence_level", verdict.level.value if verdict.level else "none")
    allure.dynamic.label("acceptance_status", verdict.status.value)
    if v.reason:
        # as escaped HTML: Allure turns a plain description into HTML as Markdown, raw HTML included
        text = html.escape(cap(v.reason, REASON_CAP)).replace("\n", "<br>")
        allure.dynamic.description_html(f"<p>{text}</p>")
    cited = "\n".join(
        f"{red.text(ref)}  " + (cap(redact_line(lines[ref], red), EVIDENCE_LINE_CAP, where=IN_EVIDENCE)
                                if ref in lines else "(line not available)")
        for ref in verdict.evidence)
    allure.attach(cited or "no evidence", name="evidence lines", attachment_type=allure.attachment_type.TEXT)
    for path in screenshots or []:
        try:
            allure.attach.file(path, name=cap(red.text(path.rsplit("/", 1)[-1]), LABEL_CAP),
                               attachment_type=allure.attachment_type.PNG)
        except OSError:
            continue
