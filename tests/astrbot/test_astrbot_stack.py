"""The AstrBot stack on its own: headless start in a temporary root, probe loaded, bot creation,
clean stop by process group, crash detection. Runs with ``--framework astrbot`` (it installs the
pinned release on first use, ~3 minutes); skipped for other frameworks."""

from __future__ import annotations

import os
import signal

import pytest

from harness.errors import StackError
from harness.stacks import AstrBotStack, StackTimeouts

pytestmark = pytest.mark.plugin_e2e


@pytest.fixture
def astrbot_spec(acceptance):
    if acceptance.spec.name != "astrbot":
        pytest.skip("AstrBot stack tests run with --framework astrbot")
    return acceptance.spec


async def test_start_create_bot_crash_and_stop(astrbot_spec, tmp_path) -> None:
    stack = AstrBotStack(astrbot_spec, tmp_path / "stack", timeouts=StackTimeouts(app_ready=180, bot_ready=60),
                         progress=lambda _m: None)
    try:
        await stack.start()
        assert stack.timings["ready_total"] < 180
        assert stack.base_url.startswith("http://127.0.0.1:")
        cfg = (stack.root / "data" / "cmd_config.json").read_text("utf-8-sig")
        assert stack.admin_password not in cfg and '"host": "127.0.0.1"' in cfg
        bot = await stack.create_bot("onebot-v11", {"type": "aiocqhttp", "ws_reverse_host": "127.0.0.1",
                                                    "ws_reverse_port": _port(), "ws_reverse_token": "tok-secret-123456"})
        assert bot in stack.bots
        plugin_cfg = (stack.root / "data" / "config" / "astrbot_plugin_acceptance_probe_config.json").read_text("utf-8-sig")
        assert bot in plugin_cfg  # the probe configuration went through the plugin's own config
        assert all("tok-secret-123456" not in text for text in stack.logs().values())
        proc = stack.processes["astrbot"]
        os.killpg(proc.pid, signal.SIGKILL)
        proc.proc.wait(timeout=10)
        with pytest.raises(StackError, match="exited"):
            stack.check_alive()
    finally:
        await stack.stop()
    assert not stack.processes["astrbot"]._group_alive()
    assert (tmp_path / "stack" / "logs" / "collected" / "astrbot.log").is_file()


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
