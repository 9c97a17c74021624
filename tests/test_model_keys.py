"""Primary keys: version-7 UUIDs, so keys made one after another sort one after another."""

from __future__ import annotations

import time
import uuid

from bot.models.types import new_id


def test_keys_are_version_7_with_the_rfc_variant() -> None:
    keys = [new_id() for _ in range(1000)]
    assert {k.version for k in keys} == {7}
    assert {k.variant for k in keys} == {uuid.RFC_4122}
    assert len(set(keys)) == len(keys)


def test_keys_carry_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    key = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= key.int >> 80 <= after


def test_later_keys_sort_after_earlier_ones() -> None:
    first = new_id()
    time.sleep(0.002)  # keys within one millisecond are in random order; across, in time order
    second = new_id()
    assert first < second
    assert first.hex < second.hex  # also as SQLite stores them (32 hex digits)
