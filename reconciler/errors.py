"""The exceptions clearsky-orders raises, in one tree.

    ClearskyOrdersError                 anything this package raises on purpose
    ├── ConfigurationError              a setting is wrong: API URL, API key, paths
    ├── ManifestError                   invalid manifests or clearsky.yaml (every Problem)
    ├── StateError                      the state file is unreadable, or from a newer version
    │   └── StateLockedError            another run holds the state lock
    ├── PlanError                       a saved plan is unreadable
    ├── UnsafePlanError                 the plan may not be applied; nothing was applied
    │   ├── StalePlanError              manifests, live orders or state changed since the plan
    │   ├── ChecksumMismatchError       the plan is not the one that was reviewed
    │   ├── PolicyError                 it breaks guardrails of clearsky.yaml's policy
    │   └── BrokenChangesError          some of its changes carry an error
    ├── ApplyError                      apply stopped part way (carries what was done)
    └── ApiError                        the ClearSKY service said no, or could not be reached
        ├── TransportError              no usable answer: connection, timeout, dropped response
        ├── AuthError                   401/403: the API key is missing or rejected
        ├── NotFoundError               404
        ├── RateLimitedError            429 after the retries ran out
        ├── ServerError                 5xx after the retries ran out
        ├── NoPriceError                an estimate with no cost the client can read
        └── ServiceError                400 with the service's error code
            ├── ValidationFailedError   992/993 bad request, per-field messages
            ├── NotEnoughUnitsError     994
            ├── NoImageryError          1002
            ├── TooManyRequestsError    1003
            ├── AreaLimitError          1004
            ├── TooManyBandsError       1005
            └── NotCoveredError         1006

API errors carry the service's message and code, the method and path, never the API key.
UnsafePlanError is raised by one function, `reconciler.engine.guard.raise_if_unsafe`, which
plan and apply both call.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reconciler.oneline import one_line


class ClearskyOrdersError(Exception):
    """Base of every error raised on purpose; its message is written for a person."""


class ConfigurationError(ClearskyOrdersError):
    """A setting is wrong or missing: the API URL, the API key, a path."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, and where it is."""

    file: str
    line: int
    name: str
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        who = f" [{self.name}]" if self.name else ""
        what = f" {self.field}:" if self.field else ""
        return f"{where}:{who}{what} {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "name": self.name,
            "field": self.field,
            "message": self.message,
        }


class ManifestError(ClearskyOrdersError):
    """The manifests (or clearsky.yaml) are invalid; `problems` lists every reason."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the manifests")


class StateError(ClearskyOrdersError):
    """The state file cannot be read or written."""


class StateLockedError(StateError):
    """Another run holds the lock on the state file."""


class StateConflictError(StateError):
    """Another run wrote the state since this one read it (a compare-and-swap failed)."""


class OwnershipError(StateError):
    """An order this state would record is owned by another state of the account."""


class PlanError(ClearskyOrdersError):
    """A saved plan cannot be read."""


class UnsafePlanError(ClearskyOrdersError):
    """The plan may not be applied; nothing was applied."""


class StalePlanError(UnsafePlanError):
    """The saved plan no longer matches the manifests, the live orders or the state."""


class ChecksumMismatchError(UnsafePlanError):
    """The plan made now is not the one that was reviewed (--expect-checksum)."""


class Rule(Protocol):
    """A broken guardrail, as the policy reports it."""

    @property
    def rule(self) -> str: ...

    @property
    def message(self) -> str: ...


class PolicyError(UnsafePlanError):
    """The plan breaks the policy; `violations` lists every rule it breaks."""

    def __init__(self, violations: Sequence[Rule]) -> None:
        self.violations = list(violations)
        lines = "\n".join(f"  - {v.rule}: {v.message}" for v in self.violations)
        super().__init__(
            f"the plan breaks {len(self.violations)} guardrail(s); nothing was applied:\n{lines}"
        )


class BrokenChangesError(UnsafePlanError):
    """Some changes carry an error (the service cannot do them); `names` lists them."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        super().__init__(
            f"{len(self.names)} change(s) cannot be applied ({', '.join(self.names)}; see the "
            "errors above); nothing was applied"
        )


class ApplyError(ClearskyOrdersError):
    """Apply stopped part way; `done` and `not_done` say what happened to each change."""

    def __init__(self, message: str, *, done: Sequence[str], not_done: Sequence[str]) -> None:
        super().__init__(message)
        self.done = list(done)
        self.not_done = list(not_done)


class ApiError(ClearskyOrdersError):
    """The ClearSKY service refused a request or could not be reached."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        self.message = one_line(message)  # the service's words: never an escape sequence
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        super().__init__(self._describe())

    def _describe(self) -> str:
        where = f"{self.method} {self.path}: " if self.method else ""
        bits = [
            b
            for b in (
                f"HTTP {self.status}" if self.status else "",
                f"code {self.code}" if self.code is not None else "",
            )
            if b
        ]
        suffix = f" ({', '.join(bits)})" if bits else ""
        return f"{where}{self.message}{suffix}"


class TransportError(ApiError):
    """No usable answer: the connection failed, timed out or the response was dropped."""


class AuthError(ApiError):
    """The API key is missing or was rejected (HTTP 401/403)."""


class NotFoundError(ApiError):
    """The service has no such thing (HTTP 404)."""


class RateLimitedError(ApiError):
    """The service kept answering 429 Too Many Requests."""


class ServerError(ApiError):
    """The service kept failing with 5xx."""


class NoPriceError(ApiError):
    """The estimate answer holds no cost this client recognises: never read as 0.00."""


class ServiceError(ApiError):
    """The service answered with one of its error codes."""


class ValidationFailedError(ServiceError):
    """The request was malformed or invalid (codes 992/993); `fields` holds the messages."""

    def __init__(
        self, message: str, *, fields: Mapping[str, Sequence[str]] | None = None, **kwargs: object
    ) -> None:
        self.fields = {k: list(v) for k, v in (fields or {}).items()}
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.fields.items())
        super().__init__(f"{message}: {detail}" if detail else message, **kwargs)  # type: ignore[arg-type]


class NotEnoughUnitsError(ServiceError):
    """Not enough processing units on the account (code 994)."""


class NoImageryError(ServiceError):
    """No imagery for the area and time (code 1002)."""


class TooManyRequestsError(ServiceError):
    """Too many concurrent requests (code 1003)."""


class AreaLimitError(ServiceError):
    """The area is above the service's limit (code 1004)."""


class TooManyBandsError(ServiceError):
    """Too many bands requested (code 1005)."""


class NotCoveredError(ServiceError):
    """The area and date are not covered by an order (code 1006)."""


SERVICE_ERRORS: dict[int, type[ServiceError]] = {
    992: ValidationFailedError,
    993: ValidationFailedError,
    994: NotEnoughUnitsError,
    1002: NoImageryError,
    1003: TooManyRequestsError,
    1004: AreaLimitError,
    1005: TooManyBandsError,
    1006: NotCoveredError,
}


@dataclass
class Problems:
    """Collects problems so that one run reports all of them."""

    items: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    """Warnings: worth saying, not a reason to refuse the input."""

    def add(self, file: str, line: int, name: str, field_: str, message: str) -> None:
        self.items.append(Problem(file, line, name, field_, message))

    def note(self, file: str, line: int, name: str, field_: str, message: str) -> None:
        self.notes.append(Problem(file, line, name, field_, message))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ManifestError(self.items)
