"""A published HTTP contract, read from YAML, with errors that name the file and the field."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from harness.errors import InputError

TYPES = {"string", "int", "number", "bool", "array", "object"}


@dataclass(frozen=True)
class Route:
    id: str
    method: str
    path: str
    request: dict[str, str] = field(default_factory=dict)
    response: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"
    sse: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Contract:
    name: str
    title: str
    document: str
    adapter_types: tuple[str, ...]
    config: tuple[dict, ...]
    auth: dict
    routes: tuple[Route, ...]
    undocumented_candidates: tuple[tuple[str, str], ...]
    path: Path

    def route(self, rid: str) -> Route:
        return next(r for r in self.routes if r.id == rid)

    def config_default(self, key: str) -> Any:
        return next((c.get("default") for c in self.config if c["key"] == key), None)


def _need(data: dict, key: str, kind: type, path: Path, where: str = "") -> Any:
    if key not in data:
        raise InputError("missing", path=path, field=f"{where}{key}")
    if not isinstance(data[key], kind):
        raise InputError(f"must be a {kind.__name__}", path=path, field=f"{where}{key}")
    return data[key]


def _types(fields: Any, path: Path, where: str) -> dict[str, str]:
    if fields is None:
        return {}
    if not isinstance(fields, dict):
        raise InputError("must map field names to types", path=path, field=where)
    for name, kind in fields.items():
        if kind not in TYPES:
            raise InputError(f"unknown type {kind!r} (known: {', '.join(sorted(TYPES))})", path=path, field=f"{where}.{name}")
    return {str(k): str(v) for k, v in fields.items()}


def load_contract(path: str | Path) -> Contract:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the contract: {exc.strerror}", path=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"not valid YAML: {getattr(exc, 'problem', exc)}", path=path, line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise InputError("a contract must be a mapping", path=path)
    routes = []
    for i, r in enumerate(_need(data, "routes", list, path)):
        where = f"routes[{i}]."
        if not isinstance(r, dict):
            raise InputError("must be a mapping", path=path, field=where[:-1])
        method = str(_need(r, "method", str, path, where)).upper()
        sse = r.get("sse") or {}
        if not isinstance(sse, dict):
            raise InputError("must map SSE event names to their fields", path=path, field=where + "sse")
        routes.append(Route(str(_need(r, "id", str, path, where)), method, str(_need(r, "path", str, path, where)),
                            _types(r.get("request"), path, where + "request"), _types(r.get("response"), path, where + "response"),
                            str(r.get("content_type") or "application/json"),
                            {str(k): _types(v, path, f"{where}sse.{k}") for k, v in sse.items()}))
    config = []
    for i, c in enumerate(data.get("config") or []):
        if not isinstance(c, dict) or "key" not in c:
            raise InputError("each config entry needs a key", path=path, field=f"config[{i}]")
        config.append(dict(c))
    candidates = []
    for i, c in enumerate(data.get("undocumented_candidates") or []):
        if not (isinstance(c, list) and len(c) == 2):
            raise InputError("each candidate is [METHOD, path]", path=path, field=f"undocumented_candidates[{i}]")
        candidates.append((str(c[0]).upper(), str(c[1])))
    return Contract(str(_need(data, "name", str, path)), str(data.get("title") or data["name"]), str(data.get("document") or ""),
                    tuple(str(t) for t in data.get("adapter_types") or ()), tuple(config), dict(data.get("auth") or {}),
                    tuple(routes), tuple(candidates), path)


def contracts() -> list[Contract]:
    """Every contract the harness ships (``fixtures/contracts/*.yaml``)."""
    from acceptance_fixtures.contracts import contract_files

    return [load_contract(p) for p in contract_files()]


def contract_for(name_or_type: str) -> Contract | None:
    """The shipped contract named ``name_or_type``, or the one an adapter type serves."""
    for c in contracts():
        if c.name == name_or_type or name_or_type in c.adapter_types:
            return c
    return None
