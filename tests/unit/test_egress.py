"""The egress hook (harness/egress): an unmodified client reaches the simulator under a real host name.

A TLS server (trustme certificate for ``api.example.test``, signed by the run's CA) listens on
127.0.0.1; child interpreters (the harness's own and, when cached, LangBot 4.11.2's environment) get
the environment from ``EgressPlan.env`` and fetch ``https://api.example.test/ping`` with their stock
clients, default TLS verification. The tests also prove what stays untouched: unmapped hosts, a
process without the plan variable, and every virtualenv.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiohttp import web

from harness.egress import HOOK_DIR, PLAN_ENV, EgressPlan, RunTLS, findings
from harness.frameworks import FrameworkSpec
from harness.frameworks.venv import MARKER
from harness.stacks.process import ManagedProcess

pytestmark = pytest.mark.unit

HOST, OTHER = "api.example.test", "other.example.test"

CLIENT = textwrap.dedent(r'''
    import asyncio, json, socket, ssl, sys, urllib.request

    url, ws_url, other = sys.argv[1], sys.argv[2], sys.argv[3]
    out = {}

    def attempt(name, fn):
        try:
            out[name] = {"ok": True, "body": fn()}
        except ImportError as exc:
            out[name] = {"skipped": str(exc)}
        except Exception as exc:
            out[name] = {"ok": False, "error": type(exc).__name__ + ": " + str(exc)[:300]}

    attempt("urllib", lambda: urllib.request.urlopen(url, timeout=10).read().decode())
    attempt("urllib_other", lambda: urllib.request.urlopen(other, timeout=10).read().decode())

    def httpx_sync():
        import httpx
        return httpx.get(url, timeout=10).text

    def httpx_async():
        import httpx
        async def go():
            async with httpx.AsyncClient(timeout=10) as client:
                return (await client.get(url)).text
        return asyncio.run(go())

    def aiohttp_get():
        import aiohttp
        async def go():
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as resp:
                    return await resp.text()
        return asyncio.run(go())

    def aiohttp_ws():
        import aiohttp
        async def go():
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(ws_url) as ws:
                    await ws.send_str("hello")
                    return (await ws.receive(timeout=10)).data
        return asyncio.run(go())

    def websockets_ws():
        import websockets
        async def go():
            async with websockets.connect(ws_url, open_timeout=10) as ws:
                await ws.send("hello")
                return await asyncio.wait_for(ws.recv(), 10)
        return asyncio.run(go())

    def requests_get():
        import requests
        return requests.get(url, timeout=10).text

    def certifi_where():
        import certifi
        return certifi.where()

    attempt("httpx", httpx_sync)
    attempt("httpx_async", httpx_async)
    attempt("aiohttp", aiohttp_get)
    attempt("aiohttp_ws", aiohttp_ws)
    attempt("websockets_ws", websockets_ws)
    attempt("requests", requests_get)
    attempt("certifi", certifi_where)
    out["_state"] = {
        "getaddrinfo_patched": hasattr(socket.getaddrinfo, "__wrapped__"),
        "ssl_patched": ssl.create_default_context.__module__ != "ssl",
        "sitecustomize": getattr(sys.modules.get("sitecustomize"), "__file__", None),
        "shadowed": "_acceptance_shadowed_sitecustomize" in sys.modules,
        "SSL_CERT_FILE": __import__("os").environ.get("SSL_CERT_FILE"),
    }
    print("RESULT " + json.dumps(out))
''')


# ----------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> RunTLS:
    return RunTLS.create(tmp_path_factory.mktemp("tls"), [HOST])


@pytest.fixture(scope="module")
async def server(tls):
    async def ping(request: web.Request) -> web.Response:
        return web.Response(text=f"pong from {request.host}")

    async def ws(request: web.Request) -> web.WebSocketResponse:
        sock = web.WebSocketResponse()
        await sock.prepare(request)
        async for msg in sock:
            await sock.send_str("echo " + msg.data)
            break
        await sock.close()
        return sock

    app = web.Application()
    app.router.add_get("/ping", ping)
    app.router.add_get("/ws", ws)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=tls.server_context())
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield port
    finally:
        await runner.cleanup()


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.lower().endswith("_proxy") and k not in ("PYTHONPATH", "VIRTUAL_ENV", PLAN_ENV, "SSL_CERT_FILE",
                                                             "REQUESTS_CA_BUNDLE", "SSL_CERT_DIR")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # so that any write into a venv would be the hook's
    return env


async def _run_client(python: str | Path, env: dict[str, str], tmp_path: Path, port: int) -> dict:
    script = tmp_path / "client.py"
    script.write_text(CLIENT, encoding="utf-8")
    args = [str(python), str(script), f"https://{HOST}/ping", f"wss://{HOST}/ws", f"https://{OTHER}/"]
    proc = await asyncio.to_thread(subprocess.run, args, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, f"client failed (rc {proc.returncode}): {proc.stdout[-2000:]} {proc.stderr[-4000:]}"
    return json.loads(lines[-1][len("RESULT "):])


def _venv_fingerprint(env_dir: Path) -> dict[str, object]:
    """What a write into the environment would change: listings of its folders, the certifi bundle."""
    site = next((env_dir / "lib").glob("python3*/site-packages"))
    out: dict[str, object] = {}
    for folder in (env_dir, env_dir / "bin", site, site / "certifi"):
        if folder.is_dir():
            out[str(folder)] = sorted(os.listdir(folder))
    cacert = site / "certifi" / "cacert.pem"
    if cacert.exists():
        st = cacert.stat()
        out["cacert"] = (st.st_size, st.st_mtime_ns, hashlib.sha256(cacert.read_bytes()).hexdigest())
    out["sitecustomize"] = sorted(str(p) for p in site.glob("sitecustomize*"))
    return out


def _langbot_env(spec: str = "langbot==4.11.2") -> Path | None:
    env_dir = FrameworkSpec.parse(spec).env_dir
    return env_dir if (env_dir / MARKER).exists() and (env_dir / "bin" / "python").exists() else None


def _harness_env_dir() -> Path:
    return Path(sys.prefix)


# ----------------------------------------------------------------------------------- tests
def _assert_redirected(result: dict, port: int, *, required: tuple[str, ...]) -> list[str]:
    worked = []
    for name in ("urllib", "httpx", "httpx_async", "aiohttp", "requests"):
        r = result[name]
        if "skipped" in r and name not in required:
            continue
        assert r.get("ok"), f"{name}: {r}"
        assert r["body"] == f"pong from {HOST}", (name, r)
        worked.append(name)
    for name in ("aiohttp_ws", "websockets_ws"):
        r = result[name]
        if "skipped" in r and name not in required:
            continue
        assert r.get("ok") and r["body"] == "echo hello", (name, r)
        worked.append(name)
    assert not result["urllib_other"].get("ok"), "an unmapped host must not be redirected"
    return worked


@pytest.mark.parametrize("interpreter", ["harness", "langbot-4.11.2", "astrbot-4.14.6", "astrbot-4.28.2"])
async def test_clients_reach_the_simulator_under_the_real_name(interpreter, server, tls, tmp_path) -> None:
    if interpreter == "harness":
        python, env_dir, required = sys.executable, _harness_env_dir(), ("urllib", "httpx", "httpx_async", "aiohttp", "aiohttp_ws")
    else:
        env_dir = _langbot_env(interpreter.replace("-", "==", 1))
        if env_dir is None:
            pytest.skip(f"{interpreter}'s environment is not cached")
        python = env_dir / "bin" / "python"
        required = ("urllib", "httpx", "httpx_async", "aiohttp", "aiohttp_ws", "websockets_ws", "requests")
    plan = EgressPlan.build(tmp_path / "egress", label=interpreter, tls=tls).redirect(HOST, server, tls=True)
    plan.tls = tls  # the server's certificate already covers the host
    before = _venv_fingerprint(env_dir)
    env = {**_base_env(), **plan.env(_base_env())}
    assert env["PYTHONPATH"].split(os.pathsep)[0] == str(HOOK_DIR)

    result = await _run_client(python, env, tmp_path, server)

    worked = _assert_redirected(result, server, required=required)
    print(f"{interpreter}: redirected clients: {', '.join(worked)}")
    state = result["_state"]
    assert state["getaddrinfo_patched"] and state["ssl_patched"]
    assert Path(state["sitecustomize"]).parent == HOOK_DIR
    assert state["SSL_CERT_FILE"] == str(tls.ca_bundle)
    # certifi answers a combined bundle in the run's folder, never a file in the environment
    certifi_file = result["certifi"]["body"]
    assert Path(certifi_file).parent == plan.directory
    assert tls.ca_file.read_bytes().strip() in Path(certifi_file).read_bytes()
    # the log names the redirect once (per host and process), the findings say it in words
    redirects = [e for e in plan.read_log() if e["kind"] == "redirect"]
    assert {e["host"] for e in redirects} == {HOST}
    assert all(e["port"] == server and e["tls"] is True and e["pid"] > 0 and e["time"] > 0 for e in redirects)
    assert len(redirects) == 1  # one process, one host: one line
    assert OTHER not in json.dumps(plan.read_log())
    assert [f["message"] for f in plan.findings()] == [
        f"egress redirect: {HOST} -> 127.0.0.1:{server} (TLS, harness CA) in {interpreter}"]
    # nothing was written into the environment
    assert _venv_fingerprint(env_dir) == before


async def test_unmapped_host_and_process_without_plan_are_untouched(server, tls, tmp_path) -> None:
    env = _base_env()
    env["PYTHONPATH"] = str(HOOK_DIR)  # the hook is importable, but the variable is not set
    result = await _run_client(sys.executable, env, tmp_path, server)
    state = result["_state"]
    assert Path(state["sitecustomize"]).parent == HOOK_DIR
    assert not state["getaddrinfo_patched"] and not state["ssl_patched"] and state["SSL_CERT_FILE"] is None
    assert not result["urllib"].get("ok")  # api.example.test does not resolve: no redirect without the plan
    # the unmapped host fails the same way with and without a plan (this machine has no network anyway)
    plan = EgressPlan.build(tmp_path / "egress", tls=tls).redirect(HOST, server, tls=True)
    plan.tls = tls
    with_plan = await _run_client(sys.executable, {**_base_env(), **plan.env(_base_env())}, tmp_path, server)
    bare = await _run_client(sys.executable, _base_env(), tmp_path, server)
    kind = lambda r: r["urllib_other"]["error"].split(":")[0]  # noqa: E731
    assert kind(with_plan) == kind(bare) == kind(result) == "URLError"
    assert with_plan["urllib"].get("ok") and not bare["urllib"].get("ok")


def test_hook_chains_to_the_shadowed_sitecustomize(tmp_path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "sitecustomize.py").write_text("import os\nos.environ['SHADOWED_RAN'] = 'yes'\n", encoding="utf-8")
    code = "import os, sys; print(os.environ.get('SHADOWED_RAN'), hasattr(__import__('socket').getaddrinfo, '__wrapped__'))"
    for plan_value in (None, json.dumps({"hosts": {HOST: {"port": 9}}})):
        env = {**_base_env(), "PYTHONPATH": os.pathsep.join([str(HOOK_DIR), str(other)])}
        if plan_value:
            env[PLAN_ENV] = plan_value
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
        assert out.stdout.split() == ["yes", "True" if plan_value else "False"], out.stderr


def test_resolver_mapping_in_process_details(tmp_path) -> None:
    """The mapped name resolves to its loopback alias and the mapped port for any requested port, type and
    flags; a connect to the alias, with any port (anyio keeps the URL's), lands on 127.0.0.1:<mapped port>;
    numeric and unmapped names resolve as before."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    code = textwrap.dedent(f'''
        import json, socket
        infos = socket.getaddrinfo("API.Example.Test.", 443, 0, socket.SOCK_STREAM, 0, socket.AI_ADDRCONFIG)
        peers = []
        for address in (("{HOST}", 443), ("127.77.0.1", 443), ("127.77.0.1", {port})):
            with socket.create_connection(address, timeout=5) as sock:
                peers.append(list(sock.getpeername()))
        raw = socket.socket()
        raw.settimeout(5)
        raw.connect(("127.77.0.1", 80))
        peers.append(list(raw.getpeername()))
        raw.close()
        print(json.dumps({{"infos": sorted({{i[4] for i in infos}}), "byname": socket.gethostbyname("{HOST}"),
                          "numeric": socket.getaddrinfo("127.0.0.1", 80, type=socket.SOCK_STREAM)[0][4],
                          "peers": peers}}))
    ''')
    try:
        plan = EgressPlan.build(tmp_path / "egress", {HOST: port}, label="x")
        env = {**_base_env(), **plan.env(_base_env())}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    finally:
        listener.close()
    result = json.loads(out.stdout or "null") or pytest.fail(out.stderr)
    assert result == {"infos": [["127.77.0.1", port]], "byname": "127.77.0.1", "numeric": ["127.0.0.1", 80],
                      "peers": [["127.0.0.1", port]] * 4}, out.stderr
    assert [f["message"] for f in findings(plan.log_path, "x")] == [f"egress redirect: {HOST} -> 127.0.0.1:{port} (plain) in x"]


def test_guard_is_lifted_only_when_the_plan_names_it(tmp_path) -> None:
    fake = tmp_path / "fakefw"
    (fake / "fakefw").mkdir(parents=True)
    (fake / "fakefw" / "__init__.py").write_text("", encoding="utf-8")
    (fake / "fakefw" / "outbound.py").write_text(textwrap.dedent('''
        class Unsafe(ValueError):
            pass

        def check(url, *, allowed_domains=None):
            if "127.0.0.1" in url or "example.test" in url:
                raise Unsafe("refusing " + url)
            return url
    '''), encoding="utf-8")
    # the caller binds the name at import, as LangBot's slack and dingtalk modules do
    (fake / "fakefw" / "media.py").write_text("from fakefw.outbound import check\n", encoding="utf-8")
    code = textwrap.dedent('''
        import json
        from fakefw import media
        out = []
        for url in ("http://127.0.0.1:4321/media/a.png", "http://127.0.0.1:9999/x", "https://api.example.test/f",
                    "https://public.example.org/"):
            try:
                out.append(media.check(url))
            except ValueError as exc:
                out.append("refused")
        print(json.dumps(out))
    ''')
    plan = EgressPlan.build(tmp_path / "egress", {HOST: 4321}, label="fakefw")
    base = {**_base_env(), "PYTHONPATH": str(fake)}
    untouched = subprocess.run([sys.executable, "-c", code], env={**base, **plan.env(base)}, capture_output=True, text=True, timeout=60)
    assert json.loads(untouched.stdout) == ["refused", "refused", "refused", "https://public.example.org/"], untouched.stderr
    assert not [e for e in plan.read_log() if e["kind"].startswith("guard")]

    plan.lift_guard("fakefw.outbound", "check", ["127.0.0.1:4321", HOST], reason="test")
    lifted = subprocess.run([sys.executable, "-c", code], env={**base, **plan.env(base)}, capture_output=True, text=True, timeout=60)
    assert json.loads(lifted.stdout) == ["http://127.0.0.1:4321/media/a.png", "refused", "https://api.example.test/f",
                                         "https://public.example.org/"], lifted.stderr
    messages = [f["message"] for f in plan.findings()]
    assert "guard lifted: fakefw.outbound.check (allows 127.0.0.1:4321, api.example.test) in fakefw" in messages
    assert "guard lifted: fakefw.outbound.check let 127.0.0.1:4321 through in fakefw" in messages
    assert "guard lifted: fakefw.outbound.check let api.example.test through in fakefw" in messages


def test_langbot_outbound_guard_is_lifted_narrowly(tmp_path) -> None:
    env_dir = _langbot_env()
    if env_dir is None:
        pytest.skip("LangBot 4.11.2's environment is not cached")
    code = textwrap.dedent('''
        import json
        from langbot.libs.slack_api import media   # binds assert_safe_outbound_url at import
        out = []
        for url in ("http://127.0.0.1:4321/media/a.png", "http://127.0.0.1:9999/x", "https://api.example.test/f"):
            try:
                out.append(media.assert_safe_outbound_url(url))
            except ValueError as exc:
                out.append(type(exc).__name__)
        print(json.dumps(out))
    ''')
    before = _venv_fingerprint(env_dir)
    plan = EgressPlan.build(tmp_path / "egress", {HOST: 4321}, label="langbot").lift_langbot_outbound_guard(["127.0.0.1:4321"])
    proc = subprocess.run([str(env_dir / "bin" / "python"), "-c", code], env={**_base_env(), **plan.env(_base_env())},
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert json.loads(proc.stdout) == ["http://127.0.0.1:4321/media/a.png", "UnsafeOutboundUrlError",
                                       "https://api.example.test/f"], proc.stderr
    messages = [f["message"] for f in plan.findings()]
    assert ("guard lifted: langbot.pkg.utils.outbound_url.assert_safe_outbound_url (allows 127.0.0.1:4321, "
            "api.example.test) in langbot") in messages
    assert _venv_fingerprint(env_dir) == before


def test_stack_hands_the_plan_to_its_processes(tmp_path) -> None:
    from harness.stacks.base import Stack

    class Dummy(Stack):
        framework = "dummy"

        async def start(self): ...
        async def stop(self): ...
        async def create_bot(self, *a, **k): ...
        async def bot_logs(self, bot_id): ...
        async def collect_logs(self, dest=None): ...

    stack = Dummy(tmp_path)
    assert stack.with_run_env({"PATH": "/bin"}) == {"PATH": "/bin"}
    stack.process_extra_env = {"X": "1"}
    stack.egress = EgressPlan.build(tmp_path / "egress", {HOST: 4321})
    env = stack.with_run_env({"PATH": "/bin", "PYTHONPATH": "/somewhere"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(HOOK_DIR), "/somewhere"])
    assert json.loads(env[PLAN_ENV])["hosts"] == {HOST: {"port": 4321, "tls": False, "address": "127.0.0.1"}}
    assert env["X"] == "1" and (tmp_path / "egress" / "plan.json").exists()

    proc = ManagedProcess("p", [sys.executable, "-c", "import os; print(os.environ['Y'], os.environ['Z'])"],
                          cwd=tmp_path, env={**_base_env(), "Y": "base", "Z": "z"}, log_path=tmp_path / "p.log",
                          extra_env={"Y": "extra"})
    proc.start()
    proc.proc.wait(timeout=30)
    proc.stop(1)
    assert proc.log_path.read_text().split() == ["extra", "z"]


def test_stacks_take_an_egress_plan(tmp_path) -> None:
    from harness.stacks.astrbot import AstrBotStack
    from harness.stacks.langbot import LangBotStack

    plan = EgressPlan.build(tmp_path / "egress", {HOST: 4321})
    for cls in (LangBotStack, AstrBotStack):
        stack = cls(workdir=tmp_path / cls.__name__, egress=plan, progress=None)
        stack.env_dir = tmp_path / "venv"
        stack.port = 1
        env = stack._process_env()
        assert env["PYTHONPATH"].split(os.pathsep)[0] == str(HOOK_DIR) and PLAN_ENV in env, cls
        bare = cls(workdir=tmp_path / (cls.__name__ + "-bare"), progress=None)
        bare.env_dir, bare.port = tmp_path / "venv", 1
        assert PLAN_ENV not in bare._process_env() and "PYTHONPATH" not in bare._process_env(), cls


def test_findings_read_a_torn_log_and_deduplicate(tmp_path) -> None:
    log = tmp_path / "egress.jsonl"
    entry = {"kind": "redirect", "host": HOST, "address": "127.0.0.1", "port": 5, "tls": False, "pid": 1, "time": 1.0}
    log.write_text(json.dumps(entry) + "\n" + json.dumps({**entry, "pid": 2}) + "\n{torn", encoding="utf-8")
    assert [f["message"] for f in findings(log, "astrbot")] == [f"egress redirect: {HOST} -> 127.0.0.1:5 (plain) in astrbot"]
    assert findings(tmp_path / "missing.jsonl") == []


def test_tls_files_are_in_the_run_folder(tls) -> None:
    assert tls.ca_file.exists() and tls.cert_file.exists() and tls.key_file.exists()
    assert tls.ca_file.read_bytes() in tls.ca_bundle.read_bytes()
    assert tls.ca_bundle.stat().st_size > tls.ca_file.stat().st_size  # the machine's roots are kept
    assert tls.client_context().check_hostname
