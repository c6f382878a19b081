"""Expected-versus-observed comparison of message component chains.

An expected component lists only what must hold: ``{"type": "Plain", "text": "a  b\\nc"}`` demands
the exact text (spaces and newlines included); the value ``"*"`` demands a present, non-empty field
(``{"type": "Source", "id": "*"}``); ``{"one_of": [...]}`` accepts any of its values. Component order must match. A leading ``Source`` that the
expectation does not mention is ignored, because every received message carries one (the registry's
*envelope* types, ``harness/data/components.yaml``: message metadata carried as a component).
"""

from __future__ import annotations

from typing import Any

from harness.components import default_registry

PRESENT = "*"
#: ``{"one_of": [a, b]}``: any of the values is right (a user named by id or by username).
ONE_OF = "one_of"
#: Component types that are message metadata (Source): ignored when leading and not expected.
ENVELOPE = default_registry().envelope


def _same(expected: Any, observed: Any) -> bool:
    if expected == PRESENT:
        return observed not in (None, "", [], {})
    if isinstance(expected, dict) and len(expected) == 1 and ONE_OF in expected:  # several right answers
        return any(_same(v, observed) for v in expected[ONE_OF])
    if isinstance(expected, dict):
        return isinstance(observed, dict) and all(_same(v, observed.get(k)) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(observed, list) and len(expected) == len(observed) and all(map(_same, expected, observed))
    if isinstance(expected, (int, float)) and not isinstance(expected, bool):
        return str(expected) == str(observed)
    return expected == observed or (observed is not None and str(expected) == str(observed))


def component_problems(expected: list[dict], observed: list[dict] | None) -> list[tuple[str | None, str]]:
    """Every way ``observed`` misses ``expected``, each as ``(component type it concerns, message)``.

    The type is what a per-component verdict is judged on: a field that differs concerns that
    component's type; a chain with a different number of some type concerns each such type (a Face
    that arrived as an Image concerns Face); a chain with the right components in another order
    concerns no single type (``None``: only the whole chain, i.e. a mixed-chain verdict, fails on it).
    """
    observed = list(observed or [])
    if observed and observed[0].get("type") in ENVELOPE and not any(c.get("type") in ENVELOPE for c in expected):
        observed = [c for c in observed if c.get("type") not in ENVELOPE]
    if expected == observed:  # the usual case: exactly what was expected
        return []
    exp_types = [c.get("type") for c in expected]
    obs_types = [c.get("type") for c in observed]
    if exp_types != obs_types:
        message = f"component order/types differ: expected {exp_types}, observed {obs_types}"
        miscounted = [t for t in dict.fromkeys(exp_types + obs_types) if exp_types.count(t) != obs_types.count(t)]
        return [(t, message) for t in miscounted] or [(None, message)]
    problems: list[tuple[str | None, str]] = []
    for i, (exp, obs) in enumerate(zip(expected, observed)):
        for key, value in exp.items():
            if key == "type":
                continue
            if not _same(value, obs.get(key)):
                want = "present" if value == PRESENT else repr(value)
                problems.append((exp.get("type"), f"component {i} ({exp.get('type')}): field '{key}' expected {want}, "
                                                  f"observed {obs.get(key)!r}"))
    return problems


def compare_components(expected: list[dict], observed: list[dict] | None) -> str | None:
    """Return ``None`` when ``observed`` satisfies ``expected``, else a message saying what differs."""
    problems = component_problems(expected, observed)
    return "; ".join(dict.fromkeys(m for _, m in problems)) if problems else None
