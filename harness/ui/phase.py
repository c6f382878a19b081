"""The UI phase of an adapter's acceptance run: Playwright in the simulated platform's web UI.

It runs after the protocol phase and the probe's sweep, on the same simulator and world:

1. **Outbound (rendered)**: every message the bot sent (each ``platform_received`` record with a
   message id and components) is looked up in its conversation's DOM. When every received component
   is shown as received (text exactly, mention targets, images loaded, voice/file links answering,
   quote ids, forward nodes), a ``ui_observed`` record (producer ``ui-check``) names the simulator's
   message id, what the DOM showed and the conversation's PNG screenshot; otherwise a ``finding``
   says what is missing. Screenshots go to ``<report-dir>/<run-id>/screenshots/<adapter>@<mode>/`` (the run name).
2. **Inbound (UI actions)**: every component and action the platform's client offers (its codec's
   UI identity) is done by clicking, typing and uploading in the page. The simulator's UI API
   writes the ``inject`` records (producer ``ui-action``, level ``plugin-e2e-ui``); this phase waits
   for the probe's matching event after each action, as the protocol phase does.
3. **Blocked**: a declared inbound capability that no UI action can cause gets a ``skip`` record
   ``blocked`` with the reason "simulator UI cannot create this" (never silently left out).

Nothing here decides a verdict; the checker joins the records.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

from acceptance_fixtures.world import ROLE_RANK
from harness.errors import HarnessError, StackError
from harness.ui.client import SimClient
from harness.ui.rendered import observed_components, plain_text, rendered_problems

RENDER_WAIT = 3.0
UI_PLAIN = "  UI says hello,  world!\n  second line\twith a tab  \n\nthird line after a blank  "


def _errors() -> tuple[type[BaseException], ...]:
    try:
        from playwright.async_api import Error as PlaywrightError
    except ImportError:  # pragma: no cover
        return (HarnessError, TimeoutError)
    return (HarnessError, TimeoutError, PlaywrightError)


class UIPhase:
    def __init__(self, run: Any, sim: Any, tail: Any, browser: Any) -> None:
        from harness.report.writer import safe_name

        self.run, self.sim, self.tail, self.browser = run, sim, tail, browser
        self.adapter = run.adapter
        self.session = run.session
        self.harness = self.session.writer("harness")
        self.checks = self.session.writer(f"ui-{safe_name(self.adapter)}", producer="ui-check")
        self.shots = self.session.report_dir / safe_name(self.session.run_id) / "screenshots" / safe_name(self.adapter)
        self.identity = sim.ui.identity
        self.client: SimClient | None = None
        self.attempted: set[str] = set()
        self.failed: list[tuple[str, str, tuple[str, ...]]] = []
        self.actions = 0
        self.arrived = 0
        self.rendered = 0
        self.checked = 0
        self.errors = _errors()

    def say(self, text: str) -> None:
        self.run._say(f"ui: {text}")

    # ------------------------------------------------------------------ the whole phase
    async def execute(self) -> dict[str, float]:
        timings: dict[str, float] = {}
        if self.identity is None:
            self.harness.write("finding", adapter=self.adapter, producer="harness",
                               message=f"the {self.sim.codec.platform} codec has no web UI binding: UI phase not run")
            return timings
        page = await self.browser.new_page()
        self.client = SimClient(page, self.sim.base_url, timeout=self.browser.action_timeout)
        try:
            t0 = time.monotonic()
            await self._guard("outbound check", self.outbound())
            timings["ui_outbound"] = time.monotonic() - t0
            t1 = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="ui-uploads-") as tmp:
                await self._guard("inbound actions", self.inbound(Path(tmp)))
            timings["ui_inbound"] = time.monotonic() - t1
            await self._guard("inbound screenshots", self.inbound_screenshots())
        finally:
            if self.client.console_errors:
                self.harness.write("finding", adapter=self.adapter, message="the web UI raised script errors: "
                                   + "; ".join(self.client.console_errors[:5]))
            await self.browser.close_page(page)
        self.block_uncreatable()
        self.say(f"{self.rendered}/{self.checked} bot messages rendered as received; "
                 f"{self.actions} UI actions, {self.arrived} reached the probe"
                 + (f"; {len(self.failed)} UI step(s) failed" if self.failed else ""))
        return timings

    async def _guard(self, what: str, coro: Awaitable[Any]) -> None:
        try:
            await coro
        except StackError:
            raise
        except self.errors as exc:
            self.harness.write("finding", adapter=self.adapter, message=f"UI phase: {what} stopped: {type(exc).__name__}: {exc}")
            self.say(f"{what} stopped: {str(exc).splitlines()[0]}")

    # ------------------------------------------------------------------ outbound: rendered or not
    def _viewer(self, kind: str, chat_id: str) -> str:
        w = self.sim.world
        if kind == "private":
            return chat_id
        group = w.group(chat_id)
        people = [m for m in (group.members.values() if group else []) if m.user_id != w.bot.user_id]
        people.sort(key=lambda m: -ROLE_RANK.get(m.role, 0))
        return people[0].user_id if people else w.roles.get("owner", "")

    async def outbound(self) -> None:
        assert self.client is not None
        # Only messages with something to see: an empty chain would be "rendered" with nothing checked in the DOM.
        sent = [a for a in self.sim.received() if a.ok and a.observed.get("message_id")
                and any(c.get("type") != "Source" for c in a.observed.get("components") or [])
                and a.observed.get("target_type") in ("group", "private")]
        conversations: dict[tuple[str, str], list[Any]] = {}
        for a in sent:
            conversations.setdefault((a.observed["target_type"], str(a.observed["target"])), []).append(a)
        for (kind, chat_id), actions in conversations.items():
            await self._guard(f"checking {kind} {chat_id}", self._check_conversation(kind, chat_id, actions))

    async def _check_conversation(self, kind: str, chat_id: str, actions: list[Any]) -> None:
        assert self.client is not None
        # One conversation: read every bot message in it, screenshot it, then write the records.
        viewer = self._viewer(kind, chat_id)
        await self.client.open(viewer, kind, chat_id)
        await self.client.capture(True)
        await self.client.settle_media()
        results = []
        for a in actions:
            mid = str(a.observed["message_id"])
            await self.client.wait_message(mid, RENDER_WAIT)
            seen = await self.client.read_message(mid)
            results.append((a, mid, seen, rendered_problems(a.observed["components"], seen)))
        await self.client.capture(False)
        shot = await self.client.screenshot(self.shots / f"{kind}-{chat_id}.png")
        self.session.screenshots.setdefault(self.adapter, []).append(str(shot))
        for a, mid, seen, problems in results:
            self.checked += 1
            msg = self.sim.world.message(mid)
            if problems:
                why = "; ".join(problems)
                if msg is not None and msg.recalled:
                    why = "recalled on the platform before the UI check (e.g. by delete_message), so it cannot be shown"
                self.checks.write("finding", adapter=self.adapter,
                                  message=f"bot message {mid} ({a.action} to {kind} {chat_id}) was received but is not "
                                          f"rendered as received: {why}", observed={"message_id": mid, "problems": problems})
                continue
            self.rendered += 1
            assert seen is not None
            self.checks.write("ui_observed", adapter=self.adapter,
                              observed={"message_id": mid, "components": observed_components(seen), "text": plain_text(seen),
                                        "conversation": f"{kind}:{chat_id}", "viewer": viewer, "action": a.action},
                              screenshot=str(shot))

    # ------------------------------------------------------------------ inbound: UI actions
    async def _do(self, label: str, covers: tuple[str, ...], action: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any] | None:
        """One UI action; then wait for the probe's event that its ``match`` names."""
        from harness.runs import EVENT_WAIT, UNDECLARED_WAIT, matches_event as _matches

        try:
            resp = await action()
        except StackError:
            raise
        except self.errors as exc:
            self._step_failed(label, str(exc), covers)
            return None
        self.actions += 1
        self.attempted.update(resp.get("capabilities") or ())
        match = resp.get("match")
        if match:
            # As in the protocol phase: an event type the adapter does not declare may never come.
            declared = match.get("event.type") in self.run.manifest.events
            try:
                await self.tail.wait_for(lambda r, m=match: _matches(r, m, self.adapter), timeout=EVENT_WAIT if declared else UNDECLARED_WAIT,
                                         what=f"the probe's event for UI step {label}", stack=self.run.stack, interval=0.05,
                                         since=resp.get("t"))
                self.arrived += 1
            except StackError as exc:
                self.run.stack.check_alive()
                self.say(f"{label}: {str(exc).splitlines()[0]}")
        return resp

    def _step_failed(self, label: str, why: str, covers: tuple[str, ...]) -> None:
        self.failed.append((label, why, covers))
        self.harness.write("finding", adapter=self.adapter, capabilities=list(covers),
                           message=f"UI step '{label}' failed: {why.splitlines()[0] if why else 'no reason'}")
        self.say(f"{label}: failed: {why.splitlines()[0] if why else ''}")

    def offers(self, *what: str) -> bool:
        return all(self.identity.offers(w) for w in what)

    async def _message(self, label: str, covers: tuple[str, ...], as_user: str, kind: str, chat_id: str,
                       compose: Callable[[SimClient], Awaitable[None]]) -> str | None:
        c = self.client
        assert c is not None

        async def go() -> dict[str, Any]:
            await c.open(as_user, kind, chat_id)
            if self.identity.mention_bot and kind in self.identity.mention_bot_in:  # the bot gets only messages naming it
                await c.mention(self.sim.world.bot.user_id)
            await compose(c)
            return await c.send()

        resp = await self._do(label, ("event:message.received", *covers), go)
        return str(resp["refs"]["message_id"]) if resp else None

    async def inbound(self, tmp: Path) -> None:
        c = self.client
        assert c is not None
        w = self.sim.world
        r = w.roles
        owner, admin, member, newcomer, stranger = r["owner"], r["admin"], r["member"], r["newcomer"], r["stranger"]
        main, quote, bot = r["main_group"], r["quote_message"], w.bot.user_id
        files = self._media_files(tmp)
        sent: dict[str, str | None] = {}

        async def text(cc: SimClient, value: str) -> None:
            await cc.type(value)

        # ---- messages: one per component the client can send, then a mixed chain
        if self.offers("Plain"):
            sent["private_text"] = await self._message("private text", ("receive:Plain", "receive:Source"), owner, "private", owner,
                                                       lambda cc: text(cc, UI_PLAIN))
            sent["group_text"] = await self._message("group text", ("receive:Plain",), admin, "group", main,
                                                     lambda cc: text(cc, "UI group  text\nline two "))
        if self.offers("At", "Plain"):
            async def at(cc: SimClient) -> None:
                await cc.mention(member)
                await cc.type(" please review (UI)")
            await self._message("mention", ("receive:At",), admin, "group", main, at)
        if self.offers("AtAll", "Plain"):
            async def at_all(cc: SimClient) -> None:
                await cc.mention_all()
                await cc.type(" meeting at 10 (UI)")
            await self._message("mention all", ("receive:AtAll",), owner, "group", main, at_all)
        if self.offers("Image"):
            await self._message("image", ("receive:Image",), member, "group", main, lambda cc: cc.attach("image", files["image"]))
        if self.offers("Voice"):
            await self._message("voice", ("receive:Voice",), owner, "private", owner, lambda cc: cc.attach("voice", files["voice"]))
        if self.offers("File"):
            await self._message("file", ("receive:File",), admin, "private", admin, lambda cc: cc.attach("file", files["file"]))
        if self.offers("Quote", "Plain"):
            async def reply(cc: SimClient) -> None:
                await cc.reply_to(quote)
                await cc.type("I agree (UI)")
            await self._message("reply", ("receive:Quote",), admin, "group", main, reply)
        if self.offers("Face"):
            # The first face of every kind the platform's picker has, sent by different people in turn.
            senders = ((member, "group", main), (owner, "private", owner), (admin, "group", main))
            firsts: dict[str, Any] = {}
            for f in self.identity.faces:
                firsts.setdefault(f.face_type, f)
            for i, face in enumerate(firsts.values()):
                who, kind, chat = senders[i % len(senders)]
                await self._message(f"face {face.face_type}", ("receive:Face",), who, kind, chat,
                                    lambda cc, f=face: cc.face(f.face_type, f.face_id))
        if self.offers("Forward"):
            ids = [quote] + ([sent["group_text"]] if sent.get("group_text") else [])

            async def forward() -> dict[str, Any]:
                await c.open(owner, "group", main)
                return await c.forward(ids, "group", main)

            await self._do("merge-forward", ("event:message.received", "receive:Forward"), forward)
        mixable = self.identity.mixable
        mixed = [x for x in ("Quote", "Plain", "At", "Face", "Image") if self.offers(x) and (mixable is None or x in mixable)]
        if len(mixed) >= 2:
            face = self.identity.faces[0] if self.identity.faces else None

            async def compose_mixed(cc: SimClient) -> None:
                if "Quote" in mixed:
                    await cc.reply_to(quote)
                await cc.type("mixed (UI): ")
                if "At" in mixed:
                    await cc.mention(member)
                await cc.type(" look ")
                if "Face" in mixed and face is not None:
                    await cc.face(face.face_type, face.face_id)
                if "Image" in mixed:
                    await cc.attach("image", files["image"])
                await cc.type("\nthanks")
            await self._message("mixed chain", ("receive:mixed",), admin, "group", main, compose_mixed)

        # ---- recall (group and private)
        if self.offers("recall", "Plain"):
            for who, kind, chat in ((admin, "group", main), (owner, "private", owner)):
                mid = await self._message(f"{kind} message to recall", ("receive:Plain",), who, kind, chat,
                                          lambda cc: text(cc, "this message will be recalled (UI)"))
                if mid:
                    await self._do(f"recall {kind} message", ("event:message.deleted",), lambda m=mid: c.recall(m))

        # ---- message actions: edit one's own message, react, press a button the bot attached
        if self.offers("edit", "Plain"):
            mid = await self._message("message to edit", ("receive:Plain",), admin, "group", main,
                                      lambda cc: text(cc, "this message will be edited (UI)"))
            if mid:
                async def edit(m: str = mid) -> dict[str, Any]:
                    await c.open(admin, "group", main)
                    return await c.edit(m, "this message was edited (UI)")
                await self._do("edit message", ("event:message.edited",), edit)
        if self.offers("react"):
            async def react() -> dict[str, Any]:
                await c.open(member, "group", main)
                return await c.react(quote)
            await self._do("reaction", ("event:message.reaction",), react)
        if self.offers("press_button"):
            # a bot message of this run that carries buttons (the sweep's interaction prompt), pressed by its chat's user
            with_buttons = [m for m in w.messages.values() if m.sender_id == bot and not m.recalled and m.native.get("buttons")]
            if with_buttons:
                target = with_buttons[-1]
                who = admin if target.chat_type == "group" else target.chat_id

                async def press(m: Any = target, who: str = who) -> dict[str, Any]:
                    await c.open(who, target.chat_type, target.chat_id)
                    return await c.press_button(m.message_id, str(m.native["buttons"][0]["data"]))
                await self._do("press an inline button", ("event:platform.specific",), press)

        # ---- membership: join, leave, join again, kick
        if self.offers("join"):
            async def join() -> dict[str, Any]:
                await c.open(newcomer)
                return await c.join(main)
            await self._do("join group", ("event:group.member_joined",), join)
            if self.offers("leave"):
                async def leave() -> dict[str, Any]:
                    await c.open(newcomer, "group", main)
                    return await c.leave()
                await self._do("leave group", ("event:group.member_left",), leave)
            if self.offers("kick"):
                if newcomer not in w.groups[main].members:
                    await self._do("join group again", ("event:group.member_joined",), join)

                async def kick() -> dict[str, Any]:
                    await c.open(owner, "group", main)
                    return await c.member_action("kick", newcomer)
                await self._do("kick member", ("event:group.member_left",), kick)

        # ---- friends: someone who is not the bot's friend (yet) asks, then adds
        outsider = next((u for u in (stranger, newcomer, r.get("leaver"), member, *w.users)
                         if u and u != bot and u not in w.friends), None)
        if outsider is None:
            self._step_failed("friend request", "every user is already the bot's friend",
                              ("event:friend.request_received", "event:friend.added"))
        if self.offers("friend_request") and outsider:
            async def friend_request() -> dict[str, Any]:
                await c.open(outsider)
                return await c.friend_request("Hi, I found you in the simulated UI")
            await self._do("friend request", ("event:friend.request_received",), friend_request)
        if self.offers("friend_add") and outsider:
            async def friend_add() -> dict[str, Any]:
                await c.open(outsider)
                return await c.friend_add()
            await self._do("add friend", ("event:friend.added",), friend_add)

        # ---- poke, mute and unmute (a member, then the bot)
        if self.offers("poke"):
            async def poke() -> dict[str, Any]:
                await c.open(owner, "group", main)
                return await c.poke()
            await self._do("poke the bot", ("event:platform.specific",), poke)
        for target, caps in ((member, ("event:group.member_banned", "event:platform.specific")),
                             (bot, ("event:bot.muted", "event:bot.unmuted"))):
            if not self.offers("mute", "unmute"):
                break
            for what, cap in (("mute", caps[0]), ("unmute", caps[1])):
                async def moderate(what: str = what, target: str = target) -> dict[str, Any]:
                    await c.open(owner, "group", main)
                    return await c.member_action(what, target)
                await self._do(f"{what} {'the bot' if target == bot else 'a member'}", (cap,), moderate)

        # ---- the bot removed from a group, then invited (back)
        await self._bot_out_and_in(c, main, bot)

    async def _bot_out_and_in(self, c: SimClient, main: str, bot: str) -> None:
        w = self.sim.world
        kicked_from = None
        if self.offers("kick"):
            for g in w.groups.values():
                me = g.members.get(bot)
                if g.group_id == main or me is None:
                    continue
                op = next((m for m in g.members.values() if ROLE_RANK[m.role] > ROLE_RANK[me.role]), None)
                if op is None:
                    continue

                async def kick_bot(gid: str = g.group_id, uid: str = op.user_id) -> dict[str, Any]:
                    await c.open(uid, "group", gid)
                    return await c.member_action("kick", bot)
                if await self._do("kick the bot", ("event:bot.removed_from_group",), kick_bot):
                    kicked_from = (g.group_id, op.user_id)
                break
        if self.offers("invite_bot"):
            target = kicked_from
            if target is None:
                for g in w.groups.values():
                    inviter = next((m.user_id for m in g.members.values() if m.user_id != bot), None)
                    if bot not in g.members and inviter:
                        target = (g.group_id, inviter)
                        break
            if target is not None:
                async def invite(gid: str = target[0], uid: str = target[1]) -> dict[str, Any]:
                    await c.open(uid, "group", gid)
                    return await c.invite_bot()
                await self._do("invite the bot", ("event:bot.invited_to_group",), invite)
            else:
                self._step_failed("invite the bot", "no group without the bot", ("event:bot.invited_to_group",))
        if kicked_from is None and self.offers("kick"):
            owner = w.roles["owner"]

            async def kick_from_main() -> dict[str, Any]:  # last step: the bot is not needed in the main group any more
                await c.open(owner, "group", main)
                return await c.member_action("kick", bot)
            await self._do("kick the bot from the main group", ("event:bot.removed_from_group",), kick_from_main)

    def _media_files(self, tmp: Path) -> dict[str, Path]:
        """The world's media as local files a user would pick in a file chooser."""
        out: dict[str, Path] = {}
        for item in self.sim.world.media.values():
            kind = {"image": "image", "audio": "voice"}.get(item.content_type.split("/")[0], "file")
            if kind not in out:
                path = tmp / item.name
                path.write_bytes(item.data)
                out[kind] = path
        return out

    async def inbound_screenshots(self) -> None:
        """The conversations the UI acted in, as they look now (linked from the report's screenshot list)."""
        assert self.client is not None
        r = self.sim.world.roles
        for viewer, kind, chat in ((r["owner"], "group", r["main_group"]), (r["owner"], "private", r["owner"])):
            await self.client.open(viewer, kind, chat)
            shot = await self.client.screenshot(self.shots / f"ui-actions-{kind}-{chat}.png")
            self.session.screenshots.setdefault(self.adapter, []).append(str(shot))

    # ------------------------------------------------------------------ what the UI cannot create
    def block_uncreatable(self) -> None:
        from harness.capabilities import load_catalogue
        from acceptance_fixtures.webui.identity import CANNOT_CREATE

        from acceptance_fixtures.platforms import profile_for
        from harness.runs import unproducible_of

        failed = {cap for _, _, covers in self.failed for cap in covers}
        profile = profile_for(self.run.manifest.name)
        impossible = unproducible_of(profile) if profile is not None else {}  # not-supported by the run, not blocked here
        for cap in load_catalogue().for_manifest(self.run.manifest):
            if cap.kind not in ("event", "receive") or cap.id in self.attempted or cap.id in failed or cap.id in impossible:
                continue
            # The harness's own conclusion (producer harness), and "cannot create" only where the platform's
            # UI identity says so; otherwise no step of this phase caused it, which is a weaker statement.
            why = self.identity.cannot_create.get(cap.id)
            reason = (f"{CANNOT_CREATE}: {why}" if why else
                      f"no UI step of this phase causes it in the {self.identity.client_name} client")
            self.harness.write("skip", adapter=self.adapter, capabilities=[cap.id], status="blocked", reason=reason)


async def run_ui_phase(run: Any, sim: Any, tail: Any) -> dict[str, float]:
    """Entry point used by ``AdapterRun``: the UI phase with the run's browser.

    A failure of the phase itself becomes a ``finding``; it never costs the protocol phase's evidence.
    """
    try:
        return await UIPhase(run, sim, tail, run.ui).execute()
    except StackError:
        raise
    except Exception as exc:  # the browser died, the page could not open, ...
        run.session.writer("harness").write("finding", adapter=run.adapter,
                                            message=f"UI phase stopped: {type(exc).__name__}: {exc}")
        run._say(f"ui: phase stopped: {exc}")
        return {}
