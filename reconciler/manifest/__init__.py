"""Manifests: the order-as-code format, its loader and validation."""

from reconciler.manifest.loader import (
    Chunk,
    Job,
    Manifests,
    discover,
    find_config,
    finish,
    load,
    load_chunk,
    load_config,
    prepare,
    read_aois,
)
from reconciler.manifest.models import Config, Policy, TaskingOrderManifest

__all__ = [
    "Chunk",
    "Config",
    "Job",
    "Manifests",
    "Policy",
    "TaskingOrderManifest",
    "discover",
    "find_config",
    "finish",
    "load",
    "load_chunk",
    "load_config",
    "prepare",
    "read_aois",
]
