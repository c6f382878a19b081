"""Fixtures of the live chat protocol suite.

``live`` starts the suite's own AstrBot (the release given by ``--framework astrbot[==VERSION|@ENV]``)
with the stand-in model server, once per session. It does not reuse ``framework_stack`` from
``tests/acceptance/conftest.py``: that fixture is visible only to tests under ``tests/acceptance``,
and its stack has neither the streamed-response setting nor the provider ids this suite needs.
At teardown the protocol comparison is written to ``<report-dir>/<run-id>/live-chat-protocol.{json,md}``
and the stack's redacted logs stay under ``runs/<run-id>/live_chat/stack/logs/collected/``.
"""

from __future__ import annotations

import pytest

from harness.session import AcceptanceSession


def _say(config: pytest.Config):
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(text: str) -> None:
        if reporter is not None:
            reporter.write_line(f"[live-chat] {text}")

    return say


@pytest.fixture(scope="session")
def astrbot_spec(acceptance: AcceptanceSession):
    if acceptance.spec.name != "astrbot":
        pytest.skip(f"the live chat protocol suite tests AstrBot's live chat WebSocket; run it with --framework astrbot "
                    f"(this run's framework is {acceptance.framework})")
    return acceptance.spec


@pytest.fixture(scope="session")
async def live(request: pytest.FixtureRequest, astrbot_spec, acceptance: AcceptanceSession):
    from harness.live_chat.environment import LiveChatEnvironment

    say = _say(request.config)
    env = LiveChatEnvironment(astrbot_spec, acceptance.evidence_dir.parent / "live_chat", run_id=acceptance.run_id,
                              report_dir=acceptance.report_dir / acceptance.run_id, progress=say)
    say(f"starting {astrbot_spec} with the stand-in model server (first run installs the release)")
    try:
        await env.start()
    except BaseException:
        await env.stop()
        raise
    try:
        yield env
    finally:
        # the session's leak check (harness.secret_scan) then searches the live chat reports and logs for them too
        acceptance.add_secrets(*env.stack.redactor.known)
        try:
            jpath, mpath = env.write_report()
            say(f"protocol comparison: {mpath} and {jpath.name}")
        finally:
            await env.stop()
