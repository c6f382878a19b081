"""Packaging beyond what pyproject.toml can say: the ``fixtures/`` folder installs as the import package
``acceptance_fixtures`` (a top-level ``fixtures`` would collide with PyPI's ``fixtures`` package in a
user's environment), and the probe plugin folders install whole. Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, find_packages, setup

FIXTURES = [p.replace("fixtures", "acceptance_fixtures", 1) for p in find_packages(include=["fixtures", "fixtures.*"])]

# The probe plugins are folders of framework plugins, not all of them Python packages: every folder counts,
# so their manifests and assets install too (the stacks build the plugins from the installed copy).
PROBES = find_namespace_packages(include=["probes", "probes.*"], exclude=["*.__pycache__"])

setup(
    packages=find_packages(include=["harness", "harness.*"]) + PROBES + FIXTURES,
    package_dir={"acceptance_fixtures": "fixtures"},
)
