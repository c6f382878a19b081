"""Sensitivity: the simulated platform lies, and the verdicts must notice.

One full-path batch per framework: the simulator answers with data that differ from the world, loses a
parameter on the way, or sends event frames whose fields differ from the world (generic corruptions of
``acceptance_fixtures.simulator.faults``; the world itself stays right, so the expectations do). Every
corruption targets capabilities that the clean run of this session accepted; each must turn red with a
reason that names the difference, and no capability outside the targets may turn red. The table (one
row per corruption) is written next to the session's reports as ``sensitivity-<framework>.md``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from harness.acceptance_run import AdapterRun
from harness.checker import check
from harness.levels import Status
from tests import sensitivity_table
from tests.acceptance.test_faults import _manifest, _sub_session

pytestmark = pytest.mark.plugin_e2e

#: (capabilities the corruption must turn red, its fault spec, what it does). OneBot action names: the
#: suite drives the OneBot v11 simulator.
CORRUPTIONS: list[tuple[tuple[str, ...], dict, str]] = [
    (("api:get_group_info",), {"corrupt": [{"how": "alter", "actions": ["get_group_info"]}]},
     "get_group_info answers with every value altered"),
    (("api:get_group_member_list",), {"corrupt": [{"how": "drop_item", "actions": ["get_group_member_list"]}]},
     "get_group_member_list answers without its last member"),
    (("api:get_user_info",), {"corrupt": [{"how": "alter", "actions": ["get_stranger_info"]}]},
     "get_stranger_info answers with another user"),
    (("api:get_friend_list",), {"corrupt": [{"how": "drop_item", "actions": ["get_friend_list"]}]},
     "get_friend_list answers without its last friend"),
    (("api:mute_member", "api:unmute_member"), {"drop_param": [{"param": "duration", "actions": ["set_group_ban"]}]},
     "set_group_ban loses its duration on the way (the platform applies its default)"),
    (("event:message.received",), {"corrupt_frames": ["nickname", "card"]},
     "message frames carry another sender name than the world's"),
    (("event:group.member_joined", "event:group.member_left", "event:group.member_banned", "event:bot.muted",
      "event:bot.unmuted", "event:bot.removed_from_group", "event:bot.invited_to_group", "event:message.deleted"),
     {"corrupt_frames": ["operator_id"]}, "notice frames name another operator than the world's"),
    (("receive:At", "receive:AtAll", "receive:Image", "receive:Voice", "receive:File", "receive:Quote", "receive:Face",
      "receive:mixed"), {"corrupt_frames": ["qq", "url", "id", "result", "size"]},
     "message segments carry other mention targets, URLs, ids and sizes than the world's"),
    (("send:Plain", "send:At", "send:Image", "send:Voice", "send:File", "send:Quote", "send:Face", "send:Forward",
      "send:mixed", "api:send_message", "api:reply_message", "api:forward_message"),
     {"corrupt_received": ["text", "target", "url", "id", "face_id", "name", "sender_name", "sha256"]},
     "the platform misreads the text, targets, URLs, ids, names and media bytes of what the bot sends"),
]


def _merge(specs: list[dict]) -> dict:
    merged: dict = {}
    for spec in specs:
        for key, value in spec.items():
            merged[key] = [*merged.get(key, []), *value] if isinstance(value, list) else value
    return merged


async def test_corrupted_platform_data_turn_their_capabilities_red(acceptance, adapter_runs, framework_stack, tmp_path):
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    await corrupted_batch(acceptance, adapter_runs, framework_stack, tmp_path, _manifest(acceptance), CORRUPTIONS,
                          f"sensitivity-{acceptance.spec.name}.md", str(acceptance.spec))


async def corrupted_batch(acceptance, adapter_runs, framework_stack, tmp_path, manifest, corruptions_of_platform,
                          table_name: str, table_key: str) -> None:
    """One corrupted run of ``manifest`` against its clean run: every corruption aimed at an accepted capability
    must turn it red, and nothing else may turn red (shared by the platforms' sensitivity suites)."""
    clean = await adapter_runs.result(manifest)
    corruptions = [*corruptions_of_platform,
                   (tuple(f"platform_api:{a}" for a in manifest.platform_actions), {"misname_actions": True},
                    "the platform records every request under another name than the one it got")]
    accepted = {v.id for v in clean.verdicts if v.status is Status.ACCEPTED}
    # Only the targets the clean run accepted are judged: a red verdict there is then this batch's doing.
    chosen = [(caps, spec, what) for caps, spec, what in corruptions if any(c in accepted for c in caps)]
    assert chosen, f"the clean run accepted none of the targeted capabilities ({clean.status_reason})"
    targets = {c for caps, _, _ in chosen for c in caps if c in accepted}

    sub = _sub_session(acceptance, tmp_path, manifest.name)
    sub.destructive = acceptance.destructive  # the same calls as the clean run, so every target is exercised
    started = time.monotonic()
    await AdapterRun(sub, framework_stack, manifest, progress=lambda _: None,
                     faults=_merge([spec for _, spec, _ in chosen])).run()
    sub.close()
    elapsed = time.monotonic() - started
    res = check([manifest], sub.evidence_files(), only_declared_adapters=True).adapters[0]

    framework = table_key  # the by-capability table this batch adds to (tests/sensitivity_table.py)
    sensitivity_table.record_clean(framework, clean, full_path=True)
    rows, missed = [], []
    for caps, _, what in chosen:
        for cap in caps:
            if cap not in accepted:
                continue
            v = res.verdict(cap)
            rows.append(f"| `{cap}` | {what} | accepted | {v.status.value if v else 'none'} | "
                        f"{(v.reason if v else '').replace('|', '/')[:220]} |")
            if v is not None and v.status is Status.FAILED:
                sensitivity_table.record_caught(framework, cap, f"simulator corruption: {what}")
            else:
                missed.append(cap)
    spill = sorted(v.id for v in res.verdicts if v.status is Status.FAILED and v.id in accepted and v.id not in targets)
    table = [f"# Sensitivity: corrupted platform data ({manifest.name})", "",
             f"{acceptance.spec} · {len(chosen)} corruption(s) in one batch, {elapsed:.0f}s · "
             f"caught {len(rows) - len(missed)}/{len(rows)} · red outside the targets: {', '.join(spill) or 'none'}", "",
             "| Capability | Corruption | Clean run | Corrupted run | Reason |", "|---|---|---|---|---|", *rows, ""]
    sensitivity_table.write(Path(acceptance.report_dir) / acceptance.run_id, framework)
    out = Path(acceptance.report_dir) / acceptance.run_id / table_name
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(table), "utf-8")
    print("\n" + "\n".join(table))
    assert not missed, f"corruptions not caught: {missed} (table: {out})"
    assert not spill, f"capabilities turned red that no corruption targets: {spill}"
