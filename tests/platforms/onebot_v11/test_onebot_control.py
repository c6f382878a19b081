"""The control API over real HTTP on 127.0.0.1 with the OneBot v11 codec: its scenarios, frames filled with
``self_id``, its replies under fault switches, the reverse client redialling (the platform-neutral versions,
and the media route, run on the fake platform in tests/fixtures/test_simulator_control.py)."""

from __future__ import annotations

import aiohttp
import pytest

from acceptance_fixtures.world import MAIN_GROUP
from tests.platforms.onebot_v11.onebot_helpers import onebot_pair, records

pytestmark = pytest.mark.unit


async def test_inject_raw_events_and_actions_since() -> None:
    async with onebot_pair() as (sim, ep, sink), aiohttp.ClientSession(base_url=sim.base_url) as http:
        async with http.post("/control/inject", json={"scenario": "notice.group_ban.ban"}) as r:
            assert r.status == 200
            body = await r.json()
        # The match joins (type only: notices go one at a time); what the plugin must see is expected.fields.
        assert body["match"] == {"event.type": "group.member_banned"}
        assert body["expected"]["fields"] == {"group_id": MAIN_GROUP, "user_id": "3000000103",
                                              "operator_id": "3000000101", "duration": 600}
        assert body["evidence"]["record"] == "inject"
        frame = await ep.next_event(lambda e: e.get("notice_type") == "group_ban")
        assert frame["duration"] == 600 and frame == body["frames"][0]

        async with http.post("/control/inject", json={"scenario": "no.such"}) as r:
            assert r.status == 404 and "message.group.plain" in (await r.json())["error"]
        async with http.post("/control/inject", data=b"not json") as r:
            assert r.status == 400

        raw = {"post_type": "notice", "notice_type": "essence", "sub_type": "add", "group_id": int(MAIN_GROUP)}
        async with http.post("/control/events", json={"frame": raw}) as r:
            sent = (await r.json())["frames"][0]
        assert sent["self_id"] and sent["time"]  # filled in
        assert (await ep.next_event(lambda e: e.get("notice_type") == "essence"))["self_id"] == sent["self_id"]
        async with http.post("/control/events", json={"frame": {"post_type": "notice", "notice_type": "x"}, "fill": False,
                                                      "capabilities": ["event:platform.specific"],
                                                      "match": {"event.type": "platform.specific"}}) as r:
            assert "self_id" not in (await r.json())["frames"][0]
        assert records(sink, "inject")[-1]["capabilities"] == ["event:platform.specific"]
        async with http.post("/control/events", json={"frame": {}, "match": {"event.fields": "x"}}) as r:
            assert r.status == 400

        await ep.call("get_login_info")
        async with http.get("/control/actions") as r:
            first = await r.json()
        assert [a["action"] for a in first["actions"]] == ["get_login_info"]
        mark = first["last_seq"]
        await ep.call("get_group_info", group_id=int(MAIN_GROUP))
        async with http.get("/control/actions", params={"after": str(mark)}) as r:
            assert [a["action"] for a in (await r.json())["actions"]] == ["get_group_info"]
        t = first["actions"][0]["t"]
        async with http.get("/control/actions", params={"since": str(t + 0.000001), "action": "get_login_info"}) as r:
            assert (await r.json())["actions"] == []
        async with http.get("/control/actions", params={"since": "soon"}) as r:
            assert r.status == 400


async def test_faults_over_http() -> None:
    async with onebot_pair() as (sim, ep, _), aiohttp.ClientSession(base_url=sim.base_url) as http:
        async with http.post("/control/faults", json={"error": {"retcode": 102, "actions": ["get_status"]},
                                                      "slow": {"seconds": 0.1}}) as r:
            state = await r.json()
        assert state["error"] == {"retcode": 102, "message": "simulated failure", "actions": ["get_status"]}
        assert (await ep.call("get_status"))["retcode"] == 102
        async with http.get("/control/faults") as r:
            assert (await r.json())["slow"] == {"seconds": 0.1, "actions": None}
        async with http.post("/control/faults", json={"slow": {"seconds": "x"}}) as r:
            assert r.status == 400
        async with http.delete("/control/faults") as r:
            assert (await r.json())["error"] is None
        assert (await ep.call("get_status"))["status"] == "ok"

        async with http.post("/control/faults/drop") as r:
            assert (await r.json()) == {"ok": True, "dropped": True}
        async with http.post("/control/wait-connected", json={"timeout": 5}) as r:
            assert r.status == 200 and (await r.json())["connected"] is True
        assert ep.connections == 2

        async with http.post("/control/faults", json={"offline": True}) as r:
            assert (await r.json())["offline"] is True
        async with http.post("/control/wait-connected", json={"timeout": 0.2}) as r:
            assert r.status == 504
        async with http.post("/control/inject", json={"scenario": "message.group.plain", "timeout": 0.1}) as r:
            assert r.status == 409

