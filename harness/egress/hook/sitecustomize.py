"""The harness's start-up hook for a framework process: egress redirects to the simulators.

The stack puts this folder first on the framework process's ``PYTHONPATH``; Python's ``site`` imports
it as ``sitecustomize`` at start-up, before any of the framework's code runs. Nothing is written into
the framework's environment and nothing of the installed release is edited.

* Without ``ACCEPTANCE_EGRESS_PLAN`` in the environment it does nothing at all, except run the
  ``sitecustomize`` it shadows (the next one on ``sys.path``, e.g. Debian's), so the process behaves
  exactly as without it.
* With the variable (inline JSON, or the path of a JSON file) it applies the plan:

  ``{"hosts": {"api.example.test": {"port": 45123, "tls": true}}, "ca_file": ".../ca.pem",
  "ca_bundle": ".../ca-bundle.pem", "state_dir": "...", "log": ".../egress.jsonl", "label": "langbot",
  "guards": [{"module": "langbot.pkg.utils.outbound_url", "function": "assert_safe_outbound_url",
  "allow": ["127.0.0.1:45123", "api.example.test"], "on_allow": "return_first_arg"}]}``

  - resolver: ``socket.getaddrinfo`` / ``gethostbyname`` / ``gethostbyname_ex`` answer 127.0.0.1 and
    the mapped port for the exact mapped names (any requested port); every other name goes to the real
    resolver untouched. Clients keep the original host name for SNI and certificate checks. aiohttp's
    aiodns resolver, when aiodns is installed, is sent through the threaded resolver for mapped names.
  - trust: ``ssl.SSLContext.load_default_certs`` and ``ssl.create_default_context`` (also with a
    ``cafile``) load the harness CA in addition; ``certifi.where()`` answers a bundle (certifi's own +
    the CA) written into the run's folder; ``SSL_CERT_FILE``, ``REQUESTS_CA_BUNDLE`` and
    ``NODE_EXTRA_CA_CERTS`` are set for this process's children.
  - guards: each listed guard function is replaced, as its module finishes importing (so modules that
    bind the name at import get the replacement), by one that lets exactly the allowed destinations
    through and calls the original for everything else.

  Each host's first redirect and each guard's installation and first lift are appended to ``log`` as
  one JSON line (``kind``, ``host``/``guard``, ``port``, ``pid``, ``time``).

Standard library only: this runs inside any framework's interpreter.
"""

import os
import sys

PLAN_ENV = "ACCEPTANCE_EGRESS_PLAN"
_HERE = os.path.dirname(os.path.abspath(__file__))


def _chain_shadowed() -> None:
    """Run the ``sitecustomize`` this file shadows, if there is one (as ``site`` would have)."""
    import importlib.machinery
    import importlib.util

    def _is_here(entry: str) -> bool:
        try:
            return os.path.samefile(entry or os.getcwd(), _HERE)
        except OSError:
            return False

    path = [p for p in sys.path if not _is_here(p)]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", path)
    if spec is None or spec.loader is None:
        return
    if spec.origin and os.path.abspath(spec.origin) == os.path.abspath(__file__):
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["_acceptance_shadowed_sitecustomize"] = module
    spec.loader.exec_module(module)


def _apply(raw: str) -> None:
    import json
    import socket
    import ssl
    import threading
    import time

    raw = raw.strip()
    if not raw.startswith("{"):
        with open(raw, encoding="utf-8") as fh:
            raw = fh.read()
    plan = json.loads(raw)
    if not isinstance(plan, dict):
        raise ValueError("the plan is not a JSON object")

    log_path = plan.get("log") or ""
    label = str(plan.get("label") or "")
    lock = threading.Lock()
    noted: set = set()

    def log(entry: dict, key=None) -> None:
        if key is not None:
            with lock:
                if key in noted:
                    return
                noted.add(key)
        if not log_path:
            return
        entry = {**entry, "pid": os.getpid(), "time": time.time(), "label": label}
        line = (json.dumps(entry, sort_keys=True) + "\n").encode("utf-8")
        try:
            fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)  # one write of one line: appends from many processes stay whole
            finally:
                os.close(fd)
        except OSError as exc:  # never break the framework because the log is unwritable
            sys.stderr.write(f"acceptance egress hook: cannot write {log_path}: {exc}\n")

    # ------------------------------------------------------------------ resolver
    def norm(host):
        if isinstance(host, (bytes, bytearray)):
            try:
                host = bytes(host).decode("idna")
            except UnicodeError:
                return None
        if not isinstance(host, str):
            return None
        return host.lower().rstrip(".")

    # Each mapped name resolves to its own loopback alias (127.77.0.N: all of 127/8 is loopback), and a
    # connect to an alias, whatever port the client then uses, goes to the simulator's address and port.
    # Both are needed: some clients connect to the resolved address with the port of the URL, not the
    # resolved one (anyio, hence httpx's async client, does).
    alias_prefix = str(plan.get("alias_prefix") or "127.77.0.")
    hosts: dict = {}
    aliases: dict = {}
    for index, (name, target) in enumerate(sorted((plan.get("hosts") or {}).items())):
        if isinstance(target, int):
            target = {"port": target}
        entry = {"address": str(target.get("address") or "127.0.0.1"), "port": int(target["port"]),
                 "tls": bool(target.get("tls", False)), "alias": f"{alias_prefix}{index + 1}", "host": norm(name)}
        hosts[norm(name)] = entry
        aliases[entry["alias"]] = entry

    def target_of(host):
        return hosts.get(norm(host)) if host else None

    def note_redirect(host, target, requested) -> None:
        name = norm(host)
        log({"kind": "redirect", "host": name, "address": target["address"], "port": target["port"],
             "alias": target["alias"], "tls": target["tls"],
             "requested_port": requested if isinstance(requested, (int, str)) else None},
            key=("redirect", name))

    real_getaddrinfo = socket.getaddrinfo
    real_gethostbyname = socket.gethostbyname
    real_gethostbyname_ex = socket.gethostbyname_ex

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        target = target_of(host)
        if target is None:
            return real_getaddrinfo(host, port, family, type, proto, flags)
        note_redirect(host, target, port)
        flags = (flags & ~getattr(socket, "AI_ADDRCONFIG", 0) & ~getattr(socket, "AI_CANONNAME", 0)) \
            | socket.AI_NUMERICHOST | getattr(socket, "AI_NUMERICSERV", 0)
        return real_getaddrinfo(target["alias"], target["port"], socket.AF_INET, type, proto, flags)

    def gethostbyname(host):
        target = target_of(host)
        if target is None:
            return real_gethostbyname(host)
        note_redirect(host, target, None)
        return target["alias"]

    def gethostbyname_ex(host):
        target = target_of(host)
        if target is None:
            return real_gethostbyname_ex(host)
        note_redirect(host, target, None)
        return (norm(host), [], [target["alias"]])

    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def rewrite(address):
        if isinstance(address, tuple) and len(address) >= 2:
            target = aliases.get(address[0])
            if target is not None:
                return (target["address"], target["port"])
        return address

    def connect(self, address):
        return real_connect(self, rewrite(address))

    def connect_ex(self, address):
        return real_connect_ex(self, rewrite(address))

    if hosts:
        getaddrinfo.__wrapped__ = real_getaddrinfo
        connect.__wrapped__ = real_connect
        connect_ex.__wrapped__ = real_connect_ex
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = gethostbyname_ex
        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex

    # ------------------------------------------------------------------ post-import patches
    after_import: dict = {}

    def when_imported(name: str, patch) -> None:
        module = sys.modules.get(name)
        if module is not None:
            patch(module)
        else:
            after_import.setdefault(name, []).append(patch)

    class _AfterImport:
        """Runs patches right after a module's own code ran (before anyone can bind its names)."""

        _busy: set = set()

        def find_spec(self, fullname, path=None, target=None):
            if fullname not in after_import or fullname in self._busy:
                return None
            self._busy.add(fullname)
            try:
                spec = None
                for finder in sys.meta_path:
                    if finder is self or not hasattr(finder, "find_spec"):
                        continue
                    spec = finder.find_spec(fullname, path, target)
                    if spec is not None:
                        break
            finally:
                self._busy.discard(fullname)
            if spec is None or spec.loader is None or isinstance(spec.loader, type) \
                    or not hasattr(spec.loader, "exec_module"):
                return spec  # class-level loaders (built-in, frozen) are shared: never patched
            loader = spec.loader
            original_exec = loader.exec_module

            def exec_module(module):
                original_exec(module)
                for patch in after_import.pop(fullname, []):
                    try:
                        patch(module)
                    except Exception as exc:  # a patch must not break the import
                        sys.stderr.write(f"acceptance egress hook: patching {fullname} failed: {exc!r}\n")
                        log({"kind": "error", "module": fullname, "error": repr(exc)})

            try:
                loader.exec_module = exec_module
            except (AttributeError, TypeError):
                return spec
            return spec

    # ------------------------------------------------------------------ trust
    ca_file = plan.get("ca_file") or ""
    if ca_file:
        server_auth = ssl.Purpose.SERVER_AUTH
        real_load_default_certs = ssl.SSLContext.load_default_certs
        real_create_default_context = ssl.create_default_context

        def load_default_certs(self, purpose=server_auth):
            real_load_default_certs(self, purpose)
            if purpose == server_auth:
                self.load_verify_locations(cafile=ca_file)

        def create_default_context(purpose=server_auth, *, cafile=None, capath=None, cadata=None):
            context = real_create_default_context(purpose, cafile=cafile, capath=capath, cadata=cadata)
            if purpose == server_auth and (cafile or capath or cadata) and context.verify_mode != ssl.CERT_NONE:
                context.load_verify_locations(cafile=ca_file)  # without them, load_default_certs did it
            return context

        ssl.SSLContext.load_default_certs = load_default_certs
        if ssl._create_default_https_context is real_create_default_context:
            ssl._create_default_https_context = create_default_context
        ssl.create_default_context = create_default_context

        bundle = plan.get("ca_bundle") or ca_file
        os.environ["SSL_CERT_FILE"] = bundle
        os.environ["REQUESTS_CA_BUNDLE"] = bundle
        os.environ["NODE_EXTRA_CA_CERTS"] = ca_file
        state_dir = plan.get("state_dir") or os.path.dirname(os.path.abspath(bundle))

        def patch_certifi(module) -> None:
            real_where = getattr(module, "where", None)
            if real_where is None:
                return
            answer = bundle
            try:
                original = real_where()
                import hashlib

                name = "certifi-" + hashlib.sha256(os.path.abspath(original).encode()).hexdigest()[:12] + ".pem"
                combined = os.path.join(state_dir, name)
                if not os.path.exists(combined):
                    with open(original, "rb") as fh:
                        data = fh.read()
                    with open(ca_file, "rb") as fh:
                        data = data.rstrip(b"\n") + b"\n" + fh.read()
                    tmp = f"{combined}.{os.getpid()}.tmp"
                    with open(tmp, "wb") as fh:
                        fh.write(data)
                    os.replace(tmp, combined)
                answer = combined
            except OSError as exc:
                sys.stderr.write(f"acceptance egress hook: certifi bundle falls back to {bundle}: {exc}\n")

            def where() -> str:
                return answer

            module.where = where
            core = sys.modules.get(module.__name__ + ".core")
            if core is not None and hasattr(core, "where"):
                core.where = where

        when_imported("certifi", patch_certifi)

    # aiohttp with aiodns installed resolves through c-ares, not socket.getaddrinfo.
    def patch_aiohttp_resolver(module) -> None:
        async_resolver = getattr(module, "AsyncResolver", None)
        threaded = getattr(module, "ThreadedResolver", None)
        if async_resolver is None or threaded is None:
            return
        real_resolve = async_resolver.resolve

        async def resolve(self, host, port=0, family=socket.AF_INET):
            if target_of(host) is not None:
                return await threaded().resolve(host, port, family)
            return await real_resolve(self, host, port, family)

        async_resolver.resolve = resolve

    if hosts:
        when_imported("aiohttp.resolver", patch_aiohttp_resolver)

    # ------------------------------------------------------------------ guards
    def allowed_destination(url, allow) -> bool:
        import urllib.parse

        try:
            parts = urllib.parse.urlsplit(str(url))
            host = norm(parts.hostname or "")
            port = parts.port
        except ValueError:
            return False
        if not host:
            return False
        for item in allow:
            item = str(item).lower()
            if ":" in item and not item.startswith("["):
                a_host, _, a_port = item.rpartition(":")
                if host == a_host and port is not None and str(port) == a_port:
                    return True
            elif host == norm(item):
                return True
        return False

    def make_guard_patch(guard: dict):
        module_name, function = guard["module"], guard["function"]
        allow = list(guard.get("allow") or [])
        on_allow = guard.get("on_allow") or "return_first_arg"
        key = f"{module_name}.{function}"

        def patch(module) -> None:
            original = getattr(module, function)
            if getattr(original, "_acceptance_lifted", False):
                return

            def lifted(*args, **kwargs):
                url = args[0] if args else next(iter(kwargs.values()), None)
                if allowed_destination(url, allow):
                    import urllib.parse

                    parts = urllib.parse.urlsplit(str(url))
                    log({"kind": "guard_used", "guard": key, "host": norm(parts.hostname or ""), "port": parts.port},
                        key=("guard_used", key, parts.hostname, parts.port))
                    return None if on_allow == "return_none" else url
                return original(*args, **kwargs)

            lifted.__wrapped__ = original
            lifted.__name__ = getattr(original, "__name__", function)
            lifted.__doc__ = getattr(original, "__doc__", None)
            lifted._acceptance_lifted = True
            setattr(module, function, lifted)
            log({"kind": "guard", "guard": key, "allow": allow}, key=("guard", key))

        return module_name, patch

    for guard in plan.get("guards") or []:
        name, patch = make_guard_patch(guard)
        when_imported(name, patch)

    if after_import:
        sys.meta_path.insert(0, _AfterImport())
    argv = getattr(sys, "argv", None) or [""]
    log({"kind": "start", "argv0": argv[0], "hosts": sorted(hosts), "guards": [g.get("function") for g in plan.get("guards") or []]})


def _main() -> None:
    raw = os.environ.get(PLAN_ENV)
    if raw:
        try:
            _apply(raw)
        except Exception as exc:  # loud in the process's log; the run's findings then lack the redirects
            sys.stderr.write(f"acceptance egress hook: the plan in {PLAN_ENV} was not applied: {exc!r}\n")
    _chain_shadowed()


_main()
