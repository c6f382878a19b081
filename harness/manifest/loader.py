"""Load and validate manifests from files, folders or an installed framework release."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

import jsonschema
import yaml

from harness.capabilities import load_catalogue
from harness.errors import InputError
from harness.manifest.model import Manifest, ManifestProblem

MANIFEST_FILENAME = "manifest.yaml"


@lru_cache(maxsize=1)
def manifest_schema() -> dict:
    text = resources.files("harness.manifest").joinpath("manifest.schema.json").read_text("utf-8")
    return json.loads(text)


#: Bounds on a manifest file: its size, the YAML nodes it expands to (aliases counted each time they
#: are used, so an alias bomb is refused before anything walks it) and its nesting depth.
MAX_MANIFEST_BYTES = 1024 * 1024
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64


def _bounded(node: yaml.Node, path: Path) -> None:
    """Refuse a tree that expands (through aliases) beyond :data:`MAX_YAML_NODES` nodes, nests deeper
    than :data:`MAX_YAML_DEPTH`, refers to itself, or repeats a key in a mapping. Linear in the
    composed tree: an alias's expanded size is computed once per node."""
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(n: yaml.Node, depth: int) -> int:
        known = sizes.get(id(n))
        if known is not None:
            return known
        line = n.start_mark.line + 1
        if depth > MAX_YAML_DEPTH:
            raise InputError(f"nested more than {MAX_YAML_DEPTH} levels deep", path=path, line=line)
        if id(n) in busy:
            raise InputError("an alias refers to the node that contains it (a recursive structure)", path=path, line=line)
        busy.add(id(n))
        total = 1
        if isinstance(n, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key, value in n.value:
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen and key.tag != "tag:yaml.org,2002:merge":
                        raise InputError(f"duplicate key '{key.value}' (first at line {seen[key.value]}); "
                                         "YAML would silently keep the last one", path=path, line=key.start_mark.line + 1)
                    seen[key.value] = key.start_mark.line + 1
                total += size(key, depth + 1) + size(value, depth + 1)
        elif isinstance(n, yaml.SequenceNode):
            for item in n.value:
                total += size(item, depth + 1)
        busy.discard(id(n))
        if total > MAX_YAML_NODES:
            raise InputError(f"expands to more than {MAX_YAML_NODES} YAML nodes (aliases counted where they are used); "
                             "a manifest is far smaller: is it an alias bomb?", path=path, line=line)
        sizes[id(n)] = total
        return total

    size(node, 0)


def _line_map(node: yaml.Node, path: tuple = ()) -> dict[tuple, int]:
    """Map each path in a composed YAML tree to its 1-based line (after :func:`_bounded`, so it stays small)."""
    lines = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            lines[path + (key.value,)] = key.start_mark.line + 1
            lines.update({k: v for k, v in _line_map(value, path + (key.value,)).items() if k != path + (key.value,)})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines.update(_line_map(item, path + (i,)))
    return lines


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _read_yaml(path: Path) -> tuple[Any, dict[tuple, int]]:
    try:
        if path.is_file() and path.stat().st_size > MAX_MANIFEST_BYTES:
            raise InputError(f"larger than the limit of {MAX_MANIFEST_BYTES} bytes for a manifest "
                             f"({path.stat().st_size} bytes)", path=path)
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", path=path) from None
    except IsADirectoryError:
        raise InputError("is a folder, expected a manifest file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=path) from None
    if len(raw) > MAX_MANIFEST_BYTES:  # not a regular file (a pipe...) that turned out too big
        raise InputError(f"larger than the limit of {MAX_MANIFEST_BYTES} bytes for a manifest", path=path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"not UTF-8 text (byte 0x{raw[exc.start]:02x})", path=path, line=line) from None
    if "\x00" in text:
        raise InputError("contains a NUL byte (not a text file?)", path=path, line=text[: text.index("\x00")].count("\n") + 1)
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # characters YAML does not allow (control characters)
        line = text[: exc.position].count("\n") + 1
        raise InputError(f"malformed YAML: character #x{exc.character:04x} is not allowed in YAML", path=path, line=line) from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        _bounded(node, path)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise InputError(f"malformed YAML: {exc.problem or exc}", path=path, line=line) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise InputError(f"malformed YAML: {exc}", path=path, line=line + 1 if line is not None else None) from None
    except RecursionError:
        raise InputError(f"nested too deeply to read (more than {MAX_YAML_DEPTH} levels)", path=path) from None
    finally:
        loader.dispose()
    return data, _line_map(node)


def _closest_line(lines: dict[tuple, int], path: tuple) -> int | None:
    while True:
        if path in lines:
            return lines[path]
        if not path:
            return None
        path = path[:-1]


def parse_manifest(path: str | Path) -> Manifest:
    """Parse one manifest or declaration file, raising :class:`InputError` when it is unusable.

    Problems that leave the manifest usable (unknown event names, duplicates, an API listed as both
    required and optional) are collected in ``Manifest.problems`` rather than raised.
    """
    path = Path(path)
    data, lines = _read_yaml(path)
    if data is None:
        raise InputError("empty manifest", path=path, line=1)
    if not isinstance(data, dict):
        raise InputError(f"expected a mapping at the top level, found {type(data).__name__}", path=path, line=1)
    validator = jsonschema.Draft202012Validator(manifest_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        err = errors[0]
        err_path = tuple(err.absolute_path)
        field = _dotted(err_path)
        message = err.message
        if err.validator == "required":
            missing = [name for name in err.validator_value if isinstance(err.instance, dict) and name not in err.instance]
            field = _dotted(err_path + (missing[0],)) if missing else field
            message = "is missing (required)"
        more = f" (and {len(errors) - 1} more schema error(s))" if len(errors) > 1 else ""
        raise InputError(message + more, path=path, line=_closest_line(lines, err_path), field=field)

    spec = data["spec"]
    apis = spec.get("supported_apis") or {}
    actions = spec.get("platform_specific_apis") or []
    manifest = Manifest(
        name=data["metadata"]["name"],
        path=str(path),
        events=list(spec.get("supported_events") or []),
        required_apis=list(apis.get("required") or []),
        optional_apis=list(apis.get("optional") or []),
        platform_actions=[a["action"] for a in actions],
        platform_action_descriptions={a["action"]: _text(a.get("description")) for a in actions},
        config=list(spec.get("config") or []),
        label=_text(data["metadata"].get("label")),
        kind=data.get("kind", "MessagePlatformAdapter"),
        adapter_dir=str(path.parent),
        claims={str(c["name"]): _text(c.get("assertion")) for c in spec.get("document_claims") or []},
    )
    manifest.problems = list(_semantic_problems(manifest, spec, lines))
    return manifest


def _text(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("en_US") or next(iter(value.values()), ""))
    return "" if value is None else str(value)


def _semantic_problems(manifest: Manifest, spec: dict, lines: dict[tuple, int]) -> Iterable[ManifestProblem]:
    catalogue = load_catalogue()
    path = manifest.path

    def problem(field_path: tuple, message: str) -> ManifestProblem:
        return ManifestProblem(path, _closest_line(lines, ("spec",) + field_path), _dotted(("spec",) + field_path), message)

    def duplicates(items: list[str], field_path: tuple, what: str) -> Iterable[ManifestProblem]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item in seen:
                yield problem(field_path + (i,), f"duplicate {what} '{item}'")
            seen.add(item)

    for i, name in enumerate(manifest.events):
        if not catalogue.is_known_event(name):
            yield problem(("supported_events", i), f"unknown event '{name}': not in the EBA catalogue and not an adapter-specific '<prefix>.<name>' type")
    yield from duplicates(manifest.events, ("supported_events",), "event")
    for group in ("required", "optional"):
        listed = manifest.required_apis if group == "required" else manifest.optional_apis
        for i, name in enumerate(listed):
            if not catalogue.is_known_api(name):
                yield problem(("supported_apis", group, i), f"unknown common API '{name}'")
        yield from duplicates(listed, ("supported_apis", group), "API")
    both = set(manifest.required_apis) & set(manifest.optional_apis)
    for i, name in enumerate(manifest.optional_apis):
        if name in both:
            yield problem(("supported_apis", "optional", i), f"API '{name}' is listed as both required and optional")
    yield from duplicates(manifest.platform_actions, ("platform_specific_apis",), "platform action")
    if manifest.platform_actions and "call_platform_api" not in manifest.apis:
        yield problem(("platform_specific_apis",), "platform actions are declared but 'call_platform_api' is not a supported API")


def load_manifest_dir(directory: str | Path) -> list[Manifest]:
    """Every manifest below a folder: ``*/manifest.yaml`` files, else the ``*.yaml`` files in it."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("manifest folder not found", path=directory)
    files = sorted(directory.rglob(MANIFEST_FILENAME)) or sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        raise InputError(f"no {MANIFEST_FILENAME} below this folder", path=directory,
                         hint="point --manifest-dir at a folder holding <adapter>/manifest.yaml files")
    return parse_manifests(files)


def parse_manifests(files: Iterable[str | Path]) -> list[Manifest]:
    """Parse manifest or declaration files; an adapter name declared twice is an input error."""
    manifests = [parse_manifest(f) for f in files]
    names: dict[str, str] = {}
    for m in manifests:
        if m.name in names:
            raise InputError(f"adapter name '{m.name}' is declared twice (also in {names[m.name]})",
                             path=m.path, field="metadata.name")
        names[m.name] = m.path
    return manifests


def select(manifests: list[Manifest], names: Iterable[str] | None) -> list[Manifest]:
    """Keep the named adapters (manifest name or folder name); an unknown name is an input error."""
    names = list(names or [])
    if not names:
        return manifests
    by_name = {m.name: m for m in manifests}
    by_dir = {Path(m.path).parent.name: m for m in manifests}
    chosen = []
    for name in names:
        m = by_name.get(name) or by_dir.get(name)
        if m is None:
            candidates = "\n".join(f"  - {n}" for n in sorted(by_name))
            raise InputError(f"no adapter named '{name}'. Adapters found:\n{candidates}", field="--adapter")
        chosen.append(m)
    return chosen
