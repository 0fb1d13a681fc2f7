"""Guardrails from clearsky.yaml's policy, checked at plan time and again at apply. Pure."""

from reconciler.policy.check import check

__all__ = ["check"]
