"""Manifests: the order-as-code format, its loader and validation."""

from reconciler.manifest.loader import Manifests, discover, find_config, load
from reconciler.manifest.models import Config, Policy, TaskingOrderManifest

__all__ = [
    "Config",
    "Manifests",
    "Policy",
    "TaskingOrderManifest",
    "discover",
    "find_config",
    "load",
]
