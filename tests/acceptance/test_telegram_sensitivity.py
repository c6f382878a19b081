"""Sensitivity on Telegram: the simulated Bot API lies (answers, parameters, update fields, what it received differ
from the world) and the verdicts of the Telegram run must notice, with nothing else turning red. The same batch as
the OneBot suite (``test_sensitivity.corrupted_batch``), with the Bot API's method and field names; runs on the
session's framework when telegram-omni is selected. Table: ``sensitivity-<framework>-telegram.md``."""

from __future__ import annotations

import pytest

from tests.acceptance.test_sensitivity import corrupted_batch

pytestmark = pytest.mark.plugin_e2e

ADAPTER = "telegram-omni"
#: (capabilities the corruption must turn red, its fault spec, what it does), Bot API names.
CORRUPTIONS: list[tuple[tuple[str, ...], dict, str]] = [
    (("api:get_group_info", "api:get_user_info"), {"corrupt": [{"how": "alter", "actions": ["getChat"]}]},
     "getChat answers with every value altered"),
    (("api:get_group_member_list",), {"corrupt": [{"how": "drop_item", "actions": ["getChatAdministrators"]}]},
     "getChatAdministrators answers without its last administrator"),
    (("api:get_group_member_info",), {"corrupt": [{"how": "alter", "actions": ["getChatMember"]}]},
     "getChatMember answers with another member"),
    (("api:mute_member",), {"drop_param": [{"param": "until_date", "actions": ["restrictChatMember"]}]},
     "restrictChatMember loses its until_date on the way (the platform mutes forever)"),
    (("event:group.member_banned", "event:group.member_left", "event:bot.invited_to_group", "event:bot.muted",
      "event:bot.unmuted", "event:bot.removed_from_group", "event:message.received", "event:message.edited"),
     {"corrupt_frames": ["from.id"]}, "updates name another sender or operator than the world's"),
    (("receive:Image", "receive:Voice", "receive:File", "receive:Quote", "receive:At", "receive:mixed"),
     {"corrupt_frames": ["file_id", "reply_to_message", "entities"]},
     "messages carry other file ids, quoted messages and mention entities than the world's"),
    (("send:Plain", "send:Image", "send:File", "send:Quote", "send:Voice", "api:send_message", "api:reply_message",
      "api:forward_message"),
     {"corrupt_received": ["text", "target", "id", "name", "sha256"]},
     "the platform misreads the text, targets, ids, names and media bytes of what the bot sends"),
]


async def test_corrupted_bot_api_data_turn_their_capabilities_red(acceptance, adapter_runs, framework_stack, tmp_path):
    if isinstance(framework_stack, Exception):
        pytest.skip(f"stack did not start: {framework_stack}")
    if ADAPTER not in [m.name for m in acceptance.manifests()]:
        pytest.skip(f"{ADAPTER} is not selected (--adapter)")
    await corrupted_batch(acceptance, adapter_runs, framework_stack, tmp_path, acceptance.manifest(ADAPTER), CORRUPTIONS,
                          f"sensitivity-{acceptance.spec.name}-telegram.md", f"{acceptance.spec}::{ADAPTER}")
