"""A declaration's document claims (``spec.document_claims``): capabilities ``compat:<name>`` of that adapter alone,
judged from the ``check`` records the platform writes (``Platform.check_claims``); and the bring-up's account of what
the simulator refused when an adapter never connects."""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from harness.bringup import refusals
from harness.capabilities import load_catalogue
from harness.checker import check
from harness.evidence import EvidenceWriter
from harness.manifest.loader import parse_manifest

pytestmark = pytest.mark.unit

DECLARATION = """\
apiVersion: v1
kind: AdapterDeclaration
metadata: {name: claimer}
spec:
  supported_events: [message.received]
  supported_apis: {required: [send_message]}
  document_claims:
    - {name: structure.side_by_side, assertion: "two instances run in one process", source: "design 6.1"}
    - {name: structure.routed, assertion: {en_US: "each route reaches its instance"}}
"""


def _manifest(tmp_path: Path, text: str = DECLARATION):
    path = tmp_path / "claimer.yaml"
    path.write_text(text, "utf-8")
    return parse_manifest(path)


def test_claims_are_compat_capabilities_of_that_adapter_only(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    assert m.claims == {"structure.side_by_side": "two instances run in one process",
                        "structure.routed": "each route reaches its instance"} and not m.problems
    caps = {c.id: c for c in load_catalogue().for_manifest(m)}
    assert caps["compat:structure.side_by_side"].assertion == "two instances run in one process"
    assert caps["compat:structure.routed"].declared
    plain = _manifest(tmp_path, DECLARATION.split("  document_claims:")[0])
    assert plain.claims == {} and not any(c.name.startswith("structure.") for c in load_catalogue().for_manifest(plain))


def test_a_claim_is_judged_from_its_check_record_and_left_untested_without_one(tmp_path: Path) -> None:
    m = _manifest(tmp_path)
    evidence = tmp_path / "harness.jsonl"
    w = EvidenceWriter.to_file(evidence, run_id="r", framework="astrbot", framework_version="4.14.6")
    w.write("check", t=time.time(), producer="harness", adapter="claimer", capabilities=["compat:structure.side_by_side"],
            level="plugin-e2e-protocol", status="failed", message="NOT: the second instance never logged in")
    w.close()
    (res,) = check([m], [evidence], only_declared_adapters=True).adapters
    side, routed = res.verdict("compat:structure.side_by_side"), res.verdict("compat:structure.routed")
    assert side.status.value == "failed" and "never logged in" in side.reason
    assert routed.status.value == "untested"
    assert res.status.value == "failed"


def test_refusals_name_what_the_simulator_refused() -> None:
    refused = [SimpleNamespace(action="login", retcode=500, ok=False, observed={"message": "Auth failed."})] * 2
    sim = SimpleNamespace(received=lambda where=None: [a for a in refused if where is None or where(a)])
    assert refusals(sim) == "; the simulator refused the adapter's login x2 (500: Auth failed.)"
    assert refusals(SimpleNamespace(received=lambda where=None: [])) == ""
