"""Run names: one adapter accepted in one transport mode is a run, named ``<adapter>@<mode>``.

A run name is what every evidence record's ``adapter`` field carries, what names the per-run report
(``reports/<run-id>/<adapter>@<mode>.json``), the matrix column, the capability test ids
(``test_capability[<adapter>@<mode>::event:message.received]``) and the baseline entry
(``reports/baseline/<fw>-<version>/<adapter>@<mode>.json``). The part before ``@`` is the manifest
name the run is judged against. Standard library only (the checker imports it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SEP = "@"
#: The mode of a platform whose profile names no modes.
DEFAULT_MODE = "default"
#: How long a run waits for the probe's event of a declared event type, and of an undeclared one (which may never come).
EVENT_WAIT = 10.0
UNDECLARED_WAIT = 1.5


def run_name(adapter: str, mode: str) -> str:
    return f"{adapter}{SEP}{mode}"


def split_run(name: str) -> tuple[str, str | None]:
    """``("chat-adapter", "webhook")`` for ``chat-adapter@webhook``; ``(name, None)`` without a mode."""
    adapter, sep, mode = name.partition(SEP)
    return (adapter, mode or None) if sep else (name, None)


def manifest_name(name: str) -> str:
    """The manifest a run (or plain adapter) name is judged against."""
    return name.partition(SEP)[0]


def platform_modes(profile: Any, framework: str) -> tuple[str, ...]:
    """The modes ``profile`` offers on ``framework``, default first; ``("default",)`` for a profile that
    names none (or for no profile at all: such a run ends blocked, but it is still a run)."""
    if profile is None or not hasattr(profile, "modes"):
        return (DEFAULT_MODE,)
    return tuple(profile.modes(framework) or ())


def mode_title(profile: Any, mode: str) -> str:
    getter = getattr(profile, "mode_title", None)
    try:
        return str(getter(mode)) if getter is not None else mode
    except Exception:  # a title is cosmetic
        return mode


@dataclass(frozen=True)
class RunSpec:
    """One selected run: the manifest and the mode it runs in."""

    manifest: Any  # harness.manifest.Manifest
    mode: str

    @property
    def name(self) -> str:
        return run_name(self.manifest.name, self.mode)


def select_runs(manifests: list, framework: str, selectors: list[str], modes: list[str] | None,
                profile_for) -> tuple[list[RunSpec], dict[str, str]]:
    """The runs the selectors ask for, and per manifest a line saying which modes run (or why none).

    A selector is an adapter name (all its modes) or ``adapter@mode`` (that mode); ``modes`` (``--mode``)
    restricts every adapter to those modes. A mode a framework's binding does not offer has no run.
    ``profile_for``: ``acceptance_fixtures.platforms.profile_for`` (passed in: this module sits below the
    platforms in the import layers, see .importlinter)."""
    wanted: dict[str, set[str] | None] = {}
    for sel in selectors:
        if sel.endswith(SEP):
            from harness.errors import InputError

            raise InputError(f"'{sel}' names no mode after '{SEP}'; give NAME for every mode or NAME{SEP}MODE for one",
                             field="--adapter")
        adapter, mode = split_run(sel)
        if mode is None:
            wanted[adapter] = None
        elif wanted.get(adapter, set()) is not None:
            wanted.setdefault(adapter, set()).add(mode)  # type: ignore[union-attr]
    runs: list[RunSpec] = []
    notes: dict[str, str] = {}
    for m in manifests:
        offered = platform_modes(profile_for(m.name), framework)
        want = wanted.get(m.name) if m.name in wanted else wanted.get(_dir_name(m), None)
        chosen = [x for x in offered if (want is None or x in want) and (not modes or x in modes)]
        missing = sorted({*(want or ()), *(modes or ())} - set(offered)) if (want or modes) else []
        runs += [RunSpec(m, x) for x in chosen]
        note = ", ".join(chosen) if chosen else "no run"
        if missing:
            note += f" ({framework} offers no {', '.join(missing)}; offered: {', '.join(offered) or 'none'})"
        notes[m.name] = note
    return runs, notes


def _dir_name(m: Any) -> str:
    from pathlib import Path

    return Path(m.path).parent.name if getattr(m, "path", None) else m.name


def matches_event(record: dict, match: dict[str, str], adapter: str | None = None) -> bool:
    """Whether ``record`` is the probe's event that ``match`` names (of run ``adapter`` when given: several
    runs of a session share the probe's evidence file)."""
    if record.get("record") != "event" or (adapter is not None and record.get("adapter") != adapter):
        return False
    for path, value in match.items():
        node: Any = record
        for part in path.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None or str(node) != value:
            return False
    return True


def unproducible_of(profile: Any) -> dict[str, tuple[str, str]]:
    """What the platform cannot produce or carry, by capability id (a profile from before ``unproducible()``: events only)."""
    if hasattr(profile, "unproducible"):
        return profile.unproducible()
    return {f"event:{e}": why for e, why in (getattr(profile, "unproducible_events", None) or {}).items()}
