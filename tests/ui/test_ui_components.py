"""The web UI builds its composer and its renderer from the component registry (harness/data/components.yaml):
a platform kind added through the loader's extension is composed, rendered and read back by the DOM reader
in the real browser, with no other edit."""

from __future__ import annotations

import dataclasses

import pytest

from acceptance_fixtures.world import ALICE, CAROL, MAIN_GROUP
from harness.components import default_registry, load_registry
from harness.ui.client import SimClient
from harness.ui.rendered import observed_components, read_message_js, rendered_problems
from tests.platforms.onebot_v11.onebot_helpers import onebot_pair
from tests.unit.test_components import STICKER

pytestmark = pytest.mark.unit

TOOLBAR_JS = "() => [...document.querySelectorAll('[data-testid=\"toolbar\"] button')].map(b => [b.dataset.testid, b.dataset.component])"


async def test_the_toolbar_is_the_registry_composer(browser) -> None:
    async with onebot_pair() as (sim, _ep, _sink):
        page = await browser.new_page()
        try:
            c = SimClient(page, sim.base_url)
            await c.open(ALICE, "group", MAIN_GROUP)
            reg = default_registry()
            want = [[reg[t].ui["composer"]["testid"], t] for t in reg.composer if reg[t].ui["composer"].get("testid")]
            assert await page.evaluate(TOOLBAR_JS) == want
            assert not c.console_errors
        finally:
            await browser.close_page(page)


async def test_a_platform_kind_is_composed_rendered_and_read_back(browser) -> None:
    reg = load_registry([STICKER])
    async with onebot_pair() as (sim, _ep, _sink):
        ui = sim.ui
        ui.identity = dataclasses.replace(ui.identity, component_registry=reg,
                                          components=(*ui.identity.components, "Sticker"))
        ui._viewer = None
        received = [{"type": "Plain", "text": "look "}, {"type": "Sticker", "sticker_id": 77, "pack": "cats"}]
        msg = sim.world.store_message("group", MAIN_GROUP, CAROL, received)
        page = await browser.new_page()
        try:
            c = SimClient(page, sim.base_url)
            await c.open(ALICE, "group", MAIN_GROUP)
            assert await c.wait_message(msg.message_id, 5)
            seen = await page.evaluate(read_message_js(reg), msg.message_id)
            assert rendered_problems(received, seen, reg) == [], seen
            assert rendered_problems([received[0], {**received[1], "sticker_id": 78}], seen, reg) == [
                "component 1 (Sticker) shows sticker_id '77', received 78"]
            sticker = seen["components"][1]
            assert (sticker["sticker_id"], sticker["pack"], sticker["text"]) == ("77", "cats", "[sticker 77]")
            assert observed_components(seen, reg)[1] == {"type": "Sticker", "visible": True, "sticker_id": "77", "pack": "cats"}
            # the composer's form entry makes a Sticker part
            await page.click('[data-testid="tool-sticker"]')
            await page.fill('[data-testid="form-Sticker"] [data-field="sticker_id"]', "5")
            await page.fill('[data-testid="form-Sticker"] [data-field="pack"]', "dogs")
            await page.click('[data-testid="form-Sticker"] [data-testid="form-add"]')
            await page.wait_for_selector('[data-testid="draft-part"][data-type="Sticker"]', timeout=5000)
            # the UI API takes the part (its form fields); OneBot's codec has no Sticker, so the platform refuses it
            async with page.expect_response(lambda r: r.url.endswith("/ui/api/send")) as info:
                await page.click('[data-testid="send-button"]')
            response = await info.value
            assert response.status == 422 and "simulator UI cannot create this" in (await response.json())["error"]
            assert not c.console_errors
        finally:
            await browser.close_page(page)


async def test_enter_sends_and_shift_enter_starts_a_new_line(browser) -> None:
    """As in every chat client (and the Telegram client's documented default): Enter sends, Shift+Enter adds a line."""
    async with onebot_pair() as (sim, _ep, _sink):
        page = await browser.new_page()
        try:
            c = SimClient(page, sim.base_url)
            await c.open(ALICE, "group", MAIN_GROUP)
            box = '[data-testid="composer-input"]'
            await page.click(box)
            await page.keyboard.type("first line")
            await page.keyboard.press("Shift+Enter")
            await page.keyboard.type("second line")
            assert await page.input_value(box) == "first line\nsecond line"
            assert not sim.received()  # nothing was sent yet
            before = len(sim.world.messages)
            async with page.expect_response(lambda r: r.url.endswith("/ui/api/send")) as info:
                await page.keyboard.press("Enter")
            assert (await info.value).status == 200
            sent = list(sim.world.messages.values())[before:]
            assert [m.components for m in sent] == [[{"type": "Plain", "text": "first line\nsecond line"}]]
            assert await page.input_value(box) == ""
            assert not c.console_errors
        finally:
            await browser.close_page(page)
