"""The full plugin path, as shipped with the harness (``harness/suite/test_acceptance.py`` and, for published
contracts of plugin-shipped adapters, ``harness/suite/test_contract.py``), re-exported so ``pytest tests/...`` and the
Makefile keep collecting it here; from another project run ``pytest --pyargs harness.suite -m plugin_e2e --adapter onebot-v11``."""

from harness.suite.test_acceptance import test_capability, test_report_of_this_run_opens_in_the_browser
from harness.suite.test_contract import test_contract_item

__all__ = ["test_capability", "test_contract_item", "test_report_of_this_run_opens_in_the_browser"]
