"""Seeded defects in LangBot 4.11.2's OneBot v11 adapter (``langbot.pkg.platform.adapters.aiocqhttp``).

Test input for the sensitivity suite, not findings: each mutant breaks one spot of the adapter's code and
names the capabilities that must turn red when it is loaded (harness.mutants). A mutant whose text no
longer matches the installed source fails loudly, so a framework upgrade cannot silently shrink the table.
"""

from __future__ import annotations

from harness.mutants import Mutant

PKG = "langbot.pkg.platform.adapters.aiocqhttp"
MC, EC, API, PAPI = (f"{PKG}.message_converter", f"{PKG}.event_converter", f"{PKG}.api_impl", f"{PKG}.platform_api")

MUTANTS: list[Mutant] = [
    # ---- receive: platform segment -> EBA component
    Mutant("receive-plain-stripped", MC, "components.append(platform_message.Plain(text=segment.data.get('text', '')))",
           "components.append(platform_message.Plain(text=segment.data.get('text', '').strip()))",
           ("receive:Plain",), "received text loses its leading/trailing spaces"),
    Mutant("receive-at-target", MC, "else platform_message.At(target=qq))", "else platform_message.At(target=qq + '1'))",
           ("receive:At",), "a mention names another user"),
    Mutant("receive-atall-as-text", MC, "platform_message.AtAll() if qq == 'all'", "platform_message.Plain(text='@all') if qq == 'all'",
           ("receive:AtAll",), "mention-all becomes text"),
    Mutant("receive-image-url", MC, "image_id=str(segment.data.get('file', '')),\n                            url=segment.data.get('url') or segment.data.get('file') or '',",
           "image_id=str(segment.data.get('file', '')),\n                            url='http://127.0.0.1:9/wrong.png',",
           ("receive:Image",), "an image points at another URL"),
    Mutant("receive-voice-url", MC, "voice_id=str(segment.data.get('file', '')),\n                        url=segment.data.get('url') or segment.data.get('file') or '',",
           "voice_id=str(segment.data.get('file', '')),\n                        url='http://127.0.0.1:9/wrong.wav',",
           ("receive:Voice",), "a voice message points at another URL"),
    Mutant("receive-file-size", MC, "size=int(segment.data.get('size') or segment.data.get('file_size') or 0),", "size=0,",
           ("receive:File",), "a file loses its size"),
    Mutant("receive-face-id", MC, "face_id=int(face_id or 0),", "face_id=int(face_id or 0) + 1,",
           ("receive:Face",), "a face arrives as another face"),
    Mutant("receive-quote-id", MC, "        return platform_message.Quote(\n            id=reply_id,",
           "        return platform_message.Quote(\n            id=str(reply_id) + '9',", ("receive:Quote",),
           "a reply quotes another message id"),
    # ---- send: EBA component -> platform segment
    Mutant("send-plain-stripped", MC, "target.append(aiocqhttp.MessageSegment.text(component.text))",
           "target.append(aiocqhttp.MessageSegment.text(component.text.strip()))", ("send:Plain",),
           "sent text loses its leading/trailing spaces"),
    Mutant("send-at-target", MC, "target.append(aiocqhttp.MessageSegment.at(component.target))",
           "target.append(aiocqhttp.MessageSegment.at(str(component.target) + '1'))", ("send:At",),
           "a sent mention names another user"),
    Mutant("send-atall-as-text", MC, "target.append(aiocqhttp.MessageSegment.at('all'))",
           "target.append(aiocqhttp.MessageSegment.text('@all'))", ("send:AtAll",), "a sent mention-all becomes text"),
    Mutant("send-image-as-text", MC, "target.append(aiocqhttp.MessageSegment.image(file_arg))",
           "target.append(aiocqhttp.MessageSegment.text('[image]'))", ("send:Image",), "a sent image becomes text"),
    Mutant("send-voice-as-text", MC, "target.append(aiocqhttp.MessageSegment.record(file_arg))",
           "target.append(aiocqhttp.MessageSegment.text('[voice]'))", ("send:Voice",), "a sent voice message becomes text"),
    Mutant("send-file-name", MC, "'name': component.name or 'file',", "'name': 'file',", ("send:File",),
           "a sent file loses its name"),
    Mutant("send-face-id", MC, "target.append(aiocqhttp.MessageSegment.face(component.face_id))",
           "target.append(aiocqhttp.MessageSegment.face(int(component.face_id) + 1))", ("send:Face",),
           "a sent face becomes another face"),
    Mutant("send-forward-names", API, "'nickname': node.sender_name or 'LangBot',", "'nickname': 'LangBot',",
           ("send:Forward",), "forward nodes lose their sender names"),
    # ---- event fields
    Mutant("event-sender-name", EC, "nickname = sender.get('card') or sender.get('nickname') or ''", "nickname = ''",
           ("event:message.received",), "messages arrive without the sender's name"),
    Mutant("event-kick-flag", EC, "is_kicked=getattr(event, 'sub_type', '') in ('kick', 'kick_me'),", "is_kicked=False,",
           ("event:group.member_left",), "a kick arrives as a voluntary leave"),
    Mutant("event-ban-duration", EC, "                    operator=operator,\n                    duration=duration,",
           "                    operator=operator,\n                    duration=duration + 1,", ("event:group.member_banned",),
           "a member's mute arrives with another duration"),
    Mutant("event-request-comment", EC, "message=getattr(event, 'comment', None),", "message=None,",
           ("event:friend.request_received",), "a friend request loses its message"),
    # ---- API results, parameters, side effects
    Mutant("api-group-name", API, "        return platform_entities.UserGroup(\n            id=raw.get('group_id', group_id),\n            name=raw.get('group_name', ''),",
           "        return platform_entities.UserGroup(\n            id=raw.get('group_id', group_id),\n            name='',",
           ("api:get_group_info",), "get_group_info returns an empty group name"),
    Mutant("api-member-roles", API, "if raw.get('role') == 'owner':", "if raw.get('role') == 'nobody':",
           ("api:get_group_member_list", "api:get_group_member_info"), "the group owner is reported as a member"),
    Mutant("api-user-name", API, "        return platform_entities.User(\n            id=raw.get('user_id', user_id),\n            nickname=raw.get('nickname', ''),",
           "        return platform_entities.User(\n            id=raw.get('user_id', user_id),\n            nickname='',",
           ("api:get_user_info",), "get_user_info returns no nickname"),
    Mutant("api-mute-duration", API, "user_id=int(user_id), duration=int(duration))", "user_id=int(user_id), duration=int(duration) * 2)",
           ("api:mute_member",), "mute_member asks the platform for twice the duration"),
    Mutant("api-rename", API, "await self.bot.set_group_name(group_id=int(group_id), group_name=name)",
           "await self.bot.set_group_name(group_id=int(group_id), group_name=name + '!')", ("api:set_group_name",),
           "set_group_name sends another name"),
    Mutant("api-friend-approve", API, "await self.bot.set_friend_add_request(flag=str(request_id), approve=approve, remark=remark or '')",
           "await self.bot.set_friend_add_request(flag=str(request_id), approve=not approve, remark=remark or '')",
           ("api:approve_friend_request",), "approve_friend_request rejects instead"),
    # ---- platform actions
    Mutant("platform-action-remapped", PAPI, "return await _call(bot, 'get_status', params)",
           "return await _call(bot, 'get_version_info', params)", ("platform_api:get_status",),
           "get_status asks the platform for get_version_info"),
]
