"""Published HTTP contracts of plugin-shipped adapters (``fixtures/contracts``), one test per documented item:
``test_contract_item[http-platform::route:POST /messages]``. Selected with ``--adapter http-platform`` or by an
``--adapter-plugin`` whose adapter type the contract serves.

Outcome: ``served`` / ``passed`` pass; ``blocked`` skips with the reason; ``served-differently``, ``absent`` and
``failed`` fail with what was observed. The machine-readable diff is ``<reports>/<run>/<contract>.contract.json``.
"""

from __future__ import annotations

import pytest

from harness.suite.test_acceptance import _e2e


@_e2e
async def test_contract_item(contract_item, contract_results) -> None:
    name, item_id = contract_item
    result = await contract_results.result(name)
    item = next((i for i in result["items"] if i["id"] == item_id), None)
    assert item is not None, f"{item_id}: the contract run produced no verdict for it"
    if item["status"] == "blocked":
        pytest.skip(f"blocked: {'; '.join(item['evidence'])[:500]}")
    assert item["status"] in ("served", "passed"), (
        f"{item_id} is {item['status']}: documented {item['documented']!r}, observed {item['observed']!r}; "
        f"evidence: {'; '.join(item['evidence'][:2])}")
