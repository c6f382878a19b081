"""The full path's fixtures (``framework_stack``, ``adapter_runs``, ``browser_status``, ``ui_browser``) come from
the pytest plugin (``harness/pytest_fixtures.py``, registered by ``harness.pytest_plugin``), so the shipped suite
(``harness.suite``) needs no conftest of the project that runs it."""

from harness.pytest_fixtures import AdapterRuns  # noqa: F401  (kept importable from here)
