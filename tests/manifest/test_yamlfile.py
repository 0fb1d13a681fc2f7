"""The manifest reader reads YAML exactly as PyYAML's safe loader does, however often a text
repeats (it remembers the tag of each short plain scalar it has seen)."""

from __future__ import annotations

import pytest
import yaml

from reconciler.manifest import yamlfile
from reconciler.manifest.yamlfile import read_documents

# YAML 1.1 reads many plain texts as something other than a string; each is read twice, so
# the second reading comes from what the first remembered.
TRICKY = [
    "yes", "No", "on", "OFF", "y", "~", "null", "Null", "", "1e3", "1.5", ".inf", "-.Inf",
    "0o17", "017", "010", "0x1F", "0b101", "1_000", "190:20:30", "2025-01-01",
    "2025-01-01T10:00:00Z", "2026-02-30x", "Stratus2", "true", "False", "+12", "-0",
    "'quoted yes'", '"2025-01-01"', "<<x",
]  # fmt: skip


def _document(values: list[str]) -> str:
    listed = ", ".join(v for v in values if v)  # a flow sequence has no empty entries
    return "".join(f"k{i}: {v}\n" for i, v in enumerate(values)) + f"list: [{listed}]\n"


def test_every_tricky_scalar_reads_as_the_safe_loader_reads_it_twice_over() -> None:
    text = _document(TRICKY + TRICKY)
    (document,) = read_documents(text)
    assert document.value == yaml.safe_load(text)
    again = next(iter(read_documents(text)))  # every tag now from the memo
    assert again.value == yaml.safe_load(text)
    read = {text: again.value[f"k{i}"] for i, text in enumerate(TRICKY)}
    assert read["yes"] is True and read["~"] is None and read["017"] == 15
    assert read["2025-01-01"].isoformat() == "2025-01-01"
    assert read["'quoted yes'"] == "quoted yes" and read['"2025-01-01"'] == "2025-01-01"


def test_a_leading_zero_is_octal_as_yaml_1_1_reads_it() -> None:
    (document,) = read_documents("imageFrequency: 010\nstorageMonths: 0\napiRequests: 12\n")
    assert document.value == {"imageFrequency": 8, "storageMonths": 0, "apiRequests": 12}


def test_nan_reads_as_nan() -> None:
    (document,) = read_documents("a: .nan\nb: .NaN\n")
    assert all(v != v for v in document.value.values())


def test_quoted_and_long_texts_are_strings_whatever_was_remembered() -> None:
    list(read_documents("a: yes\nb: 2025-01-01\n"))
    (document,) = read_documents("a: 'yes'\nb: \"2025-01-01\"\nc: " + "1" * 60 + "\n")
    assert document.value == {"a": "yes", "b": "2025-01-01", "c": int("1" * 60)}


def test_the_memo_stays_bounded_under_many_distinct_texts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlfile, "_PLAIN_TAGS", {})
    monkeypatch.setattr(yamlfile, "_MEMO_ENTRIES", 50)
    text = "".join(f"k{i}: v{i}\n" for i in range(200))
    (document,) = read_documents(text)
    assert document.value == yaml.safe_load(text)
    assert len(yamlfile._PLAIN_TAGS) == 50
