"""A page object for the simulated platform's web UI (fixtures/webui), driven with Playwright.

Every method acts the way a user would (clicks, typing, file choosers) and, for actions that cause a
platform event, returns the UI API's answer (scenario name, capabilities, ``match``, ``expected``).
Reading is separate: :meth:`SimClient.read_message` reports what the DOM shows for one message.
"""

from __future__ import annotations

import asyncio

import json
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
# The page function reading one message from the DOM: what each component type marks (its data-*
# attributes) comes from the component registry (harness/data/components.yaml, harness/ui/rendered.py).
from harness.ui.rendered import READ_MESSAGE_JS


class UIActionError(HarnessError):
    """A UI action was refused by the UI API or did not happen."""

    exit_code = 3


# Bounded in the page (AbortSignal.timeout): page.evaluate itself does not obey the context's timeouts.
_HEAD_JS = "async ([u, ms]) => { try { const r = await fetch(u, {method: 'GET', cache: 'no-store', signal: AbortSignal.timeout(ms)}); " \
           "const b = await r.arrayBuffer(); return [r.status, r.headers.get('content-type') || '', b.byteLength]; } " \
           "catch (e) { return [0, String(e), 0]; } }"


class SimClient:
    """One browser page on the simulator's UI, acting as one platform user at a time."""

    def __init__(self, page: Any, base_url: str, *, timeout: float = 8.0) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.as_user: str | None = None
        self.chat: str | None = None
        self.console_errors: list[str] = []
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def _t(self, testid: str) -> str:
        return f'[data-testid="{testid}"]'

    @property
    def _ms(self) -> float:
        return self.timeout * 1000

    # ------------------------------------------------------------------ navigation
    async def open(self, as_user: str, kind: str | None = None, chat_id: str | None = None) -> None:
        """Act as ``as_user`` and open a conversation (``kind`` group|private), waiting until it is shown."""
        route = f"as={as_user}" + (f"&chat={kind}:{chat_id}" if kind else "")
        if not self.page.url.startswith(self.base_url + "/ui/"):
            await self.page.goto(f"{self.base_url}/ui/#{route}", wait_until="domcontentloaded")
        else:  # the page applies a route change completely (or drops it for a newer one) and then says so
            await self.page.evaluate("(r) => { if (location.hash !== '#' + r) location.hash = r; }", route)
        done = f'body[data-route="{as_user}|{kind}:{chat_id}"]' if kind else f'body[data-route^="{as_user}|"]'
        await self.page.wait_for_selector(done, state="attached", timeout=self._ms)
        await self.page.wait_for_selector(f'{self._t("live-status")}[data-state="open"]', timeout=self._ms)
        self.as_user, self.chat = as_user, (f"{kind}:{chat_id}" if kind else None)

    async def _post(self, path: str, click) -> dict[str, Any]:
        """Run ``click`` and return the JSON answer of the POST to ``path`` it causes."""
        async with self.page.expect_response(
                lambda r: r.url.startswith(self.base_url + path) and r.request.method == "POST", timeout=self._ms) as info:
            await click()
        response = await info.value
        try:
            body = await response.json()
        except Exception:
            body = {"ok": False, "error": (await response.text())[:300]}
        if response.status != 200 or not body.get("ok"):
            raise UIActionError(f"{path} answered HTTP {response.status}: {body.get('error') or body}")
        return body

    # ------------------------------------------------------------------ composing
    async def type(self, text: str) -> None:
        await self.page.fill(self._t("composer-input"), text)

    async def mention(self, user_id: str) -> None:
        await self.page.click(self._t("tool-mention"))
        await self.page.click(f'{self._t("mention-option")}[data-user-id="{user_id}"]')
        await self.page.wait_for_selector(f'{self._t("draft-part")}[data-type="At"]', timeout=self._ms)

    async def mention_all(self) -> None:
        await self.page.click(self._t("tool-mention-all"))
        await self.page.wait_for_selector(f'{self._t("draft-part")}[data-type="AtAll"]', timeout=self._ms)

    async def face(self, face_type: str, face_id: int) -> None:
        await self.page.click(self._t("tool-face"))
        await self.page.click(f'{self._t("face-option")}[data-face-type="{face_type}"][data-face-id="{face_id}"]')

    async def attach(self, kind: str, path: str | Path) -> dict[str, Any]:
        """Upload a file through the composer's image/voice/file chooser; returns the upload answer."""
        part = {"image": "Image", "voice": "Voice", "file": "File"}[kind]
        before = await self.page.locator(f'{self._t("draft-part")}[data-type="{part}"]').count()
        body = await self._post("/ui/api/upload", lambda: self.page.set_input_files(self._t(f"input-{kind}"), str(path)))
        await self.page.wait_for_function(
            "([sel, n]) => document.querySelectorAll(sel).length > n",
            arg=[f'{self._t("draft-part")}[data-type="{part}"]', before], timeout=self._ms)
        return body

    async def reply_to(self, message_id: str) -> None:
        await self.page.click(f'{self._t("message")}[data-message-id="{message_id}"] {self._t("reply-button")}')
        await self.page.wait_for_selector(f'{self._t("reply-preview")}[data-reply-to="{message_id}"]', timeout=self._ms)

    async def send(self) -> dict[str, Any]:
        return await self._post("/ui/api/send", lambda: self.page.click(self._t("send-button")))

    async def forward(self, message_ids: list[str], kind: str, chat_id: str) -> dict[str, Any]:
        for mid in message_ids:
            await self.page.check(f'{self._t("message")}[data-message-id="{mid}"] {self._t("select-message")}')
        await self.page.click(self._t("tool-forward"))

        async def pick() -> None:
            await self.page.click(f'{self._t("forward-target")}[data-kind="{kind}"][data-id="{chat_id}"]')

        return await self._post("/ui/api/forward", pick)

    # ------------------------------------------------------------------ non-message actions
    async def _act(self, selector: str) -> dict[str, Any]:
        return await self._post("/ui/api/action", lambda: self.page.click(selector))

    async def recall(self, message_id: str) -> dict[str, Any]:
        return await self._act(f'{self._t("message")}[data-message-id="{message_id}"] {self._t("recall-button")}')

    async def edit(self, message_id: str, text: str) -> dict[str, Any]:
        scope = f'{self._t("message")}[data-message-id="{message_id}"]'
        await self.page.click(f'{scope} {self._t("edit-button")}')
        await self.page.fill(f'{scope} {self._t("edit-input")}', text)
        return await self._act(f'{scope} {self._t("edit-save")}')

    async def react(self, message_id: str) -> dict[str, Any]:
        return await self._act(f'{self._t("message")}[data-message-id="{message_id}"] {self._t("react-button")}')

    async def press_button(self, message_id: str, data: str) -> dict[str, Any]:
        return await self._act(f'{self._t("message")}[data-message-id="{message_id}"] '
                               f'{self._t("inline-button")}[data-data="{data}"]')

    async def join(self, group_id: str) -> dict[str, Any]:
        return await self._act(f'{self._t("discover-group")}[data-id="{group_id}"] {self._t("join-group")}')

    async def leave(self) -> dict[str, Any]:
        return await self._act(self._t("leave-group"))

    async def member_action(self, what: str, user_id: str) -> dict[str, Any]:
        """``what`` is mute, unmute or kick, from the member list."""
        return await self._act(f'{self._t("member")}[data-user-id="{user_id}"] {self._t("member-" + what)}')

    async def friend_request(self, comment: str) -> dict[str, Any]:
        await self.page.fill(self._t("friend-request-comment"), comment)
        return await self._act(self._t("friend-request"))

    async def friend_add(self) -> dict[str, Any]:
        return await self._act(self._t("friend-add"))

    async def invite_bot(self) -> dict[str, Any]:
        return await self._act(self._t("invite-bot"))

    async def poke(self) -> dict[str, Any]:
        return await self._act(self._t("poke-bot"))

    # ------------------------------------------------------------------ reading
    async def wait_message(self, message_id: str, timeout: float | None = None) -> bool:
        try:
            await self.page.wait_for_selector(f'{self._t("message")}[data-message-id="{message_id}"]',
                                              state="attached", timeout=(timeout or self.timeout) * 1000)
            return True
        except Exception:
            return False

    async def read_message(self, message_id: str) -> dict[str, Any] | None:
        """What the DOM shows for one message (None when it is not in the open conversation)."""
        seen = await self.page.evaluate(READ_MESSAGE_JS, str(message_id))
        if seen is None:
            return None
        for comp in _walk(seen["components"]):
            url = comp.get("src") if comp["type"] in ("Image", "Voice") else comp.get("href") if comp["type"] == "File" else None
            if url:
                status, ctype, size = await asyncio.wait_for(self.page.evaluate(_HEAD_JS, [url, int(self.timeout * 1000)]),
                                                             self.timeout + 2)
                comp.update(http_status=status, content_type=ctype, bytes=size)
        return seen

    async def capture(self, on: bool) -> None:
        """Capture mode: the conversation grows to full height (for reading everything and full-page screenshots)."""
        await self.page.evaluate("(on) => document.body.classList.toggle('capture', on)", on)

    async def settle_media(self, timeout: float = 5.0) -> None:
        """Wait until every image has loaded (or failed) and every audio element has its metadata (bounded)."""
        try:
            await self.page.wait_for_function(
                "() => [...document.images].every(i => i.complete) && "
                "[...document.querySelectorAll('audio')].every(a => a.readyState >= 1 || a.error)", timeout=timeout * 1000)
        except Exception:
            pass  # what did not load is reported per component by read_message

    async def screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        await self.capture(True)
        try:
            await self.settle_media()
            await self.page.screenshot(path=str(path), full_page=True, timeout=self._ms * 2)
        finally:
            await self.capture(False)
        return path

    async def state(self) -> dict[str, Any]:
        """The UI API's view of the acting user's world (through the page, like the UI itself reads it)."""
        return json.loads(await self.page.evaluate(
            "async (u) => JSON.stringify(await (await fetch('/ui/api/state?as=' + u)).json())", self.as_user))


def _walk(components: list[dict[str, Any]]):
    for c in components:
        yield c
        for node in c.get("nodes") or []:
            yield from _walk(node.get("components") or [])
