"""Guardrails from clearsky.yaml's policy, checked at plan time and again at apply. Pure."""

from reconciler.policy.check import PolicyError, Violation, check, enforce

__all__ = ["PolicyError", "Violation", "check", "enforce"]
