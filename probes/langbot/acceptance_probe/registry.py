"""The component registry as the probes read it (shared by the LangBot and the AstrBot probe builds).

The harness writes ``components.json`` into each probe build (``harness.components.write_probe_registry``:
harness/data/components.yaml merged with the registered platforms' kinds); in the source tree (tests) the
harness's base data file is read instead.
"""

from __future__ import annotations

import json
from pathlib import Path


def load_registry() -> dict:
    here = Path(__file__).resolve().parent
    shipped = here / "components.json"
    if shipped.exists():
        return json.loads(shipped.read_text(encoding="utf-8"))
    import yaml  # source tree only (tests): the base file, no platform extensions

    data = yaml.safe_load((here.parents[2] / "harness" / "data" / "components.yaml").read_text(encoding="utf-8"))
    types = data["components"]
    for spec in types.values():
        spec["id_fields"] = [n for n, f in (spec.get("fields") or {}).items() if f.get("type") == "id"]
    return {"version": 1, "order": list(types), "components": types}
