"""Packaging beyond what pyproject.toml can say: the ``fixtures/`` folder installs as the import package
``acceptance_fixtures`` (a top-level ``fixtures`` would collide with PyPI's ``fixtures`` package in a
user's environment). Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

FIXTURES = [p.replace("fixtures", "acceptance_fixtures", 1) for p in find_packages(include=["fixtures", "fixtures.*"])]

setup(
    packages=find_packages(include=["harness", "harness.*", "probes", "probes.*"]) + FIXTURES,
    package_dir={"acceptance_fixtures": "fixtures"},
)
