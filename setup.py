"""Packaging beyond what pyproject.toml can say: the ``fixtures/`` folder installs as the import package
``acceptance_fixtures`` (a top-level ``fixtures`` would collide with PyPI's ``fixtures`` package in a
user's environment), and the probe plugin folders install whole. Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

# Every folder counts as a package (namespace discovery), so data-only folders (schemas, assets) install too.
FIXTURES = [p.replace("fixtures", "acceptance_fixtures", 1)
            for p in find_namespace_packages(include=["fixtures", "fixtures.*"], exclude=["*.__pycache__"])]

# The probe plugins are folders of framework plugins, not all of them Python packages: every folder counts,
# so their manifests and assets install too (the stacks build the plugins from the installed copy).
PROBES = find_namespace_packages(include=["probes", "probes.*"], exclude=["*.__pycache__"])

setup(
    packages=find_namespace_packages(include=["harness", "harness.*"], exclude=["*.__pycache__"]) + PROBES + FIXTURES,
    package_dir={"acceptance_fixtures": "fixtures"},
)
