"""The acceptance sweep: every send component, every declared common API, every platform action.

Driven only by the lists in the probe configuration (the adapter's manifest), never by per-adapter
code. Calls are strictly sequential: the checker joins what the platform received with each call by
time window. Each call is tried in the run scope first; a refusal there ("not authorized for this
run") is retried plugin-wide (task in a fresh ``contextvars.Context``), and both outcomes are
recorded together with a ``finding``.

A run-scope *error* (not a timeout) is retried the same way: some failures there are the host's or
the SDK's, not the adapter's.

Order: sends; reads; message writes; moderation on disposable targets; request handling; platform
actions; destructive APIs (only with ``destructive``); ``leave_group`` last.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .calls import Outcome, call
from .components import PLAIN_TEXT, SendCase, build_send_cases, normalize_chain
from .config import ProbeConfig
from .jsonsafe import b64, json_safe
from .recorder import Recorder

READS = ("get_message", "get_group_info", "get_group_list", "get_group_member_list", "get_group_member_info",
         "get_user_info", "get_friend_list")
WRITES = ("reply_message", "edit_message", "forward_message", "upload_file", "get_file_url", "delete_message")
MODERATION = ("set_group_name", "mute_member", "unmute_member")
REQUESTS = ("approve_friend_request", "approve_group_invite")
DESTRUCTIVE = ("kick_member", "leave_group")
#: Covered by other steps of the sweep.
COVERED = ("send_message", "call_platform_api")


class Skip(Exception):
    """A step that cannot run with the given configuration (recorded as a ``skip`` record)."""

    def __init__(self, reason: str, status: str = "blocked") -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass
class Trigger:
    """What the sweep knows about the message that triggered it."""

    bot_uuid: str
    chat_type: str  # "private" | "group" (EBA ChatType values)
    chat_id: str
    message_id: str
    sender_id: str
    group_id: str
    text: str
    event_data: dict = field(default_factory=dict)

    @property
    def target_type(self) -> str:  # send_message vocabulary
        return "group" if self.chat_type == "group" else "person"


@dataclass
class Counts:
    calls: int = 0
    ok: int = 0
    failed: int = 0
    refused: int = 0
    plugin_retries: int = 0
    skipped: int = 0
    by_kind: dict = field(default_factory=dict)

    def add(self, outcome: Outcome) -> None:
        self.calls += 1
        if outcome.ok:
            self.ok += 1
        elif outcome.error_kind == "refused":
            self.refused += 1
        else:
            self.failed += 1
        key = outcome.error_kind or "ok"
        self.by_kind[key] = self.by_kind.get(key, 0) + 1


class Sweep:
    def __init__(self, cfg: ProbeConfig, recorder: Recorder, plugin: Any, ctx: Any, trigger: Trigger) -> None:
        self.cfg = cfg
        self.rec = recorder
        self.plugin = plugin
        self.ctx = ctx
        self.trigger = trigger
        self.counts = Counts()
        self.sent_message_ids: list[str] = []
        self.uploaded_file_id: str | None = None
        self.world = dict(cfg.world)

    # ---- plumbing ----------------------------------------------------------------------------

    async def step(
        self,
        name: str,
        capabilities: list[str],
        input_summary: Any,
        run_fn: Callable[[], Awaitable[Any]],
        plugin_fn: Callable[[], Awaitable[Any]] | None = None,
        *,
        action: str | None = None,
        expected: dict | None = None,
    ) -> Outcome:
        """One API call: run scope first, plugin-wide if the run scope refused it."""
        first = await call(run_fn, scope="run", timeout=self.cfg.call_timeout)
        self.counts.add(first)
        self.rec.api_call(first.api(name, input_summary, action), capabilities, expected)
        outcome = first
        if first.error_kind in ("refused", "error"):
            # Refusals are LangBot's run-scope policy; errors in the run scope can also come from the
            # host or SDK side (e.g. list results), so the plugin-wide path is tried for both.
            second = await call(plugin_fn or run_fn, scope="plugin", timeout=self.cfg.call_timeout)
            self.counts.add(second)
            self.counts.plugin_retries += 1
            self.rec.api_call(second.api(name, input_summary, action), capabilities, expected)
            what = f"{name}({action})" if action else name
            verb = "refused" if first.error_kind == "refused" else "failed"
            self.rec.finding(
                f"LangBot {verb} {what} inside the event handler's run scope ({first.error}); "
                f"the plugin-wide call outside the run scope {'succeeded' if second.ok else 'failed: ' + str(second.error)}",
                capabilities, scope_retry={"api": name, "action": action, "run_error_kind": first.error_kind,
                                           "run_error": first.error, "plugin_ok": second.ok,
                                           "plugin_error": second.error},
            )
            outcome = second
        if self.cfg.pause_between_calls > 0:
            await asyncio.sleep(self.cfg.pause_between_calls)
        return outcome

    def skip(self, capabilities: list[str], reason: str, status: str = "blocked") -> None:
        self.counts.skipped += 1
        self.rec.skip(status, reason, capabilities)

    async def platform_call(self, api: str, params: dict, capabilities: list[str], *, expected: dict | None = None) -> Outcome:
        bot = self.trigger.bot_uuid
        return await self.step(
            api, capabilities, json_safe(params, max_str=300),
            lambda: self.plugin.call_platform_api(bot, api, dict(params)), expected=expected,
        )

    def _record_message_id(self, result: Any) -> None:
        mid = result.get("message_id") if isinstance(result, dict) else getattr(result, "message_id", None)
        if mid not in (None, ""):
            self.sent_message_ids.append(str(mid))

    # ---- sends -------------------------------------------------------------------------------

    async def send_case(self, case: SendCase, target_type: str, target_id: str) -> Outcome | None:
        if case.skip_reason:
            self.skip(case.capabilities, case.skip_reason)
            return None
        from langbot_plugin.api.entities.builtin.platform.message import MessageChain

        chain = MessageChain(list(case.components))
        summary = {"case": case.name, "target_type": target_type, "target_id": target_id,
                   "components": normalize_chain(chain.model_dump())}
        bot = self.trigger.bot_uuid
        outcome = await self.step(
            "send_message", case.capabilities, summary,
            lambda: self.plugin.send_message(bot, target_type, target_id, chain),
            expected={"components": case.expected, "target": {"type": target_type, "id": target_id}},
        )
        if outcome.ok:
            self._record_message_id(outcome.result)
        return outcome

    async def run_sends(self) -> None:
        t = self.trigger
        trigger_info = {"message_id": t.message_id, "sender_id": t.sender_id, "group_id": t.group_id, "text": t.text}
        for case in build_send_cases(self.cfg.send_cases, self.cfg.media, self.world, trigger_info):
            await self.send_case(case, t.target_type, t.chat_id)
        # send_message to the other kind of target, when the world names one.
        other = None
        if t.chat_type == "group" and self.world.get("user_id"):
            other = ("person", str(self.world["user_id"]))
        elif t.chat_type != "group" and self.world.get("group_id"):
            other = ("group", str(self.world["group_id"]))
        if other and "Plain" in self.cfg.send_cases:
            case = build_send_cases(["Plain"], self.cfg.media, self.world, trigger_info)[0]
            await self.send_case(case, *other)

    # ---- common APIs -------------------------------------------------------------------------

    def _group(self, disposable: bool = False) -> str:
        key = "disposable_group_id" if disposable else "group_id"
        value = self.world.get(key) or ("" if disposable else self.trigger.group_id)
        if not value:
            raise Skip(f"no {'disposable ' if disposable else ''}group in probe config (world.{key})"
                       + ("" if disposable else " and the trigger was not a group message"))
        return str(value)

    def _user(self, disposable: bool = False) -> str:
        key = "disposable_user_id" if disposable else "user_id"
        value = self.world.get(key) or ("" if disposable else self.trigger.sender_id)
        if not value:
            raise Skip(f"no {'disposable ' if disposable else ''}user in probe config (world.{key})")
        return str(value)

    def _bot_message(self) -> str:
        if not self.sent_message_ids:
            raise Skip("no message id from an earlier send of this sweep (all sends failed or returned no id)")
        return self.sent_message_ids[0]

    def api_params(self, api: str) -> dict:
        """Default parameters for a common API, from the world fixture and the trigger; config overrides."""
        if api in self.cfg.api_params:
            override = self.cfg.api_params[api]
            return dict(override) if isinstance(override, dict) else {}
        t = self.trigger
        chat = {"chat_type": t.chat_type, "chat_id": t.chat_id}
        if api == "get_message":
            if not t.message_id:
                raise Skip("the triggering message has no message id")
            return {**chat, "message_id": t.message_id}
        if api in ("get_group_info", "get_group_member_list"):
            return {"group_id": self._group()}
        if api == "get_group_member_info":
            return {"group_id": self._group(), "user_id": self._user()}
        if api == "get_user_info":
            return {"user_id": self._user()}
        if api in ("get_group_list", "get_friend_list"):
            return {}
        if api == "edit_message":
            return {**chat, "message_id": self._bot_message(),
                    "new_content": [{"type": "Plain", "text": "acceptance edited"}]}
        if api == "delete_message":
            return {**chat, "message_id": self._bot_message()}
        if api == "forward_message":
            if not t.message_id:
                raise Skip("the triggering message has no message id")
            return {"from_chat_type": t.chat_type, "from_chat_id": t.chat_id, "message_id": t.message_id,
                    "to_chat_type": t.chat_type, "to_chat_id": t.chat_id}
        if api == "upload_file":
            # Bytes cannot cross LangBot's JSON action channel; base64 text is the closest a plugin can send.
            return {"file_data": b64(b"acceptance upload\n"), "filename": "acceptance-upload.txt"}
        if api == "get_file_url":
            file_id = self.world.get("file_id") or self.uploaded_file_id
            if not file_id:
                raise Skip("no file id (world.file_id unset and upload_file returned none)")
            return {"file_id": str(file_id)}
        if api == "set_group_name":
            return {"group_id": self._group(disposable=True), "name": "acceptance renamed"}
        if api == "mute_member":
            return {"group_id": self._group(disposable=True), "user_id": self._user(disposable=True), "duration": 60}
        if api in ("unmute_member", "kick_member"):
            return {"group_id": self._group(disposable=True), "user_id": self._user(disposable=True)}
        if api == "leave_group":
            return {"group_id": self._group(disposable=True)}
        if api == "approve_friend_request":
            rid = self.world.get("friend_request_id")
            if not rid:
                raise Skip("no disposable friend request in probe config (world.friend_request_id)")
            return {"request_id": str(rid), "approve": True}
        if api == "approve_group_invite":
            rid = self.world.get("group_invite_request_id")
            if not rid:
                raise Skip("no disposable group invite in probe config (world.group_invite_request_id)")
            return {"request_id": str(rid), "approve": True}
        if api == "interaction.request":
            # A two-button prompt to the triggering chat (the host's structured-interaction shape)
            return {"request": {"title": "acceptance question", "description": "pick one",
                                "actions": [{"id": "yes", "label": "Yes"}, {"id": "no", "label": "No"}],
                                "fallback_text": "reply yes or no"},
                    "reply_target": {"target_type": "group" if t.chat_type == "group" else "person", "target_id": t.chat_id},
                    "callback_token": "acceptance01"}
        raise Skip(f"the probe has no safe default parameters for {api}; give them in api_params")

    async def run_api(self, api: str) -> None:
        caps = [f"api:{api}"]
        if api in DESTRUCTIVE and not self.cfg.destructive:
            self.skip(caps, f"{api} is destructive and the probe runs with destructive: false")
            return
        try:
            if api == "reply_message":
                await self.reply()
                return
            params = self.api_params(api)
        except Skip as skip:
            self.skip(caps, skip.reason, skip.status)
            return
        expected = None
        if api == "interaction.request":
            expected = {"target": {"type": params["reply_target"]["target_type"], "id": params["reply_target"]["target_id"]}}
        elif api == "edit_message":
            expected = {"components": [{"type": "Plain", "text": "acceptance edited"}]}
        elif api == "forward_message" and self.trigger.text:
            # The trigger message itself, to the same chat: its text must arrive there unchanged.
            expected = {"components": [{"type": "Plain", "text": self.trigger.text}],
                        "target": {"type": "group" if params.get("to_chat_type") == "group" else "person",
                                   "id": params.get("to_chat_id")}}
        if api.startswith("interaction."):
            # The host routes a dotted API through the adapter's call_platform_api (there is no adapter method of
            # that name): the plugin reaches it the same way.
            payload = {"action": api, "params": params}
            bot = self.trigger.bot_uuid
            outcome = await self.step(api, caps, json_safe(payload, max_str=300),
                                      lambda: self.plugin.call_platform_api(bot, "call_platform_api", dict(payload)),
                                      expected=expected)
        else:
            outcome = await self.platform_call(api, params, caps, expected=expected)
        if api == "upload_file" and outcome.ok and isinstance(outcome.result, (str, int)):
            self.uploaded_file_id = str(outcome.result)
        if api == "set_group_name" and outcome.ok:
            original = self.world.get("disposable_group_name") or self.world.get("group_name")
            if original:
                await self.platform_call(api, {"group_id": params["group_id"], "name": str(original)}, caps)

    async def reply(self) -> None:
        """reply_message: the run-scoped reply (event_reply tool) quoting the trigger; plugin-wide if refused."""
        from langbot_plugin.api.entities.builtin.platform.message import MessageChain, Plain

        text = "acceptance reply"
        t = self.trigger
        expected = {"components": [{"type": "Quote", "id": t.message_id}, {"type": "Plain", "text": text}],
                    "target": {"type": t.target_type, "id": t.chat_id}}
        chain = MessageChain([Plain(text=text)])
        bot = t.bot_uuid
        await self.step(
            "reply_message", ["api:reply_message"], {"quote_origin": True, "components": normalize_chain(chain.model_dump())},
            lambda: self.ctx.reply(chain, quote_origin=True),
            # Plugin-wide the adapter needs the source event object, which only exists inside LangBot.
            lambda: self.plugin.call_platform_api(bot, "reply_message", {
                "message_source": t.event_data, "message": chain.model_dump(), "quote_origin": True}),
            expected=expected,
        )

    # ---- platform actions --------------------------------------------------------------------

    async def run_action(self, action: str) -> None:
        caps = ["api:call_platform_api", f"platform_api:{action}"]
        params, destructive = self.cfg.action_entry(action)
        if params is None:
            self.skip(caps, f"no parameters for {action} in the platform-action parameter file")
            return
        if destructive and not self.cfg.destructive:
            self.skip(caps, f"{action} is marked destructive and the probe runs with destructive: false")
            return
        bot = self.trigger.bot_uuid
        payload = {"action": action, "params": params}
        wire = self.cfg.action_wire(action)
        await self.step(
            "call_platform_api", caps, json_safe(payload, max_str=300),
            lambda: self.plugin.call_platform_api(bot, "call_platform_api", dict(payload)),
            action=action, expected={"action": wire} if wire else None,
        )

    # ---- the whole sweep ---------------------------------------------------------------------

    async def run(self) -> dict:
        started = time.time()
        sweeps = set(self.cfg.sweeps)
        self.rec.finding("sweep started", sweep={"sweeps": sorted(sweeps), "destructive": self.cfg.destructive,
                                                 "trigger_message_id": self.trigger.message_id})
        declared = list(dict.fromkeys(self.cfg.apis))
        if "send" in sweeps:
            await self.run_sends()
        later: list[str] = []
        if "api" in sweeps:
            ordered = [a for group in (READS, WRITES, MODERATION, REQUESTS) for a in group if a in declared]
            ordered += [a for a in declared if a not in ordered and a not in DESTRUCTIVE and a not in COVERED]
            for api in ordered:
                await self.run_api(api)
            later = [a for a in DESTRUCTIVE if a in declared]
        if "platform_api" in sweeps:
            actions = list(dict.fromkeys(self.cfg.platform_actions))
            if actions and "call_platform_api" not in declared and declared:
                self.rec.finding("platform actions are declared but call_platform_api is not among the declared APIs",
                                 [f"platform_api:{a}" for a in actions])
            safe = [a for a in actions if not self.cfg.action_entry(a)[1]]
            risky = [a for a in actions if self.cfg.action_entry(a)[1]]
            for action in safe + risky:
                await self.run_action(action)
        for api in later:  # kick_member, then leave_group last
            await self.run_api(api)
        summary = {
            "calls": self.counts.calls, "ok": self.counts.ok, "failed": self.counts.failed,
            "refused": self.counts.refused, "plugin_retries": self.counts.plugin_retries,
            "skipped": self.counts.skipped, "by_kind": self.counts.by_kind,
            "duration": round(time.time() - started, 3),
        }
        self.rec.finding("sweep complete", sweep=summary)
        return summary


def trigger_from_event(event: dict, data: dict) -> Trigger:
    return Trigger(
        bot_uuid=str(event.get("bot_uuid") or ""),
        chat_type=str(event.get("chat_type") or "private"),
        chat_id=str(event.get("chat_id") or ""),
        message_id=str(event.get("message_id") or ""),
        sender_id=str(event.get("sender_id") or ""),
        group_id=str(event.get("group_id") or ""),
        text="".join(c.get("text", "") for c in event.get("components", []) if c.get("type") == "Plain"),
        event_data=json_safe(data, max_str=4000, max_items=100),
    )


__all__ = ["PLAIN_TEXT", "Skip", "Sweep", "Trigger", "trigger_from_event"]
