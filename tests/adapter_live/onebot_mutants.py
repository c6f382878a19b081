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
    Mutant("send-private-target", API, "raw = await self.bot.send_private_msg(user_id=int(target_id), message=aiocq_msg)",
           "raw = await self.bot.send_private_msg(user_id=int(target_id) + 1, message=aiocq_msg)", ("api:send_message",),
           "a private message goes to the next user"),
    Mutant("reply-unquoted", API, "aiocq_msg = aiocqhttp.MessageSegment.reply(source_id) + aiocq_msg", "aiocq_msg = aiocq_msg",
           ("api:reply_message",), "a quoted reply loses its quote"),
    Mutant("delete-next-message", API, "await self.bot.delete_msg(message_id=int(message_id))",
           "await self.bot.delete_msg(message_id=int(message_id) + 1)", ("api:delete_message",),
           "delete_message recalls the next message"),
    Mutant("forward-other-content", API, "raw = await self.bot.send_group_msg(group_id=int(to_chat_id), message=target_message)",
           "raw = await self.bot.send_group_msg(group_id=int(to_chat_id), message=aiocqhttp.Message('forwarded'))",
           ("api:forward_message",), "forward_message sends other content than the message"),
    Mutant("get-message-other-id", API, "raw = await self.bot.get_msg(message_id=int(message_id))",
           "raw = await self.bot.get_msg(message_id=int(message_id) - 1)", ("api:get_message",),
           "get_message fetches the previous message"),
    Mutant("group-list-names", API, "                id=item.get('group_id', ''),\n                name=item.get('group_name', ''),",
           "                id=item.get('group_id', ''),\n                name='',", ("api:get_group_list",),
           "get_group_list returns empty group names"),
    Mutant("approve-invite-flipped", API, "sub_type='invite', approve=approve, reason='')", "sub_type='invite', approve=not approve, reason='')",
           ("api:approve_group_invite",), "approve_group_invite rejects instead"),
    Mutant("kick-other-user", API, "await self.bot.set_group_kick(group_id=int(group_id), user_id=int(user_id), reject_add_request=False)",
           "await self.bot.set_group_kick(group_id=int(group_id), user_id=int(user_id) + 1, reject_add_request=False)",
           ("api:kick_member",), "kick_member kicks another user"),
    Mutant("leave-other-group", API, "await self.bot.set_group_leave(group_id=int(group_id), is_dismiss=False)",
           "await self.bot.set_group_leave(group_id=int(group_id) - 1, is_dismiss=False)", ("api:leave_group",),
           "leave_group leaves another group"),
    Mutant("friend-added-user", EC, "type='friend.added',\n                adapter_name='onebot-v11',\n                user=AiocqhttpEventConverter.user(getattr(event, 'user_id', '')),",
           "type='friend.added',\n                adapter_name='onebot-v11',\n                user=AiocqhttpEventConverter.user(str(getattr(event, 'user_id', '')) + '1'),",
           ("event:friend.added",), "a new friend arrives as another user"),
    Mutant("receive-order-reversed", MC, "return platform_message.MessageChain(components)",
           "return platform_message.MessageChain(components[:1] + components[:0:-1])", ("receive:mixed",),
           "received components arrive in reverse order"),
    Mutant("receive-unknown-dropped", MC, "components.append(platform_message.Unknown(text=f'{segment.type}:{segment.data}'))",
           "pass", ("receive:Unknown",), "unknown segments are dropped"),
    Mutant("send-order-reversed", MC, "return target, source_id, source_time", "return target[::-1], source_id, source_time",
           ("send:mixed", "send:Quote"), "sent components leave in reverse order (a quoted reply too)"),
    Mutant("send-quote-id", MC, "target.append(aiocqhttp.MessageSegment.reply(component.id))",
           "target.append(aiocqhttp.MessageSegment.reply(int(component.id) - 1))", ("send:Quote",),
           "a sent reply quotes the previous message"),
    Mutant("platform-params-dropped", f"{PKG}.adapter", "return await handler(self.bot, params)", "return await handler(self.bot, {})",
           ("api:call_platform_api", "platform_api:get_group_honor_info", "platform_api:get_forward_msg", "platform_api:get_record",
            "platform_api:get_image", "platform_api:send_group_forward_msg", "platform_api:set_group_card",
            "platform_api:set_group_special_title", "platform_api:set_group_admin", "platform_api:set_group_whole_ban"),
           "call_platform_api drops the action's parameters"),
]

# ---- platform actions: each one asks the platform for the next action's request instead of its own.
_ACTIONS = ("get_login_info", "get_status", "get_version_info", "get_group_honor_info", "set_group_card",
            "set_group_special_title", "set_group_admin", "set_group_whole_ban", "send_group_forward_msg",
            "get_forward_msg", "get_record", "get_image", "can_send_image", "can_send_record")
MUTANTS += [
    Mutant(f"platform-action-{a}-remapped", PAPI, f"return await _call(bot, '{a}', params)",
           f"return await _call(bot, '{b}', params)", (f"platform_api:{a}",), f"{a} asks the platform for {b}")
    for a, b in zip(_ACTIONS, _ACTIONS[1:] + _ACTIONS[:1])
]
