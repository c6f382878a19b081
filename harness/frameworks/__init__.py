"""Frameworks under test: which releases, where their cached environments live, how to reach them."""

from harness.frameworks.spec import FRAMEWORKS, FrameworkInfo, FrameworkSpec
from harness.frameworks.venv import clean_env, ensure_env, run_in_env

__all__ = ["FRAMEWORKS", "FrameworkInfo", "FrameworkSpec", "clean_env", "ensure_env", "run_in_env"]
