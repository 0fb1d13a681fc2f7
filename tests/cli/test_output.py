"""Terminal output: colour only on a terminal, never with NO_COLOR or --no-color."""

from __future__ import annotations

import pytest

from reconciler.cli.output import colour_on, set_colour


class Tty:
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    set_colour(True)
    assert colour_on(Tty()) and not colour_on(object())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_on(Tty())
    monkeypatch.delenv("NO_COLOR")
    set_colour(False)  # --no-color
    assert not colour_on(Tty())
    set_colour(True)
