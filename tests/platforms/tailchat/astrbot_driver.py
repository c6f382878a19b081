"""Runs inside AstrBot 4.14.6's interpreter (a subprocess of test_reference_adapter.py): imports the reference
Tailchat plugin as AstrBot would (``data.plugins.reference_tailchat``), builds one platform instance per config
given on the command line (sharing one event queue, as AstrBot's instances do), runs them, and prints JSON lines:
``{"ready": ...}``, one ``{"event": ...}`` per event, ``{"sent": ...}`` after answering the first robot's event
through ``event.send`` and ``send_by_session``. Not a test module."""

from __future__ import annotations

import asyncio
import json
import sys


def out(**record: object) -> None:
    print(json.dumps(record), flush=True)


def describe(event: object) -> dict:
    import astrbot.api.message_components as Comp

    comps = []
    for c in event.message_obj.message:  # type: ignore[attr-defined]
        d = {"type": type(c).__name__}
        for key in ("text", "qq", "name", "id", "url", "file", "sender_id"):
            if isinstance(c, Comp.File) and key == "file":
                continue
            v = getattr(c, key, None)
            if v not in (None, ""):
                d[key] = str(v)
        comps.append(d)
    mo = event.message_obj  # type: ignore[attr-defined]
    return {"platform_id": event.platform_meta.id, "type": mo.type.value, "group_id": mo.group_id,  # type: ignore[attr-defined]
            "session_id": mo.session_id, "message_id": mo.message_id, "sender_id": mo.sender.user_id,
            "sender_name": mo.sender.nickname, "message_str": mo.message_str, "components": comps,
            "umo": event.unified_msg_origin}  # type: ignore[attr-defined]


async def main(configs: list[dict], image_url: str, quote_id: str, expect: int) -> None:
    import astrbot.api.message_components as Comp
    from astrbot.api.event import MessageChain
    from astrbot.core.platform.message_session import MessageSession

    from data.plugins.reference_tailchat.tailchat.platform import TailchatPlatform

    queue: asyncio.Queue = asyncio.Queue()
    platforms = [TailchatPlatform(cfg, {}, queue) for cfg in configs]
    runs = [asyncio.create_task(p.run()) for p in platforms]
    for _ in range(200):
        if all(p.api.jwt for p in platforms) or any(r.done() for r in runs):
            break
        await asyncio.sleep(0.05)
    failed = [str(r.exception()) for r in runs if r.done() and r.exception()]
    out(ready=not failed and all(p.api.jwt for p in platforms), errors=failed)
    if failed:
        return
    answered = False
    for _ in range(expect):
        event = await asyncio.wait_for(queue.get(), 15)
        out(event=describe(event))
        if not answered and event.platform_meta.id == configs[0]["id"]:
            answered = True
            await event.send(MessageChain([Comp.Plain(text="hello "), Comp.At(qq="3000000101", name="Alice"),
                                           Comp.Image.fromURL(image_url)]))
            session = MessageSession.from_str(event.unified_msg_origin)
            await platforms[0].send_by_session(session, MessageChain([Comp.Reply(id=quote_id),
                                                                     Comp.Plain(text="proactive")]))
            out(sent=True)
    for p in platforms:
        await p.terminate()
    await asyncio.gather(*runs, return_exceptions=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])))
