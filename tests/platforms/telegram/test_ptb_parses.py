"""Everything the Telegram simulator sends parses with the python-telegram-bot of each framework's cached environment.

python-telegram-bot's ``de_json`` is strict: a field its classes require and the simulator leaves out makes it drop
the whole ``getUpdates`` batch and poll the same updates again, forever (AstrBot's PTB 22.8 requires
``can_edit_tag`` in a restricted member, from Bot API 9.x). So every update of the scenario catalogue and every
method result is parsed in each environment's own interpreter; skipped where the environment is not cached.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from acceptance_fixtures.platforms.telegram import PLATFORM
from harness.frameworks import FrameworkSpec
from tests.platforms.telegram.test_telegram_simulator import telegram

pytestmark = pytest.mark.unit

PARSE = r"""
import json, sys, telegram
bot = telegram.Bot("1:x")
data = json.load(open(sys.argv[1]))
classes = {"Update": telegram.Update, "Message": telegram.Message, "User": telegram.User, "ChatFullInfo": telegram.ChatFullInfo,
           "ChatMember": telegram.ChatMember, "File": telegram.File, "ChatInviteLink": telegram.ChatInviteLink}
problems = []
for kind, what, obj in data:
    try:
        parsed = classes[kind].de_json(obj, bot)
        if parsed is None:
            problems.append(f"{what}: {kind}.de_json gave None")
    except Exception as exc:
        problems.append(f"{what}: {type(exc).__name__}: {exc}")
print(json.dumps({"version": telegram.__version__, "problems": problems}))
"""


async def _everything() -> list[tuple[str, str, dict]]:
    out: list[tuple[str, str, dict]] = []
    async with telegram() as (sim, bot, _):
        await bot.call("getUpdates", timeout=0, allowed_updates=["message", "channel_post", "edited_message", "chat_member", "my_chat_member",
                                                                  "message_reaction", "callback_query"])
        for scenario in sim.scenarios():
            await sim.inject(scenario.name)
            _, got = await bot.call("getUpdates", timeout=2)
            out += [("Update", scenario.name, u) for u in got["result"]]
            assert got["result"], f"{scenario.name} delivered nothing"
            await bot.call("getUpdates", offset=got["result"][-1]["update_id"] + 1, timeout=0)
        w = sim.world
        main, owner, admin, member = w.roles["main_group"], w.roles["owner"], w.roles["admin"], w.roles["member"]
        calls = [("User", "getMe", {}), ("ChatFullInfo", "getChat", {"chat_id": main}),
                 ("ChatFullInfo", "getChat", {"chat_id": owner}), ("Message", "sendMessage", {"chat_id": main, "text": "x"}),
                 ("Message", "forwardMessage", {"chat_id": main, "from_chat_id": main, "message_id": int(w.roles["quote_message"])}),
                 ("File", "getFile", {"file_id": w.roles["photo_file_id"]}),
                 ("ChatInviteLink", "createChatInviteLink", {"chat_id": main}),
                 *[("ChatMember", "getChatMember", {"chat_id": main, "user_id": uid}) for uid in (owner, admin, member, w.roles["stranger"])]]
        for kind, method, params in calls:
            _, body = await bot.call(method, **params)
            assert body["ok"], (method, body)
            out.append((kind, f"{method}({params})", body["result"]))
        await bot.call("restrictChatMember", chat_id=main, user_id=member, permissions={"can_send_messages": False})
        _, body = await bot.call("getChatMember", chat_id=main, user_id=member)
        out.append(("ChatMember", "getChatMember(restricted)", body["result"]))
        _, body = await bot.call("getChatAdministrators", chat_id=main)
        out += [("ChatMember", "getChatAdministrators", m) for m in body["result"]]
    return out


@pytest.mark.parametrize("framework", ["langbot==4.11.2", "astrbot==4.14.6"])
async def test_the_frameworks_python_telegram_bot_parses_every_object(framework: str, tmp_path: Path) -> None:
    python = FrameworkSpec.parse(framework).env_dir / "bin" / "python"
    if not python.exists():
        pytest.skip(f"{framework}'s environment is not cached")
    objects = await _everything()
    assert sum(kind == "Update" for kind, _, _ in objects) >= len(PLATFORM.world().roles) // 2  # one per scenario
    data = tmp_path / "objects.json"
    data.write_text(json.dumps(objects), "utf-8")
    proc = subprocess.run([str(python), "-c", PARSE, str(data)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["problems"] == [], f"python-telegram-bot {result['version']} in {framework}"
