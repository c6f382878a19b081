"""Seeded defects in AstrBot 4.14.6's OneBot v11 adapter (``astrbot.core.platform.sources.aiocqhttp``).

Test input for the sensitivity suite (harness.mutants), not findings: each mutant breaks one spot and names
the capabilities that must turn red. Only capabilities AstrBot's clean run accepts can be targets.
"""

from __future__ import annotations

from harness.mutants import Mutant

PKG = "astrbot.core.platform.sources.aiocqhttp"
ADAPTER, EVENT = f"{PKG}.aiocqhttp_platform_adapter", f"{PKG}.aiocqhttp_message_event"

MUTANTS: list[Mutant] = [
    Mutant("event-sender-name", ADAPTER, 'event.sender.get("card") or event.sender.get("nickname", "N/A"),', '"N/A",',
           ("event:message.received",), "messages arrive without the sender's name"),
    Mutant("receive-atall-target", ADAPTER, 'abm.message.append(At(qq="all", name="全体成员"))',
           'abm.message.append(At(qq="everyone", name="全体成员"))', ("receive:AtAll",), "mention-all arrives as a mention"),
    Mutant("receive-at-target", ADAPTER, '                                At(\n                                    qq=m["data"]["qq"],',
           '                                At(\n                                    qq=str(m["data"]["qq"]) + "1",', ("receive:At",),
           "a mention names another user"),
    Mutant("receive-quote-id", ADAPTER, "reply_seg = Reply(\n                                id=abm_reply.message_id,",
           "reply_seg = Reply(\n                                id=str(abm_reply.message_id) + '9',", ("receive:Quote",),
           "a reply quotes another message id"),
    Mutant("api-group-name", EVENT, 'group_name=info.get("group_name"),', 'group_name="",', ("api:get_group_info",),
           "get_group returns an empty group name"),
    Mutant("api-member-ids", EVENT, 'user_id=member["user_id"],', 'user_id=str(member["user_id"]) + "1",',
           ("api:get_group_member_list",), "get_group returns members with other ids"),
    Mutant("send-media-emptied", EVENT, '"file": f"base64://{bs64}",', '"file": "base64://",',
           ("send:Image", "send:Voice"), "sent images and voice messages lose their bytes"),
]
