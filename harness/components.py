"""The registry of message component types: one data file, read by every part that names a component.

``harness/data/components.yaml`` lists each component type (Source, Plain, At, ...) with its fields and
what each consumer needs of it: whether it is a common EBA component (the checker), whether it has
``receive:``/``send:`` capabilities (the catalogue), which fields identify it and which must match
(fidelity, the probes' id fields), how the web UI builds, composes and marks it in the DOM, and how the
DOM reader reads it back and checks it (``harness/ui/rendered.py``). See the file's header for the keys.

A platform adds its own kinds (a sticker, an embed, a card) with a file of the same shape, e.g.
``fixtures/platforms/<name>/components.yaml`` holding only ``components:``. It is merged by
:func:`load_registry` (``extra=[path or dict, ...]``): a new name adds a kind; a name the base already has
may only add fields that kind does not have yet (``fields:``) and nothing else. The default registry
(:func:`default_registry`) is the base plus every registered platform's ``components.yaml`` (found through
the ``adapter_acceptance.platforms`` entry points, without importing the platforms), unless
:func:`set_default_extensions` names other files (call it before the consumers are imported: the checker's
``COMMON_COMPONENTS`` and the catalogue are read once).

The probes run where the harness is not installed: the probe builds copy :func:`probe_json` into the
probe package as ``components.json`` (``harness/stacks/*_probe.py``).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from harness.errors import InputError

BASE_FILE = "components.yaml"
FIELD_TYPES = ("string", "id", "integer", "number", "boolean", "media", "chain", "nodes", "object")
MATCHES = ("exact", "may-differ")
VIEWS = ("text", "mention", "mention_all", "media", "file", "quote", "face", "forward", "unknown", "fields")
SUMMARIES = ("text", "mention", "mention_all", "label", "type")
INPUTS = ("text", "mention", "add", "upload", "face", "forward", "reply", "form")
WIDGETS = ("image", "audio", "file", "quote", "forward")
READERS = WIDGETS
CHECKS = ("image", "audio", "download", "quote", "forward")
COMPARE_MODES = ("exact", "string", "if-expected")
_NAME = r"^[A-Za-z][A-Za-z0-9_]*$"
_ATTR = r"^data-[a-z][a-z0-9-]*$"

_FIELD = {"type": "object", "additionalProperties": False, "required": ["type", "match"],
          "properties": {"type": {"enum": list(FIELD_TYPES)}, "match": {"enum": list(MATCHES)},
                         "description": {"type": "string"}}}
_COMPOSER = {"type": "object", "additionalProperties": False, "required": ["order", "input"], "properties": {
    "order": {"type": "integer"}, "input": {"enum": list(INPUTS)},
    "testid": {"type": "string", "pattern": r"^[a-z][a-z0-9-]*$"}, "button": {"type": "string"},
    "upload": {"enum": ["image", "voice", "file"]}, "accept": {"type": "string"}, "group_only": {"type": "boolean"},
    "fields": {"type": "array", "items": {"type": "object", "additionalProperties": False, "required": ["name"],
                                          "properties": {"name": {"type": "string", "pattern": _NAME},
                                                         "label": {"type": "string"}}}}}}
_DOM = {"type": "object", "additionalProperties": False, "properties": {
    "tag": {"type": "string", "pattern": r"^[a-z][a-z0-9]*$"}, "class": {"type": "string"},
    "attrs": {"type": "object", "propertyNames": {"pattern": _NAME}, "additionalProperties": {"type": "string", "pattern": _ATTR}},
    "content": {"type": "string", "pattern": _NAME}, "content_format": {"type": "string"},
    "title": {"type": "string", "pattern": _NAME},
    "widget": {"enum": list(WIDGETS)}, "text": {"type": "boolean"}, "reader": {"enum": list(READERS)},
    "check": {"enum": list(CHECKS)},
    "compare": {"type": "object", "propertyNames": {"pattern": _NAME}, "additionalProperties": {
        "type": "object", "additionalProperties": False, "required": ["mode"],
        "properties": {"mode": {"enum": list(COMPARE_MODES)}, "message": {"type": "string"}}}},
    "evidence": {"type": "array", "items": {"type": "string", "pattern": _NAME}}}}
_UI = {"type": "object", "additionalProperties": False, "required": ["view", "summary", "dom"], "properties": {
    "label": {"type": "string"}, "view": {"enum": list(VIEWS)}, "summary": {"enum": list(SUMMARIES)},
    "composer": _COMPOSER, "dom": _DOM}}
_TYPE = {"type": "object", "additionalProperties": False, "properties": {
    "common": {"type": "boolean"}, "envelope": {"type": "boolean"},
    "receive": {"type": "boolean"}, "send": {"type": "boolean"},
    "assertions": {"type": "object", "additionalProperties": False,
                   "properties": {"receive": {"type": "string"}, "send": {"type": "string"}}},
    "identity": {"type": "string", "pattern": _NAME},
    "fields": {"type": "object", "propertyNames": {"pattern": _NAME}, "additionalProperties": _FIELD},
    "ui": _UI}}

#: JSON Schema of a components file: the base file and a platform's extension have the same shape.
SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "message component registry",
    "type": "object", "additionalProperties": False, "required": ["components"],
    "properties": {"version": {"const": 1},
                   "components": {"type": "object", "propertyNames": {"pattern": _NAME}, "additionalProperties": _TYPE}},
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    match: str


@dataclass(frozen=True)
class ComponentType:
    name: str
    common: bool
    envelope: bool
    receive: bool
    send: bool
    identity: str | None
    fields: dict[str, FieldSpec]
    assertions: dict[str, str]
    ui: dict[str, Any] | None
    source: str

    @property
    def id_fields(self) -> tuple[str, ...]:
        """Fields holding ids: written as strings by the probes (platforms disagree on int vs str)."""
        return tuple(f.name for f in self.fields.values() if f.type == "id")

    @property
    def exact_fields(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.match == "exact")

    @property
    def may_differ(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields.values() if f.match == "may-differ")

    @property
    def dom(self) -> dict[str, Any]:
        return (self.ui or {}).get("dom") or {}

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"common": self.common, "envelope": self.envelope, "receive": self.receive,
                               "send": self.send, "identity": self.identity,
                               "fields": {n: {"type": f.type, "match": f.match} for n, f in self.fields.items()},
                               "id_fields": list(self.id_fields)}
        if self.ui is not None:
            out["ui"] = copy.deepcopy(self.ui)
        return out


@dataclass(frozen=True)
class Registry:
    types: dict[str, ComponentType]
    sources: tuple[str, ...] = field(default_factory=tuple)

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def __getitem__(self, name: str) -> ComponentType:
        return self.types[name]

    def get(self, name: Any) -> ComponentType | None:
        return self.types.get(name) if isinstance(name, str) else None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.types)

    @property
    def common(self) -> frozenset[str]:
        """The common EBA components: any other type in a message chain is platform-native."""
        return frozenset(n for n, t in self.types.items() if t.common)

    @property
    def envelope(self) -> frozenset[str]:
        """Message metadata carried as a component (Source): compared only when expected, never rendered."""
        return frozenset(n for n, t in self.types.items() if t.envelope)

    @property
    def receive(self) -> tuple[str, ...]:
        return tuple(n for n, t in self.types.items() if t.receive)

    @property
    def send(self) -> tuple[str, ...]:
        return tuple(n for n, t in self.types.items() if t.send)

    @property
    def composer(self) -> tuple[str, ...]:
        """Types a chat client's composer can build, in toolbar order."""
        entries = [(t.ui["composer"]["order"], i, n) for i, (n, t) in enumerate(self.types.items())
                   if t.ui and t.ui.get("composer")]
        return tuple(n for _, _, n in sorted(entries))

    @property
    def rendered(self) -> tuple[str, ...]:
        """Types the web UI renders by their own rule (anything else shows as Unknown)."""
        return tuple(n for n, t in self.types.items() if t.ui)

    def to_json(self) -> dict[str, Any]:
        """The whole registry as plain data (for the web UI and the probes)."""
        return {"version": 1, "sources": list(self.sources), "order": list(self.types),
                "components": {n: t.to_dict() for n, t in self.types.items()}}


def _validate(data: Any, source: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        path = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise InputError(err.message, path=source, field=path)


def _read(item: str | Path | Mapping[str, Any]) -> tuple[dict, str]:
    if isinstance(item, Mapping):
        return copy.deepcopy(dict(item)), "<dict>"
    path = Path(item)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read the component registry: {exc.strerror or exc}", path=path) from None
    except yaml.YAMLError as exc:
        raise InputError(f"not valid YAML: {exc}", path=path) from None
    return data, str(path)


def _type_of(name: str, raw: dict, source: str) -> ComponentType:
    fields = {n: FieldSpec(n, f["type"], f["match"]) for n, f in (raw.get("fields") or {}).items()}
    identity = raw.get("identity")
    if identity is not None and identity not in fields:
        raise InputError(f"identity {identity!r} is not one of its fields ({', '.join(fields) or 'none'})",
                         path=source, field=f"components.{name}.identity")
    ui = raw.get("ui")
    if ui is not None:
        dom = ui.get("dom") or {}
        if not dom.get("widget") and not dom.get("tag"):
            raise InputError("a rendered kind needs dom.tag (or one of the widgets " + ", ".join(WIDGETS) + ")",
                             path=source, field=f"components.{name}.ui.dom")
        comp = ui.get("composer") or {}
        if comp.get("input") == "form" and not comp.get("fields"):
            raise InputError("a form composer entry lists its input fields", path=source,
                             field=f"components.{name}.ui.composer.fields")
        for f in comp.get("fields") or []:
            if f["name"] not in fields:
                raise InputError(f"composer field {f['name']!r} is not one of its fields", path=source,
                                 field=f"components.{name}.ui.composer.fields")
        if comp.get("input") == "upload" and not comp.get("upload"):
            raise InputError("an upload composer entry says what it uploads (image|voice|file)", path=source,
                             field=f"components.{name}.ui.composer.upload")
        if comp and comp.get("input") not in ("text", "reply") and not comp.get("testid"):
            raise InputError("a toolbar entry needs a testid", path=source, field=f"components.{name}.ui.composer.testid")
    return ComponentType(name, bool(raw.get("common")), bool(raw.get("envelope")), bool(raw.get("receive")),
                         bool(raw.get("send")), identity, fields, dict(raw.get("assertions") or {}), ui, source)


def load_registry(extra: Iterable[str | Path | Mapping[str, Any]] = (), *,
                  base: str | Path | Mapping[str, Any] | None = None) -> Registry:
    """The base registry (``harness/data/components.yaml``) merged with ``extra`` files or dicts, in order.

    Every file is validated against :data:`SCHEMA`; an error names the file and the field
    (``InputError``, exit code 2). An extension may add kinds, or add fields to a kind the registry
    already has; changing anything else of an existing kind is an error.
    """
    if base is None:
        text = resources.files("harness.data").joinpath(BASE_FILE).read_text(encoding="utf-8")
        data, source = yaml.safe_load(text), f"harness/data/{BASE_FILE}"
    else:
        data, source = _read(base)
    _validate(data, source)
    raws: dict[str, dict] = {n: dict(t) for n, t in data["components"].items()}
    origin = {n: source for n in raws}
    sources = [source]
    for item in extra:
        ext, ext_source = _read(item)
        _validate(ext, ext_source)
        sources.append(ext_source)
        for name, raw in ext["components"].items():
            if name not in raws:
                raws[name] = dict(raw)
                origin[name] = ext_source
                continue
            other = sorted(set(raw) - {"fields"})
            if other:
                raise InputError(f"{name} is already defined by {origin[name]}; an extension may only add fields to it",
                                 path=ext_source, field=f"components.{name}.{other[0]}")
            fields = dict(raws[name].get("fields") or {})
            for fname, spec in (raw.get("fields") or {}).items():
                if fname in fields:
                    raise InputError(f"field {fname!r} of {name} is already defined by {origin[name]}",
                                     path=ext_source, field=f"components.{name}.fields.{fname}")
                fields[fname] = spec
            raws[name] = {**raws[name], "fields": fields}
    types = {n: _type_of(n, raw, origin[n]) for n, raw in raws.items()}
    return Registry(types, tuple(sources))


_extensions: tuple[str | Path | Mapping[str, Any], ...] | None = None  # None: the registered platforms' files
_default: Registry | None = None
#: Entry-point group of the platform plug-ins; a platform adds kinds with a ``components.yaml`` in its folder.
PLATFORMS_GROUP = "adapter_acceptance.platforms"


def platform_component_files() -> list[Path]:
    """``components.yaml`` next to every registered platform's module (found without importing the platform)."""
    import importlib.util
    from importlib.metadata import entry_points

    found: list[Path] = []
    for ep in sorted(entry_points(group=PLATFORMS_GROUP), key=lambda e: e.name):
        try:
            spec = importlib.util.find_spec(ep.module)
        except (ImportError, ValueError):
            continue  # the registry reports a broken plug-in; the components stay the base set
        folders = list(spec.submodule_search_locations or []) if spec else []
        if spec and spec.origin and not folders:
            folders = [str(Path(spec.origin).parent)]
        found += [Path(f) / "components.yaml" for f in folders if (Path(f) / "components.yaml").is_file()]
    return list(dict.fromkeys(found))


def set_default_extensions(extra: Iterable[str | Path | Mapping[str, Any]]) -> Registry:
    """Make ``extra`` (platforms' component files) part of the default registry; returns it.

    Consumers that read the registry once at import (the checker's ``COMMON_COMPONENTS``, the web UI's
    ``COMPONENTS``) see it only when this runs before they are imported.
    """
    global _extensions, _default
    _extensions = tuple(extra)
    _default = None
    return default_registry()


def default_registry() -> Registry:
    """The registry every consumer reads: the base file plus the default extensions (unless set with
    :func:`set_default_extensions`, every registered platform's ``components.yaml``)."""
    global _default
    if _default is None:
        _default = load_registry(platform_component_files() if _extensions is None else _extensions)
    return _default


def probe_json(registry: Registry | None = None) -> str:
    """The registry as the probes read it (``acceptance_probe/components.json``)."""
    return json.dumps((registry or default_registry()).to_json(), indent=1, sort_keys=False) + "\n"


def write_probe_registry(target_dir: str | Path, registry: Registry | None = None) -> Path:
    """Write ``components.json`` into a probe build's ``acceptance_probe`` package; return its path."""
    path = Path(target_dir) / "components.json"
    path.write_text(probe_json(registry), encoding="utf-8")
    return path
