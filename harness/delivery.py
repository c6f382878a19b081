"""Delivery counts: how many times each platform event reached the plugin.

A simulator records every platform event it raises once (an ``inject`` record with a ``match`` that identifies
the event the plugin should see), however often its transport put it on the wire (a gateway replaying after a
RESUME, a fault sending a frame twice). The checker pairs each injection with the first matching event the
probe saw; this module counts what is left over: a probe event that matches an earlier injection's ``match``
and was not paired with any injection is one more delivery of that platform event.

Only injections whose ``match`` names more than the event type are counted for duplicates: a bare event type
identifies no single platform event, so an extra event of that type proves nothing about duplication.

Per event type the report then says: injected, delivered exactly once, more than once (with the extra copies),
lost. A duplicate fails the event's verdict with the counts (a loss already fails it: "no matching event").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any, Callable


@dataclass
class Delivery:
    """One event type's deliveries in one run."""

    injected: int = 0
    once: int = 0
    more_than_once: int = 0
    extra_copies: int = 0
    lost: int = 0
    #: per duplicated injection: (inject ref, times delivered)
    duplicated: list[tuple[int, int]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("duplicated")
        return data


def _identifies_one_event(match: dict[str, Any]) -> bool:
    return any(k != "event.type" for k in match)


def count_deliveries(injects: list[tuple[int, dict]], events: list[tuple[int, float, str | None, dict]],
                     paired: dict[int, int | None], used: set[int],
                     satisfies: Callable[[dict, str | None, dict[str, Any]], bool]) -> dict[str, Delivery]:
    """Per event type, the deliveries of the injections in ``paired`` (inject ref -> paired event index, or None).

    ``events``: the bucket's ``(ref, t, observer, event)``; ``used``: the indexes paired with an injection;
    ``satisfies(event, observer, match)``: the checker's own matching rule."""
    table: dict[str, Delivery] = defaultdict(Delivery)
    inj_by_ref = dict(injects)
    # candidates for an unpaired event: injections of its type that identify one event, latest first
    by_type: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for ref in paired:
        match = inj_by_ref[ref].get("match") or {}
        etype = match.get("event.type")
        if etype:
            table[str(etype)].injected += 1
            if _identifies_one_event(match):
                by_type[str(etype)].append((inj_by_ref[ref].get("t") or 0.0, ref))
    for lst in by_type.values():
        lst.sort(reverse=True)
    copies: dict[int, int] = {ref: (1 if i is not None else 0) for ref, i in paired.items()}
    for i, (_, t, observer, ev) in enumerate(events):
        if i in used or observer not in ("probe", "adapter-driver"):
            continue
        for inj_t, ref in by_type.get(str(ev.get("type")), ()):
            if inj_t <= t and copies[ref] and satisfies(ev, observer, inj_by_ref[ref].get("match") or {}):
                copies[ref] += 1
                break
    for ref, n in copies.items():
        etype = (inj_by_ref[ref].get("match") or {}).get("event.type")
        if not etype:
            continue
        row = table[str(etype)]
        if n == 0:
            row.lost += 1
        elif n == 1:
            row.once += 1
        else:
            row.more_than_once += 1
            row.extra_copies += n - 1
            row.duplicated.append((ref, n))
    return dict(table)
