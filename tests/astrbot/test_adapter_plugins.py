"""Third-party adapter plugins on real AstrBot (``--adapter-plugin``), through the published HTTP contract:

* a mutated copy of the reference HTTP adapter (one documented item broken) turns exactly its items red, and a
  stream that never ends is a verdict within the stream timeout, not a hang;
* a plugin AstrBot cannot import, and one whose adapter raises in its constructor, end with every item
  ``blocked`` and the framework's own error (exception type and message) as the reason; one whose requirements
  do not install ends ``blocked`` with pip's words;
* a folder that is not a plugin ends ``blocked`` with what is missing, without starting anything;
* the reference TangSengDaoDao and Tailchat adapters pass their platform suites, and each mutated copy turns its
  suite red (Tailchat: one test per mutant, including the design's structural claims checked with two instances).

The reference adapter itself (every item served) is run by ``make test`` through the shipped suite.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from acceptance_fixtures.adapter_plugins.mutants_http_platform import MUTANTS, mutate_http_platform
from harness.contract import checks
from harness.contract.model import contract_for
from harness.contract.run import contract_runs, plugin_adapters_of_type
from harness.session import AcceptanceSession

pytestmark = pytest.mark.plugin_e2e
PLUGINS = Path(__file__).with_name("plugins")


def _session(tmp_path: Path, framework: str, plugin: Path) -> AcceptanceSession:
    return AcceptanceSession(framework=framework, adapters=["http-platform"], adapter_plugins=[plugin],
                             evidence_dir=tmp_path / "evidence", report_dir=tmp_path / "reports", run_id="plugins",
                             contract_for=contract_for, plugin_adapters_of_type=plugin_adapters_of_type)


async def _run(tmp_path: Path, framework: str, plugin: Path) -> dict:
    session = _session(tmp_path, framework, plugin)
    (run,) = contract_runs(session)
    d = await run.run(session, print)
    assert (tmp_path / "reports" / "plugins" / "http-platform.contract.json").is_file()
    assert (tmp_path / "reports" / "plugins" / "http-platform.contract.md").is_file()
    return d


def _framework(request: pytest.FixtureRequest) -> str:
    fw = request.config.getoption("--framework") or "astrbot"
    if not fw.startswith("astrbot"):
        pytest.skip("adapter plugins are AstrBot plugins: run with --framework astrbot")
    return fw


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("mutant", ["token_not_checked", "stream_never_ends"])
async def test_a_mutated_reference_adapter_turns_its_items_red(mutant, tmp_path, request, monkeypatch) -> None:
    monkeypatch.setattr(checks, "STREAM_WAIT", 8.0)  # a stream that never ends is judged after 8 s, not 60
    plugin = mutate_http_platform(tmp_path / "reference_http_platform", mutant)
    d = await _run(tmp_path, _framework(request), plugin)
    status = {i["id"]: i["status"] for i in d["items"]}
    targets = MUTANTS[mutant][4]
    assert all(status[t] not in ("served", "passed", "blocked") for t in targets), {t: status[t] for t in targets}
    assert d["ok"] is False and {i["id"] for i in d["differences"]} >= set(targets)
    # the rest still holds: the mutant broke one documented item, not the run
    assert status["route:POST /messages"] == "served" and status["behaviour:non-streaming reply"] == "passed", status


@pytest.mark.asyncio(loop_scope="session")
async def test_a_plugin_astrbot_cannot_import_is_blocked_with_its_error(tmp_path, request) -> None:
    d = await _run(tmp_path, _framework(request), PLUGINS / "broken_import")
    assert {i["status"] for i in d["items"]} == {"blocked"}
    reason = d["blocked_reason"]
    assert "ImportError" in reason and "PlatformGatewayV9" in reason, reason
    print("REASON:", reason)


@pytest.mark.asyncio(loop_scope="session")
async def test_an_adapter_raising_in_its_constructor_is_blocked_with_its_error(tmp_path, request) -> None:
    d = await _run(tmp_path, _framework(request), PLUGINS / "raising_constructor")
    assert {i["status"] for i in d["items"]} == {"blocked"}
    reason = d["blocked_reason"]
    assert "RuntimeError" in reason and "refuses to start" in reason, reason
    print("REASON:", reason)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_plugin_whose_requirements_do_not_install_is_blocked_with_pips_words(tmp_path, request) -> None:
    d = await _run(tmp_path, _framework(request), PLUGINS / "unresolvable_requirements")
    assert {i["status"] for i in d["items"]} == {"blocked"}
    reason = d["blocked_reason"]
    assert "requirements did not install" in reason and "adapter-acceptance-no-such-distribution-7f3c" in reason, reason
    print("REASON:", reason)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_folder_that_is_not_a_plugin_is_blocked_without_starting_anything(tmp_path) -> None:
    d = await _run(tmp_path, "astrbot", PLUGINS / "not_a_plugin")
    assert {i["status"] for i in d["items"]} == {"blocked"}
    assert "no main.py" in d["blocked_reason"] and "not_a_plugin" in d["blocked_reason"]
    assert not (tmp_path / "evidence").exists() or not list((tmp_path / "evidence").glob("*.jsonl"))


def test_every_contract_item_has_an_id_once() -> None:
    from harness.contract.checks import documented_items

    ids = [i for i, _, _ in documented_items(contract_for("http-platform"))]
    assert len(ids) == len(set(ids))


async def _platform_run(tmp_path: Path, framework: str, plugin: Path, adapter: str):
    """One full-path run of a plugin-shipped adapter on a fresh AstrBot with ``plugin``; its checked result."""
    from acceptance_fixtures.platforms import profile_for
    from harness.acceptance_run import AdapterRun
    from harness.checker import check
    from harness.stacks import AstrBotStack, StackTimeouts

    session = AcceptanceSession(framework=framework, adapters=[adapter], adapter_plugins=[plugin], run_id=tmp_path.name,
                                evidence_dir=tmp_path / "evidence", report_dir=tmp_path / "reports",
                                contract_for=contract_for, plugin_adapters_of_type=plugin_adapters_of_type)
    session.profile_for = profile_for
    manifest = session.manifest(adapter)
    stack = AstrBotStack(session.spec, tmp_path / "stack", run_id=session.run_id, progress=lambda _: None,
                         timeouts=StackTimeouts(app_ready=240, bot_ready=60), adapter_plugins=session.plugins(),
                         evidence_path=session.evidence_dir / "probe.jsonl")
    await stack.start()
    try:
        await AdapterRun(session, stack, manifest, progress=lambda _: None).run()
    finally:
        await stack.stop()
        session.close()
    return check([manifest], session.evidence_files(), only_declared_adapters=True).adapters[0]


@pytest.mark.asyncio(loop_scope="session")
async def test_a_mutated_reference_tangsengdaodao_adapter_turns_its_sends_red(tmp_path, request) -> None:
    """The reference TangSengDaoDao adapter passes its suite; with channel_type swapped on send (document item 4:
    1 = private, 2 = group) the sends the simulated server received go to the wrong channel and fail."""
    from acceptance_fixtures.adapter_plugins.mutants_tangsengdaodao import REFERENCE, mutate_tangsengdaodao

    fw = _framework(request)
    clean = await _platform_run(tmp_path / "clean", fw, REFERENCE, "tangsengdaodao")
    # without the UI phase (no browser here) a received send is partial: received, not seen rendered
    assert clean.verdict("send:Plain").status.value in ("accepted", "partial"), clean.verdict("send:Plain").reason
    assert not [v.id for v in clean.verdicts if v.status.value == "failed"]
    plugin = mutate_tangsengdaodao(REFERENCE, tmp_path / "mutant" / "reference_tangsengdaodao", "channel_type_swapped")
    broken = await _platform_run(tmp_path / "broken", fw, plugin, "tangsengdaodao")
    red = [v.id for v in broken.verdicts if v.status.value == "failed"]
    assert "send:Plain" in red or "api:send_message" in red, {v.id: (v.status.value, v.reason[:120]) for v in broken.verdicts}


@pytest.mark.asyncio(loop_scope="session")
async def test_the_reference_tailchat_adapter_has_no_failed_verdict(tmp_path, request) -> None:
    """The clean reference Tailchat adapter: nothing failed, nothing untested, and the design's structural claims
    (two instances side by side in one AstrBot) accepted from what the harness observed."""
    from acceptance_fixtures.adapter_plugins.mutants_tailchat import REFERENCE, RED

    clean = await _platform_run(tmp_path / "clean", _framework(request), REFERENCE, "tailchat")
    status = {v.id: v.status.value for v in clean.verdicts}
    assert not [i for i, s in status.items() if s in ("failed", "untested")], status
    claims = {c for targets in RED.values() for c in targets if c.startswith("compat:structure.")}
    assert claims and all(status[c] == "accepted" for c in claims), {c: status[c] for c in claims}


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.parametrize("mutant", ["token_not_checked", "first_instance_gets_all", "mention_not_parsed",
                                    "reply_meta_dropped", "server_per_instance", "wrong_login_token"])
async def test_a_mutated_reference_tailchat_adapter_turns_its_suite_red(mutant, tmp_path, request, monkeypatch) -> None:
    """Each mutant breaks one documented item (mutants_tailchat.MUTANTS); the full-path run on AstrBot judges exactly
    that item ``failed`` (RED), or, for an adapter that cannot log in at all, blocks every capability with the
    simulator's refusal in the reason."""
    from acceptance_fixtures.adapter_plugins.mutants_tailchat import RED, REFERENCE, mutate_tailchat
    from harness import bringup

    monkeypatch.setattr(bringup, "CONNECT_WAIT", 12.0)  # an adapter that never logs in is judged after 12 s, not 30
    # a message the mutant drops is given up on after 4 s, not 10 (the clean reference's events come within a second)
    monkeypatch.setattr("harness.acceptance_run.EVENT_WAIT", 4.0)
    monkeypatch.setattr("harness.acceptance_run.SWEEP_START_WAIT", 15.0)  # a trigger the mutant drops: 15 s, not 60

    plugin = mutate_tailchat(REFERENCE, tmp_path / "mutant" / "reference_tailchat", mutant)
    broken = await _platform_run(tmp_path / "broken", _framework(request), plugin, "tailchat")
    status = {v.id: (v.status.value, v.reason[:160]) for v in broken.verdicts}
    if RED[mutant]:
        assert all(status[c][0] == "failed" for c in RED[mutant]), {c: status[c] for c in RED[mutant]}
        assert broken.status.value == "failed", broken.status_reason
    else:
        assert {s for s, _ in status.values()} == {"blocked"}, status
        assert "login" in broken.status_reason and "Auth failed" in broken.status_reason, broken.status_reason
