"""The manifest model: what one adapter declares."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ManifestProblem:
    """A non-fatal finding about a manifest: unknown name, duplicate, contradictory listing."""

    path: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: field '{self.field}': {self.message}"


@dataclass
class Manifest:
    name: str
    path: str
    events: list[str]
    required_apis: list[str]
    optional_apis: list[str]
    platform_actions: list[str]
    platform_action_descriptions: dict[str, str] = field(default_factory=dict)
    config: list[dict] = field(default_factory=list)
    label: str = ""
    kind: str = "MessagePlatformAdapter"
    problems: list[ManifestProblem] = field(default_factory=list)
    #: Where the adapter code lives (the manifest's folder), for the drift gate's introspection.
    adapter_dir: str | None = None
    #: Declarations only (``spec.document_claims``): claims of the adapter's own document that are no event, API or
    #: component (e.g. its structure), each checked by the platform during the run: name -> assertion. They are
    #: capabilities ``compat:<name>`` of this adapter alone.
    claims: dict[str, str] = field(default_factory=dict)

    @property
    def apis(self) -> list[str]:
        seen: dict[str, None] = {}
        for name in [*self.required_apis, *self.optional_apis]:
            seen.setdefault(name, None)
        return list(seen)

    @property
    def config_secret_keys(self) -> list[str]:
        """Config fields that look like secrets; their values are redacted wherever they appear."""
        from harness.evidence.redact import is_secret_key

        return [c["name"] for c in self.config if is_secret_key(str(c.get("name", "")))]

    def counts(self) -> dict[str, int]:
        return {"events": len(self.events), "apis": len(self.apis), "platform_actions": len(self.platform_actions)}

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "kind": self.kind,
            "label": self.label,
            "events": self.events,
            "apis": {"required": self.required_apis, "optional": self.optional_apis},
            "platform_actions": self.platform_actions,
            "counts": self.counts(),
            "problems": [str(p) for p in self.problems],
        }
