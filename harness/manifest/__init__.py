"""Adapter manifests: model, JSON Schema and loaders."""

from harness.manifest.loader import load_manifest_dir, parse_manifest, parse_manifests, select
from harness.manifest.model import Manifest, ManifestProblem

__all__ = ["Manifest", "ManifestProblem", "load_manifest_dir", "parse_manifest", "parse_manifests", "select"]
