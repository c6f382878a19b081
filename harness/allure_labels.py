"""Allure labels for capability tests, when allure-pytest is active (a no-op otherwise).

epic = adapter, feature = capability kind, story = capability id, label ``evidence_level``, and the
evidence lines that prove the verdict attached as text.
"""

from __future__ import annotations

import pytest

from harness.capabilities import KIND_TITLES
from harness.verdicts import Verdict


def allure_active(config: pytest.Config) -> bool:
    return bool(config.pluginmanager.hasplugin("allure_pytest") and config.getoption("allure_report_dir", None))


def annotate(config: pytest.Config, adapter: str, verdict: Verdict, lines: dict[str, str],
             screenshots: list[str] | None = None) -> None:
    if not allure_active(config):
        return
    import allure

    allure.dynamic.epic(adapter)
    allure.dynamic.feature(KIND_TITLES.get(verdict.kind, verdict.kind))
    allure.dynamic.story(verdict.id)
    allure.dynamic.label("evidence_level", verdict.level.value if verdict.level else "none")
    allure.dynamic.label("acceptance_status", verdict.status.value)
    if verdict.reason:
        allure.dynamic.description(verdict.reason)
    cited = "\n".join(f"{ref}  {lines.get(ref, '(line not available)')}" for ref in verdict.evidence)
    allure.attach(cited or "no evidence", name="evidence lines", attachment_type=allure.attachment_type.TEXT)
    for path in screenshots or []:
        try:
            allure.attach.file(path, name=path.rsplit("/", 1)[-1], attachment_type=allure.attachment_type.PNG)
        except OSError:
            continue
