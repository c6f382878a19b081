"""The ``adapter-live`` level: an adapter driven directly inside the framework's interpreter.

No framework core, no plugin runtime, no plugin: fast diagnosis of the adapter itself against the
same simulated platform and scenarios as the full path. ``AdapterDriver`` runs the in-process driver
(``harness/frameworks/inside/<framework>_adapter_driver.py``) as a subprocess of the framework's own
Python; ``AdapterLiveRun`` mirrors ``harness.acceptance_run.AdapterRun`` with it. Everything it proves
is rated ``adapter-live`` by the checker (producer ``adapter-driver``) and can never complete a
capability on its own.
"""

from harness.adapter_live.driver import AdapterDriver, DriverError
from harness.adapter_live.run import AdapterLiveRun, driver_evidence_name, run_adapter_live
from harness.adapter_live.targets import FORWARD, REVERSE, LiveTarget, live_target

__all__ = ["AdapterDriver", "AdapterLiveRun", "DriverError", "FORWARD", "LiveTarget", "REVERSE",
           "driver_evidence_name", "live_target", "run_adapter_live"]
