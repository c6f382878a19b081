"""The AstrBot sweep: every send component, the reply paths, the declared APIs and platform actions.

Driven only by the lists in the probe configuration (the adapter's declaration), never by
per-adapter code. Calls are strictly sequential and each one is one ``api_call`` record with
``api.started``/``api.ended`` epoch floats, so the checker can join what the platform received.

What AstrBot offers a plugin, and how the sweep uses it:

* ``send_message``: ``context.send_message(unified_msg_origin, MessageChain)`` (proactive send; the
  result says whether a platform instance matched the session);
* ``reply_message``: a result yielded from the handler (``event.plain_result`` /
  ``event.chain_result``; AstrBot's pipeline sends it while the handler is suspended, so the call's
  window spans the yield) and ``event.send(MessageChain)``. A yielded result's delivery outcome is
  not visible to the plugin: the record says ``ok`` = handed over, the simulator says what arrived;
* ``get_group_info`` / ``get_group_member_list``: ``event.get_group(group_id)``;
* ``call_platform_api`` + platform actions: the platform client AstrBot exposes on the event
  (``event.bot``) or the platform instance (``get_client()``), ``client.call_action(action, **params)``;
* any other declared API: AstrBot has no plugin API for it; recorded as ``skip`` (blocked).

Order: sends; replies; group lookups; other declared APIs; platform actions (destructive ones only
with ``destructive``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable

from .components import SendCase, build_send_cases, normalize_chain
from .config import ProbeConfig
from .jsonsafe import json_safe
from .recorder import Recorder

GROUP_LOOKUPS = ("get_group_info", "get_group_member_list")
COVERED = ("send_message", "call_platform_api", "reply_message", *GROUP_LOOKUPS)
REPLY_TEXT = "acceptance reply"


@dataclass
class Trigger:
    platform_id: str
    umo: str
    chat_type: str
    chat_id: str
    message_id: str
    sender_id: str
    group_id: str
    text: str

    @property
    def other_target(self) -> str:
        return "FriendMessage" if self.chat_type == "group" else "GroupMessage"


def trigger_from_event(event: dict) -> Trigger:
    astrbot = (event.get("fields") or {}).get("astrbot") or {}
    return Trigger(
        platform_id=str(event.get("bot_uuid") or ""),
        umo=str(astrbot.get("unified_msg_origin") or ""),
        chat_type=str(event.get("chat_type") or "private"),
        chat_id=str(event.get("chat_id") or ""),
        message_id=str(event.get("message_id") or ""),
        sender_id=str(event.get("sender_id") or ""),
        group_id=str(event.get("group_id") or ""),
        text="".join(c.get("text", "") for c in event.get("components", []) if c.get("type") == "Plain"),
    )


@dataclass
class Counts:
    calls: int = 0
    ok: int = 0
    failed: int = 0
    skipped: int = 0
    by_kind: dict = field(default_factory=dict)


def group_facts(api: str, group: dict) -> dict:
    """AstrBot's ``Group`` (``event.get_group``) in the neutral shape compared with the world (harness/truth.py).
    Its members carry ``user_id`` and ``nickname`` only: no role, so ``role`` is left out (not carried)."""
    members = [m for m in group.get("members") or [] if isinstance(m, dict)]
    if api == "get_group_info":
        return {"group": {"id": None if group.get("group_id") is None else str(group["group_id"]),
                          "name": group.get("group_name")}}  # AstrBot's Group has no member count
    return {"members": [{"id": str(m.get("user_id")), "name": m.get("nickname")} for m in members]}


def classify(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError) or "timed out" in str(exc).lower():
        return "timeout"
    return "error"


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json_safe(value, max_str=1000, max_items=20)


class Sweep:
    def __init__(self, cfg: ProbeConfig, recorder: Recorder, context: Any, event: Any, trigger: Trigger) -> None:
        self.cfg = cfg
        self.rec = recorder
        self.context = context
        self.event = event
        self.trigger = trigger
        self.world = dict(cfg.world)
        self.counts = Counts()

    # ---- one call ------------------------------------------------------------------------

    def _record(self, name: str, caps: list[str], summary: Any, started: float, ended: float, *, ok: bool,
                result: Any = None, error: str | None = None, error_kind: str | None = None, scope: str = "event",
                action: str | None = None, expected: dict | None = None) -> None:
        self.counts.calls += 1
        self.counts.ok += 1 if ok else 0
        self.counts.failed += 0 if ok else 1
        kind = caps[-1].split(":")[0] if caps else "api"
        self.counts.by_kind[kind] = self.counts.by_kind.get(kind, 0) + 1
        api = {"name": name, "scope": scope, "input": summary, "ok": ok, "result": result, "error": error,
               "error_kind": error_kind, "started": started, "ended": ended}
        if action is not None:
            api["action"] = action
        if ok and name in ("get_group_info", "get_group_member_list") and isinstance(result, dict):
            api["facts"] = group_facts(name, result)
        self.rec.api_call(api, caps, expected)

    async def call(self, name: str, caps: list[str], summary: Any, fn: Callable[[], Awaitable[Any]], *,
                   scope: str = "event", action: str | None = None, expected: dict | None = None,
                   ok_if: Callable[[Any], bool] | None = None) -> tuple[bool, Any]:
        started = time.time()
        try:
            result = await asyncio.wait_for(fn(), self.cfg.call_timeout)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - every failure is evidence
            message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if isinstance(exc, asyncio.TimeoutError):
                message = f"no answer within {self.cfg.call_timeout:.0f}s"
            self._record(name, caps, summary, started, time.time(), ok=False, error=message[:2000],
                         error_kind=classify(exc), scope=scope, action=action, expected=expected)
            return False, None
        ended = time.time()
        ok = ok_if(result) if ok_if else True
        self._record(name, caps, summary, started, ended, ok=ok, result=_plain(result),
                     error=None if ok else f"call returned {result!r}", error_kind=None if ok else "error",
                     scope=scope, action=action, expected=expected)
        if self.cfg.pause_between_calls > 0:
            await asyncio.sleep(self.cfg.pause_between_calls)
        return ok, result

    def skip(self, caps: list[str], reason: str, status: str = "blocked") -> None:
        self.counts.skipped += 1
        self.rec.skip(status, reason, caps)

    # ---- sends ---------------------------------------------------------------------------

    async def send_case(self, case: SendCase, umo: str, target: dict) -> None:
        if case.skip_reason:
            self.skip(case.capabilities, case.skip_reason)
            return
        from astrbot.api.event import MessageChain

        chain = MessageChain(chain=list(case.components))
        summary = {"case": case.name, "via": "context.send_message", "session": umo,
                   "components": normalize_chain(chain)}
        await self.call("send_message", case.capabilities, summary,
                        lambda: self.context.send_message(umo, chain), scope="plugin",
                        expected={"components": case.expected, "target": target}, ok_if=lambda r: r is not False)

    def _trigger_info(self) -> dict:
        t = self.trigger
        return {"message_id": t.message_id, "sender_id": t.sender_id, "group_id": t.group_id, "text": t.text}

    async def run_sends(self) -> None:
        t = self.trigger
        target = {"type": "group" if t.chat_type == "group" else "person", "id": t.chat_id}
        for case in build_send_cases(self.cfg.send_cases, self.cfg.media, self.world, self._trigger_info(),
                                     getattr(self.cfg, "uncarried_sends", ())):
            await self.send_case(case, t.umo, target)
        # The other kind of target, when the world names one.
        other = None
        if t.chat_type == "group" and self.world.get("user_id"):
            other = ("FriendMessage", str(self.world["user_id"]), "person")
        elif t.chat_type != "group" and self.world.get("group_id"):
            other = ("GroupMessage", str(self.world["group_id"]), "group")
        if other and "Plain" in self.cfg.send_cases:
            case = build_send_cases(["Plain"], self.cfg.media, self.world, self._trigger_info())[0]
            await self.send_case(case, f"{t.platform_id}:{other[0]}:{other[1]}", {"type": other[2], "id": other[1]})

    # ---- replies (yielded results and event.send) -----------------------------------------

    async def replies(self) -> AsyncIterator[Any]:
        import astrbot.api.message_components as Comp
        from astrbot.api.event import MessageChain

        t = self.trigger
        caps = ["api:reply_message"]
        target = {"type": "group" if t.chat_type == "group" else "person", "id": t.chat_id}

        # 1. yield event.plain_result(...)
        started = time.time()
        yield self.event.plain_result(REPLY_TEXT)
        self._record("reply_message", caps, {"via": "yield event.plain_result", "text": REPLY_TEXT}, started, time.time(),
                     ok=True, result="result handed to AstrBot's pipeline",
                     expected={"components": [{"type": "Plain", "text": REPLY_TEXT}], "target": target})

        # 2. yield event.chain_result([Reply, Plain]): the quoted reply a plugin composes itself
        if t.message_id:
            chain = [Comp.Reply(id=t.message_id), Comp.Plain(text=REPLY_TEXT + " (quoted)")]
            started = time.time()
            yield self.event.chain_result(chain)
            self._record("reply_message", caps, {"via": "yield event.chain_result", "components": normalize_chain(chain)},
                         started, time.time(), ok=True, result="result handed to AstrBot's pipeline",
                         expected={"components": [{"type": "Quote", "id": t.message_id},
                                                  {"type": "Plain", "text": REPLY_TEXT + " (quoted)"}], "target": target})
        else:
            self.skip(caps, "the triggering message has no message id to quote")

        # 3. await event.send(MessageChain)
        chain = MessageChain(chain=[Comp.Plain(text=REPLY_TEXT + " (event.send)")])
        await self.call("reply_message", caps, {"via": "event.send", "components": normalize_chain(chain)},
                        lambda: self.event.send(chain),
                        expected={"components": [{"type": "Plain", "text": REPLY_TEXT + " (event.send)"}], "target": target})

    # ---- common APIs ---------------------------------------------------------------------

    def _group_id(self) -> str | None:
        return str(self.world.get("group_id") or self.trigger.group_id or "") or None

    async def group_lookup(self, api: str) -> None:
        caps = [f"api:{api}"]
        group_id = self._group_id()
        if not group_id:
            self.skip(caps, "no group in probe config (world.group_id) and the trigger was not a group message")
            return
        if not hasattr(self.event, "get_group"):
            self.skip(caps, f"{type(self.event).__name__} has no get_group()")
            return
        await self.call(api, caps, {"via": "event.get_group", "group_id": group_id},
                        lambda: self.event.get_group(group_id), ok_if=lambda r: r is not None)

    # ---- platform actions ----------------------------------------------------------------

    def client(self, action: str = "") -> tuple[Callable[[str, dict], Awaitable[Any]] | None, str]:
        """How to call a platform action: a client's ``call_action(action, **params)`` (a protocol client), else the
        client's own method named ``action`` (an SDK client whose methods are the platform's API). Looked for on
        ``event.bot``, ``event.client`` and the platform instance's ``get_client()``, in that order."""
        candidates: list[tuple[Any, str]] = [(getattr(self.event, "bot", None), "event.bot"),
                                             (getattr(self.event, "client", None), "event.client")]
        try:
            inst = self.context.get_platform_inst(self.trigger.platform_id)
            candidates.append((inst.get_client() if inst is not None else None, "platform.get_client()"))
        except Exception:  # noqa: BLE001
            pass
        for obj, via in candidates:
            if obj is not None and hasattr(obj, "call_action"):
                return (lambda a, p, obj=obj: obj.call_action(a, **p)), f"{via}.call_action"
        for obj, via in candidates:
            if obj is not None and action and not action.startswith("_") and callable(getattr(obj, action, None)):
                return (lambda a, p, obj=obj: getattr(obj, a)(**p)), f"{via}.{action}"
        return None, ""

    async def run_action(self, action: str) -> None:
        caps = ["api:call_platform_api", f"platform_api:{action}"]
        params, destructive = self.cfg.action_entry(action)
        if params is None:
            self.skip(caps, f"no parameters for {action} in the platform-action parameter file")
            return
        if destructive and not self.cfg.destructive:
            self.skip(caps, f"{action} is marked destructive and the probe runs with destructive: false")
            return
        caller, via = self.client(action)
        if caller is None:
            self.skip(caps, f"AstrBot exposes no platform client with call_action or a {action} method on "
                            f"{type(self.event).__name__}")
            return
        await self.call("call_platform_api", caps, json_safe({"action": action, "params": params, "via": via}, max_str=300),
                        lambda: caller(action, dict(params)), action=action,
                        expected={"action": wire} if (wire := self.cfg.action_wire(action)) else None)

    # ---- the whole sweep -----------------------------------------------------------------

    def api_surface(self) -> dict:
        """Public callables of the event and the platform instance, as AstrBot exposes them."""
        def names(obj: Any) -> list[str]:
            return sorted(n for n in dir(obj) if not n.startswith("_") and callable(getattr(obj, n, None)))

        out = {"event_class": type(self.event).__name__, "event": names(self.event)}
        _, via = self.client()
        out["platform_client"] = {"via": via} if via else None
        try:
            inst = self.context.get_platform_inst(self.trigger.platform_id)
            out["platform_class"] = type(inst).__name__ if inst is not None else None
            out["platform"] = names(inst) if inst is not None else []
        except Exception as exc:  # noqa: BLE001
            out["platform"] = f"{type(exc).__name__}: {exc}"
        return out

    async def run(self) -> AsyncIterator[Any]:
        started = time.time()
        sweeps = set(self.cfg.sweeps)
        self.rec.finding("sweep started", sweep={"sweeps": sorted(sweeps), "destructive": self.cfg.destructive,
                                                 "trigger_message_id": self.trigger.message_id})
        self.rec.finding("AstrBot API surface seen by the probe", api_surface=self.api_surface())
        declared = list(dict.fromkeys(self.cfg.apis))
        if "send" in sweeps:
            await self.run_sends()
        if "api" in sweeps:
            if "reply_message" in declared:
                async for result in self.replies():
                    yield result
            for api in GROUP_LOOKUPS:
                if api in declared:
                    await self.group_lookup(api)
            for api in declared:
                if api not in COVERED:
                    self.skip([f"api:{api}"], f"AstrBot {self.cfg.framework_version} offers plugins no API for {api} "
                                              "(only the raw platform client, i.e. a platform action)")
        if "platform_api" in sweeps:
            actions = list(dict.fromkeys(self.cfg.platform_actions))
            safe = [a for a in actions if not self.cfg.action_entry(a)[1]]
            risky = [a for a in actions if self.cfg.action_entry(a)[1]]
            for action in safe + risky:
                await self.run_action(action)
        summary = {"calls": self.counts.calls, "ok": self.counts.ok, "failed": self.counts.failed,
                   "skipped": self.counts.skipped, "by_kind": self.counts.by_kind,
                   "duration": round(time.time() - started, 3)}
        self.rec.finding("sweep complete", sweep=summary)
