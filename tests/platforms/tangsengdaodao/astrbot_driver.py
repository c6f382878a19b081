"""Run in AstrBot's interpreter by test_reference_adapter.py: builds the reference TangSengDaoDao adapter against the
simulator, prints each event it commits as one JSON line, then sends a MessageChain both ways and says ``sent``."""

from __future__ import annotations

import asyncio
import json
import os
import sys


def _comp(c) -> dict:
    d = {"type": type(c).__name__}
    for key in ("text", "qq", "name", "url", "file", "id", "sender_id"):
        v = getattr(c, key, None)
        if v not in (None, "", 0):
            d[key] = str(v)
    return d


async def main() -> None:
    sys.path.insert(0, sys.argv[1])  # the folder holding the plugin folder, as data/plugins holds it
    from reference_tangsengdaodao.tsdd_adapter import TsddPlatformAdapter
    from astrbot.api.event import MessageChain
    import astrbot.api.message_components as Comp

    queue: asyncio.Queue = asyncio.Queue()
    cfg = {"type": "tangsengdaodao", "id": "tsdd-test", "enable": True, "tsdd_api_base_url": sys.argv[2],
           "tsdd_robot_id": sys.argv[3], "tsdd_app_key": os.environ["TSDD_APP_KEY"], "tsdd_poll_interval": 0.1}
    adapter = TsddPlatformAdapter(cfg, {}, queue)
    task = asyncio.create_task(adapter.run())
    print(json.dumps({"ready": True}), flush=True)
    events = []
    for _ in range(int(sys.argv[4])):
        ev = await asyncio.wait_for(queue.get(), 10)
        events.append(ev)
        print(json.dumps({"event": {
            "class": type(ev).__name__, "type": ev.get_message_type().value, "sender": ev.get_sender_id(),
            "group": ev.get_group_id(), "text": ev.get_message_str(), "message_id": ev.message_obj.message_id,
            "session": ev.unified_msg_origin, "components": [_comp(c) for c in ev.get_messages()],
            "kind": ev.message_obj.raw_message.get("kind")}}), flush=True)
    group_ev = next(e for e in events if e.get_group_id())
    private_ev = next(e for e in events if not e.get_group_id() and e.message_obj.raw_message["kind"] == "message")
    chain = MessageChain([Comp.Plain("hello "), Comp.At(qq=sys.argv[5], name="Bob"), Comp.Plain(" look"),
                          Comp.Image.fromURL(sys.argv[6])])
    await adapter.send_by_session(group_ev.session, chain)
    await private_ev.send(MessageChain([Comp.Reply(id=private_ev.message_obj.message_id), Comp.Plain("pong")]))
    inline = [e for e in events if e.message_obj.raw_message["kind"] == "inline_query"]
    for ev in inline:
        await ev.send(MessageChain([Comp.Plain("sunny")]))
    print(json.dumps({"sent": True}), flush=True)
    await adapter.terminate()
    await asyncio.wait_for(task, 5)


asyncio.run(main())
