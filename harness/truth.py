"""Comparing what the plugin saw with what the simulated world holds (docs/evidence.md, "Expectations").

Four comparisons, each returning the differences as sentences and, apart, what could not be compared
(a field the framework's event or result does not carry, which is a known limitation, not a failure):

* :func:`compare_fields`: an inbound event's neutral fields with ``inject.expected.fields``;
* :func:`compare_result`: a call's normalised result (``api.facts``) with the world's answer truth;
* :func:`compare_args`: the call's input with what the platform received (``observed.args``);
* :func:`compare_effects`: the world's state after a call (``observed.after``) with the catalogue's ``effect``.

A value is equal when both sides read the same as text (ids arrive as numbers or strings), numbers by
value, booleans as booleans; ``{"one_of": [...]}`` accepts any of its values.
"""

from __future__ import annotations

from typing import Any

from harness.fidelity import compare_components

ONE_OF = "one_of"
_ABSENT = object()
#: Differences listed per comparison before "... and N more".
MAX_LISTED = 5


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def same(expected: Any, observed: Any) -> bool:
    if type(expected) is dict and ONE_OF in expected:
        return any(same(e, observed) for e in expected[ONE_OF] or ())
    if isinstance(expected, bool) or isinstance(observed, bool):
        return str(expected).lower() == str(observed).lower()
    if expected is None or observed is None:
        return expected is None and observed is None
    if str(expected) == str(observed):
        return True
    a, b = _number(expected), _number(observed)
    return a is not None and a == b


def shown(value: Any) -> str:
    if type(value) is dict and ONE_OF in value:
        return " or ".join(shown(v) for v in value[ONE_OF])
    if value is None:
        return "nothing"
    return repr(value) if isinstance(value, str) else str(value)


def _capped(items: list[str]) -> list[str]:
    if len(items) <= MAX_LISTED:
        return items
    return [*items[:MAX_LISTED], f"... and {len(items) - MAX_LISTED} more"]


def differences(expected: dict, observed: dict) -> tuple[list[tuple[str, Any, Any]], list[str]]:
    """``(key, expected, observed)`` for each expected key whose observed value differs, and the keys absent."""
    diffs: list[tuple[str, Any, Any]] = []
    absent: list[str] = []
    for key, want in expected.items():
        got = observed.get(key, _ABSENT)
        if got is _ABSENT:
            absent.append(key)
        elif (got != want or type(got) is not type(want)) and not same(want, got):  # equal strings: the common case
            diffs.append((key, want, got))
    return diffs, absent


def compare_fields(expected: dict | None, observed: dict) -> tuple[list[str], list[str]]:
    """Differences between an event's expected fields and the observed event, and the fields it lacks."""
    diffs, absent = differences(expected or {}, observed)
    return [f"expected {k} {shown(w)}, observed {shown(g)}" for k, w, g in diffs], absent


def _compare_object(what: str, truth: dict, facts: Any) -> tuple[list[str], list[str]]:
    if not isinstance(facts, dict):
        return [f"{what}: the world has {_brief(truth)}, the plugin got {shown(facts)}"], []
    fields = {k: v for k, v in truth.items() if k != "components"}
    diffs, absent = differences(fields, facts)
    problems = [f"{what} {k}: the world has {shown(w)}, the plugin got {shown(g)}" for k, w, g in diffs]
    if "components" in truth:  # a message's chain: compared the way the checker compares components
        if "components" not in facts:
            absent.append("components")
        elif (problem := compare_components(truth["components"], facts["components"])) is not None:
            problems.append(f"{what} components: {problem}")
    return problems, [f"{what}.{a}" for a in absent]


def _brief(truth: dict) -> str:
    return ", ".join(f"{k} {shown(v)}" for k, v in truth.items() if k != "components") or "data"


def compare_result(key: str, truth: Any, facts: Any) -> tuple[list[str], list[str]]:
    """A result named ``key`` (``group``, ``members``...) against the world's truth: missing, extra and wrong
    items of a list (by id), wrong values of an object, an empty result where the world has data."""
    if isinstance(truth, list):
        if not isinstance(facts, list):
            return [f"{key}: the world has {len(truth)} item(s), the plugin got {shown(facts)}"], []
        want = {str(t.get("id")): t for t in truth}
        got = {str(f.get("id")): f for f in facts if isinstance(f, dict)}
        problems: list[str] = []
        missing = [i for i in want if i not in got]
        extra = [i for i in got if i not in want]
        if missing:
            problems.append(f"{key}: missing {', '.join(missing[:MAX_LISTED])}" + (" ..." if len(missing) > MAX_LISTED else ""))
        if extra:
            problems.append(f"{key}: not in the world {', '.join(extra[:MAX_LISTED])}" + (" ..." if len(extra) > MAX_LISTED else ""))
        absent: dict[str, None] = {}
        for item_id, item in want.items():
            if item_id in got:
                p, a = _compare_object(f"{key}[{item_id}]", {k: v for k, v in item.items() if k != "id"}, got[item_id])
                problems += p
                absent.update(dict.fromkeys(x.replace(f"[{item_id}]", "[]") for x in a))
        return _capped(problems), list(absent)
    if truth is None:
        return [], []
    problems, absent = _compare_object(key, truth, facts)
    return _capped(problems), absent


def compare_args(asked: dict, received: dict) -> list[str]:
    """Arguments the plugin gave that the platform received differently, or not at all."""
    diffs, absent = differences(asked, received)
    return ([f"parameter {k}: the plugin asked {shown(asked[k])}, the platform received none" for k in absent]
            + [f"parameter {k}: the plugin asked {shown(w)}, the platform received {shown(g)}" for k, w, g in diffs])


def expected_effects(effect: dict, call_input: Any) -> dict[str, Any]:
    """The catalogue's ``effect`` with ``input.<name>`` replaced by the call's input (absent inputs dropped)."""
    out: dict[str, Any] = {}
    for key, want in (effect or {}).items():
        if isinstance(want, str) and want.startswith("input."):
            name = want[6:]
            if isinstance(call_input, dict) and name in call_input:
                out[key] = call_input[name]
        else:
            out[key] = want
    return out


def compare_effects(expected: dict, after: dict) -> tuple[list[str], list[str]]:
    """The world's state after a call against what the call should have left; and the state keys not reported."""
    diffs, absent = differences(expected, after)
    return [f"after the call the world has {k} {shown(g)}, expected {shown(w)}" for k, w, g in diffs], absent
