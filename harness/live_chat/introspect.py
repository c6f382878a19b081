"""What the installed AstrBot release's code says about its live chat WebSocket (static, with ``ast``).

The suite's verdicts come first from what the running release did; the code facts explain and
complete them (a frame the handler can send but never sent in the run, a client frame the handler
has no branch for). Nothing is imported from the release: its sources are parsed from the cached
environment, so this works for any installed version.

Facts gathered from the dashboard modules that mention live / unified chat:

* ``routes``: WebSocket route registrations (Quart ``app.websocket("/path")`` calls, FastAPI
  ``@router.websocket("/path")`` decorators with the router's ``prefix`` when it is set there);
* ``accepted``: client frame types the handler compares the ``t`` field with (``ct`` likewise);
* ``emitted``: server frames, i.e. dict literals with a constant ``t``/``type`` passed to a send call;
* ``closes``: ``close(<code>, <reason>)`` calls with constant arguments;
* ``query_params``: query parameters the handler reads (``websocket.args.get("token")``...);
* ``forwards``: places where the handler forwards webchat queue payloads as chat frames
  (``{"ct": "chat", **result}``). Then the payload types the webchat platform puts on its queues
  (``core/platform/sources/webchat``) count as chat frames the handler can send (``forwarded``).
"""

from __future__ import annotations

import ast
import glob
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MARKERS = ("live_chat", "live-chat", "unified_chat", "unified-chat", "/live/ws")


@dataclass
class CodeRef:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class Route:
    path: str
    handler: str
    ref: CodeRef
    prefix_known: bool = True  # False: a FastAPI router without a prefix in its module (mounted elsewhere)


@dataclass
class EmittedFrame:
    t: str
    key: str  # "t" or "type"
    fields: list[str]
    ref: CodeRef
    chat_envelope: bool = False  # the literal carries "ct"
    forwarded: bool = False  # a webchat queue payload, sent on by a forwarding handler


@dataclass
class CodeFacts:
    package_dir: str
    version: str | None = None
    files: list[str] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    accepted: dict[str, list[CodeRef]] = field(default_factory=dict)
    accepted_ct: dict[str, list[CodeRef]] = field(default_factory=dict)
    reads_ct: list[CodeRef] = field(default_factory=list)
    emitted: list[EmittedFrame] = field(default_factory=list)
    closes: list[dict[str, Any]] = field(default_factory=list)
    query_params: dict[str, list[CodeRef]] = field(default_factory=dict)
    forwards: list[CodeRef] = field(default_factory=list)

    # ---- questions the verdicts ask ----

    def emitted_types(self, *, chat: bool | None = None) -> set[str]:
        return {e.t for e in self.emitted if chat is None or e.chat_envelope == chat}

    def emits(self, t: str, *, chat: bool | None = None) -> list[EmittedFrame]:
        return [e for e in self.emitted if e.t == t and (chat is None or e.chat_envelope == chat)]

    def route_for(self, path: str) -> Route | None:
        """The registered route serving ``path`` (exact, or the path ends with an unprefixed route's path)."""
        for r in self.routes:
            if r.path == path or (not r.prefix_known and path.endswith(r.path)):
                return r
        return None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["accepted"] = {k: [str(r) for r in v] for k, v in self.accepted.items()}
        d["accepted_ct"] = {k: [str(r) for r in v] for k, v in self.accepted_ct.items()}
        d["reads_ct"] = [str(r) for r in self.reads_ct]
        d["query_params"] = {k: [str(r) for r in v] for k, v in self.query_params.items()}
        d["routes"] = [{"path": r.path, "handler": r.handler, "ref": str(r.ref), "prefix_known": r.prefix_known}
                       for r in self.routes]
        d["emitted"] = [{"t": e.t, "key": e.key, "fields": e.fields, "ref": str(e.ref), "chat_envelope": e.chat_envelope,
                         "forwarded": e.forwarded} for e in self.emitted]
        d["forwards"] = [str(r) for r in self.forwards]
        return d


def package_dir(env_dir: Path, package: str = "astrbot") -> Path | None:
    """``<env>/lib/pythonX.Y/site-packages/<package>`` of a virtual environment, if present."""
    hits = sorted(glob.glob(str(Path(env_dir) / "lib" / "python*" / "site-packages" / package)))
    return Path(hits[-1]) if hits else None


def installed_version(pkg_dir: Path, dist: str = "astrbot") -> str | None:
    for meta in sorted(pkg_dir.parent.glob(f"{dist}-*.dist-info/METADATA")):
        for line in meta.read_text("utf-8", "replace").splitlines():
            if line.startswith("Version:"):
                return line.split(":", 1)[1].strip()
    return None


def _const_str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _callee_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    if isinstance(f, ast.Name):
        return f.id
    return ""


def _is_get_of(node: ast.AST, key: str) -> bool:
    """``<anything>.get("<key>")`` (optionally with a default)."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get"
            and bool(node.args) and _const_str(node.args[0]) == key)


def _str_values(node: ast.AST) -> list[str]:
    if (s := _const_str(node)) is not None:
        return [s]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [v for el in node.elts if (v := _const_str(el)) is not None]
    return []


class _Scanner(ast.NodeVisitor):
    def __init__(self, facts: CodeFacts, rel: str, tree: ast.Module) -> None:
        self.facts, self.rel = facts, rel
        self.router_prefix: dict[str, str] = {}
        self.t_vars: set[str] = set()
        self.ct_vars: set[str] = set()
        # first pass: router prefixes and variables that hold message.get("t") / .get("ct")
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
                if isinstance(value, ast.Call) and _callee_name(value) == "APIRouter":
                    prefix = next((_const_str(k.value) for k in value.keywords if k.arg == "prefix"), None)
                    if prefix is not None:
                        self.router_prefix[name] = prefix
                if _is_get_of(value, "t"):
                    self.t_vars.add(name)
                if isinstance(value, ast.BoolOp) and any(_is_get_of(v, "ct") for v in value.values) or _is_get_of(value, "ct"):
                    self.ct_vars.add(name)

    def ref(self, node: ast.AST) -> CodeRef:
        return CodeRef(self.rel, getattr(node, "lineno", 0))

    def _route(self, call: ast.Call, handler: str) -> None:
        path = _const_str(call.args[0]) if call.args else None
        if path is None:
            return
        owner = call.func.value if isinstance(call.func, ast.Attribute) else None
        prefix, known = "", True
        if isinstance(owner, ast.Name) and owner.id in self.router_prefix:
            prefix = self.router_prefix[owner.id]
        elif isinstance(owner, ast.Name) and owner.id not in ("app",):
            known = False  # FastAPI router without a local prefix: mounted under some prefix elsewhere
        self.facts.routes.append(Route(prefix + path, handler, self.ref(call), known))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and _callee_name(dec) == "websocket":
                self._route(dec, node.name)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        name = _callee_name(node)
        # Quart: self.app.websocket("/path")(handler)
        if name == "websocket" and node.args and _const_str(node.args[0]) and isinstance(node.func, ast.Attribute) \
                and isinstance(node.func.value, ast.Attribute):
            self._route(node, "?")
        if "send" in name:
            for arg in [*node.args, *[k.value for k in node.keywords]]:
                if isinstance(arg, ast.Dict):
                    self._emitted(arg)
        if name == "close" and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, int):
            reason = _const_str(node.args[1]) if len(node.args) > 1 else None
            self.facts.closes.append({"code": node.args[0].value, "reason": reason, "ref": str(self.ref(node))})
        if name == "get" and isinstance(node.func, ast.Attribute) and node.args and _const_str(node.args[0]):
            holder = node.func.value
            holder_name = holder.attr if isinstance(holder, ast.Attribute) else holder.id if isinstance(holder, ast.Name) else ""
            if holder_name in ("args", "query_params"):
                self.facts.query_params.setdefault(_const_str(node.args[0]), []).append(self.ref(node))  # type: ignore[arg-type]
        if _is_get_of(node, "ct"):
            self.facts.reads_ct.append(self.ref(node))
        self.generic_visit(node)

    def visit_Dict(self, node: ast.Dict) -> None:  # noqa: N802
        keys = [_const_str(k) if k is not None else None for k in node.keys]
        if "ct" in keys and None in node.keys:  # {"ct": "chat", **payload}
            self.facts.forwards.append(self.ref(node))
        self.generic_visit(node)

    def _emitted(self, d: ast.Dict) -> None:
        keys = [_const_str(k) if k is not None else None for k in d.keys]
        for key in ("t", "type"):
            if key in keys:
                value = _const_str(d.values[keys.index(key)])
                if value is not None:
                    self.facts.emitted.append(EmittedFrame(value, key, [k for k in keys if k], self.ref(d), "ct" in keys))
                return

    def visit_Compare(self, node: ast.Compare) -> None:  # noqa: N802
        sides = [node.left, *node.comparators]
        is_t = any(_is_get_of(s, "t") or (isinstance(s, ast.Name) and s.id in self.t_vars) for s in sides)
        is_ct = any(_is_get_of(s, "ct") or (isinstance(s, ast.Name) and s.id in self.ct_vars) for s in sides)
        if (is_t or is_ct) and all(isinstance(op, (ast.Eq, ast.In)) for op in node.ops):
            target = self.facts.accepted if is_t else self.facts.accepted_ct
            for s in sides:
                for value in _str_values(s):
                    target.setdefault(value, []).append(self.ref(node))
        self.generic_visit(node)


def scan(pkg_dir: Path) -> CodeFacts:
    """Scan the dashboard sources of an installed AstrBot package."""
    pkg_dir = Path(pkg_dir)
    facts = CodeFacts(str(pkg_dir), installed_version(pkg_dir))
    root = pkg_dir / "dashboard"
    for path in sorted(root.rglob("*.py")) if root.is_dir() else []:
        text = path.read_text("utf-8", "replace")
        if not any(m in text for m in MARKERS) and "LiveChat" not in text:
            continue
        rel = str(path.relative_to(pkg_dir.parent))
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue
        facts.files.append(rel)
        _Scanner(facts, rel, tree).visit(tree)
    if facts.forwards:
        _forwarded_payloads(facts, pkg_dir)
    return facts


def _forwarded_payloads(facts: CodeFacts, pkg_dir: Path) -> None:
    """Payload types the webchat platform puts on its back queues (``queue.put({"type": ...})``)."""
    root = pkg_dir / "core" / "platform" / "sources" / "webchat"
    for path in sorted(root.glob("*.py")) if root.is_dir() else []:
        rel = str(path.relative_to(pkg_dir.parent))
        try:
            tree = ast.parse(path.read_text("utf-8", "replace"))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _callee_name(node).startswith("put"):
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        keys = [_const_str(k) if k is not None else None for k in arg.keys]
                        if "type" in keys and (t := _const_str(arg.values[keys.index("type")])) is not None:
                            facts.emitted.append(EmittedFrame(t, "type", ["ct", *[k for k in keys if k]],
                                                              CodeRef(rel, arg.lineno), True, True))
