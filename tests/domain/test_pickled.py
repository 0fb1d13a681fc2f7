"""Orders travel from the loading helper pickled: they come back whole, caches and all."""

from __future__ import annotations

import pickle

import pytest

from reconciler.domain.desired import DesiredOrder
from reconciler.domain.order import UNSET
from reconciler.domain.pickled import pickled_by_fields
from reconciler.manifest import load_chunk, prepare
from tests.conftest import EXAMPLES


def orders(unread: bool) -> list[DesiredOrder]:
    job = prepare([EXAMPLES])
    return load_chunk(job.files, job.root, job.defaults, job.catalog, unread=unread).orders


@pytest.mark.parametrize("unread", [True, False])
def test_an_order_comes_back_equal_with_what_was_worked_out(unread: bool) -> None:
    sent = orders(unread)
    for order in sent:
        order.spec.fingerprint  # noqa: B018 - worked out before it is sent
        order.spec.raw_key  # noqa: B018
    back = pickle.loads(pickle.dumps(sent, pickle.HIGHEST_PROTOCOL))
    assert back == sent
    for a, b in zip(sent, back, strict=True):
        assert b.spec.fingerprint == a.spec.fingerprint and b.spec.raw_key == a.spec.raw_key
        assert b.spec.unread == a.spec.unread and b.source == a.source
        assert (b.spec._area is UNSET) == (a.spec._area is UNSET)  # the sentinel is itself


def test_a_state_of_another_shape_is_refused() -> None:
    from dataclasses import dataclass

    @pickled_by_fields
    @dataclass(frozen=True, slots=True)
    class Pair:
        a: int
        b: int

    pair = Pair.__new__(Pair)
    with pytest.raises(TypeError):
        pair.__setstate__((1,))  # type: ignore[attr-defined]
    pair.__setstate__((1, 2))  # type: ignore[attr-defined]
    assert pair == Pair(1, 2)


def test_every_pickled_class_keeps_all_its_fields_in_its_state() -> None:
    from dataclasses import fields

    order = orders(True)[0]
    for value in (order, order.spec, order.source, order.spec.aoi):
        state = value.__getstate__()
        assert state == tuple(getattr(value, f.name) for f in fields(value))  # type: ignore[arg-type]
