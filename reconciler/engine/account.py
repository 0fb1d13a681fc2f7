"""Which account a run talks to, and whether the state belongs to it.

A state belongs to one account at one API URL. Before anything is planned or changed, the key
is asked which account it opens (GET /api/account/info, or its older path); where the service
names no tenant, a salted fingerprint of the key stands in (never the key). A state recorded
for another account or URL is refused with one line, and nothing is called that changes
anything. The account's MaxConcurrentConnections caps the requests in flight.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from urllib.parse import urlsplit

from reconciler.api import GONE, ClearskyClient
from reconciler.api.models import AccountInfo
from reconciler.domain.price import MAX_EUR, is_price
from reconciler.engine.target import SANDBOX_KEY, Target
from reconciler.errors import ApiError, StateError
from reconciler.planning.plan import Credits
from reconciler.state import Owner, State

EMBEDDED = "embedded-sandbox"
"""The API URL the state records for --sandbox: its own account, never confused with a
sandbox served on loopback."""


class AccountMismatchError(StateError):
    """The state belongs to another account or API URL than the key and URL given."""


@dataclass(frozen=True)
class Account:
    owner: Owner
    credits: Credits | None = None
    """Its order credits, where the account info names them."""


async def identify(target: Target, client: ClearskyClient) -> Owner:
    """The account the target's key opens (and cap the client to its connection limit)."""
    return (await read_account(target, client)).owner


async def read_account(target: Target, client: ClearskyClient) -> Account:
    """The account the target's key opens, with its order credits where the service names
    them (and cap the client to its connection limit)."""
    credits = None
    try:
        info = await client.account_info()
    except ApiError as error:
        if error.status not in GONE:
            raise
        tenant = None
    else:
        tenant = info.tenant_id
        if info.max_concurrent_connections:
            client.cap_parallelism(info.max_concurrent_connections)
        credits = credits_of(info)
    url = EMBEDDED if target.sandbox else normalised(target.api_url)
    if tenant:
        return Account(Owner(url, f"tenant {tenant}"), credits)
    key = SANDBOX_KEY if target.sandbox else target.api_key or ""
    return Account(Owner(url, f"key {key_fingerprint(key, url)}"), credits)


def credits_of(info: AccountInfo) -> Credits | None:
    """The order credits the account info names (EuroCreditAmount today, CreditAmount in older
    versions) and the overdraft; None where it names none, or a figure that is not an amount
    of euro (a balance that cannot be read is not taken for enough)."""
    balance = next(
        (v for v in (info.euro_credit_amount, info.credit_amount) if v is not None), None
    )
    if balance is None:
        return None
    overdraft = info.euro_overdraft_limit if info.euro_overdraft_limit is not None else 0.0
    try:
        balance, overdraft = float(balance), float(overdraft)
    except (TypeError, ValueError):
        return Credits(0.0, 0.0)
    if isinstance(balance, bool) or not math.isfinite(balance) or abs(balance) > MAX_EUR:
        return Credits(0.0, 0.0)
    if not is_price(overdraft):
        overdraft = 0.0
    return Credits(balance, overdraft)


def check_owner(state: State, owner: Owner, *, accept_url: bool = False) -> str:
    """Refuse a state that belongs to another account. The account, not the URL: where the
    service names its tenant, the same tenant at another URL (a restarted server, a proxy, a
    new domain) is the same account, and the note returned says so (the next apply records the
    new URL). Where it names none, the key's fingerprint depends on the URL, so a new URL is
    accepted only with `accept_url` (--accept-url), once."""
    recorded = state.owner
    if recorded is None or recorded == owner:
        return ""
    tenant = owner.account.startswith("tenant ")
    moved = recorded.api_url != owner.api_url
    if moved and tenant and recorded.account == owner.account:
        return (
            f"this state was recorded for {owner.account} at {recorded.api_url}; the same "
            f"account answers at {owner.api_url}, and the next apply records that URL"
        )
    keyed = not tenant and recorded.account.startswith("key ")
    if moved and keyed and accept_url:
        return (
            f"--accept-url: the state recorded {recorded.api_url}; the next apply records "
            f"{owner.api_url} for it"
        )
    hint = (
        " If this is the same account at a new URL (the service names no tenant, so that "
        "cannot be checked), give --accept-url once"
        if moved and keyed
        else ""
    )
    raise AccountMismatchError(
        f"this state belongs to {recorded}; the key given is for {owner}. Nothing was "
        f"changed: use that account's key and URL, or another state file (--state).{hint}"
    )


def key_fingerprint(api_key: str, api_url: str) -> str:
    """A salted digest of the key: the same key at the same URL gives the same text; the key
    cannot be read back from it."""
    digest = hmac.new(api_key.encode(), f"clearsky-orders:{api_url}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def normalised(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}"
