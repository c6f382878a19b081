"""The capability catalogue: what the checklist asks to prove, as data with stable ids."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Iterable

import yaml

from harness.components import default_registry

if TYPE_CHECKING:  # pragma: no cover
    from harness.components import Registry
    from harness.manifest.model import Manifest

KINDS = ("event", "api", "platform_api", "receive", "send", "compat")
#: Kinds whose capabilities are proven by something arriving at the plugin.
INBOUND_KINDS = frozenset({"event", "receive"})
#: Kinds whose capabilities are proven by something the plugin sends arriving at the platform.
OUTBOUND_KINDS = frozenset({"api", "platform_api", "send"})

KIND_TITLES = {
    "event": "Events",
    "api": "Common APIs",
    "platform_api": "Platform-specific APIs",
    "receive": "Receive components",
    "send": "Send components",
    "compat": "Compatibility checks",
}


def cap_id(kind: str, name: str) -> str:
    """The stable id of a capability, e.g. ``cap_id("event", "message.received")``."""
    if kind not in KINDS:
        raise ValueError(f"unknown capability kind {kind!r}; expected one of {', '.join(KINDS)}")
    return f"{kind}:{name}"


def split_id(capability_id: str) -> tuple[str, str]:
    kind, sep, name = capability_id.partition(":")
    if not sep or kind not in KINDS or not name:
        raise ValueError(
            f"malformed capability id {capability_id!r}; expected '<kind>:<name>' with kind in {', '.join(KINDS)}"
        )
    return kind, name


@dataclass(frozen=True)
class Capability:
    kind: str
    name: str
    declared: bool
    assertion: str = ""
    destructive: bool = False
    last: bool = False

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.name}"


@dataclass(frozen=True)
class Catalogue:
    events: dict[str, dict]
    apis: dict[str, dict]
    receive: dict[str, dict]
    send: dict[str, dict]
    compat: dict[str, dict]
    common_event_namespaces: frozenset[str] = field(default_factory=frozenset)

    def is_known_event(self, name: str) -> bool:
        """A common event listed in the catalogue, or an adapter-specific ``<prefix>.<name>`` type."""
        if name in self.events:
            return True
        prefix, dot, rest = name.partition(".")
        return bool(dot and rest and prefix and prefix not in self.common_event_namespaces)

    def is_known_api(self, name: str) -> bool:
        return name in self.apis

    def info(self, kind: str, name: str) -> dict:
        table = {"event": self.events, "api": self.apis, "receive": self.receive,
                 "send": self.send, "compat": self.compat}.get(kind, {})
        return table.get(name, {})

    def for_manifest(self, manifest: "Manifest") -> list[Capability]:
        """Every capability in scope for one adapter, declared ones first within each kind.

        Events, APIs and platform actions are in scope when the manifest declares them. Components
        and compatibility checks are required of every adapter by the checklist, so they are always
        in scope (``declared=True``); a platform that cannot carry a component proves that with a
        ``not-supported`` record, never by omission. A declaration's document claims
        (``Manifest.claims``) are compatibility checks of that adapter alone.
        """
        caps: list[Capability] = []
        for name in manifest.events:
            caps.append(self._cap("event", name, True))
        for name in manifest.apis:
            caps.append(self._cap("api", name, True))
        for name in manifest.platform_actions:
            caps.append(Capability("platform_api", name, True, manifest.platform_action_descriptions.get(name, "")))
        for kind in ("receive", "send", "compat"):
            for name in getattr(self, kind):
                caps.append(self._cap(kind, name, True))
        # the declaration's own document claims (structure and the like), checked by the platform during the run
        for name, assertion in (getattr(manifest, "claims", None) or {}).items():
            if name not in self.compat:
                caps.append(Capability("compat", name, True, assertion))
        return caps

    def _cap(self, kind: str, name: str, declared: bool) -> Capability:
        info = self.info(kind, name)
        return Capability(kind, name, declared, info.get("assertion", ""),
                          bool(info.get("destructive")), bool(info.get("last")))

    def capability(self, capability_id: str, *, declared: bool = False) -> Capability:
        kind, name = split_id(capability_id)
        return self._cap(kind, name, declared)


def component_capabilities(kind: str, registry: "Registry", listed: dict[str, dict]) -> dict[str, dict]:
    """``receive``/``send`` capabilities: one per registry type marked so, then what the catalogue lists
    itself (``mixed``), in that order."""
    out = {name: {"assertion": registry[name].assertions.get(kind, "")}
           for name in (registry.receive if kind == "receive" else registry.send)}
    for name, info in listed.items():
        out[name] = {**out.get(name, {}), **info}
    return out


def build_catalogue(data: dict, registry: "Registry | None" = None) -> Catalogue:
    """The catalogue from its data and the component registry (``harness/data/components.yaml``)."""
    registry = registry or default_registry()
    listed = data.get("components") or {}
    return Catalogue(
        events=data["events"],
        apis=data["apis"],
        receive=component_capabilities("receive", registry, listed.get("receive") or {}),
        send=component_capabilities("send", registry, listed.get("send") or {}),
        compat=data["compat"],
        common_event_namespaces=frozenset(data["common_event_namespaces"]),
    )


@lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    text = resources.files("harness.data").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    return build_catalogue(yaml.safe_load(text))


def sort_capabilities(caps: Iterable[Capability]) -> list[Capability]:
    order = {k: i for i, k in enumerate(KINDS)}
    return sorted(caps, key=lambda c: (order[c.kind], not c.declared))
