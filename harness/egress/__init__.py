"""Egress redirects: an unmodified adapter reaches its simulator under the platform's real host names.

``plan`` builds a run's plan and the environment that hands it to a framework process, ``tls`` the
run's CA and server certificates, ``hook/sitecustomize.py`` is what runs inside the framework process.
See docs/egress.md.
"""

from harness.egress.plan import HOOK_DIR, LANGBOT_OUTBOUND_GUARD, PLAN_ENV, EgressPlan, Guard, Route, findings, read_log
from harness.egress.tls import RunTLS

__all__ = ["EgressPlan", "Guard", "HOOK_DIR", "LANGBOT_OUTBOUND_GUARD", "PLAN_ENV", "Route", "RunTLS", "findings", "read_log"]
