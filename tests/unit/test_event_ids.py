"""Event ids are version-7 UUIDs: time-ordered (cheap to index), unique, RFC 9562 layout."""

from __future__ import annotations

import time
import uuid

from events.ids import new_event_id, new_event_ids


def test_ids_are_rfc_9562_version_7():
    ident = new_event_id()
    assert isinstance(ident, uuid.UUID)
    assert ident.version == 7 and ident.variant == uuid.RFC_4122
    millis = ident.int >> 80
    assert abs(millis - time.time_ns() // 1_000_000) < 5_000


def test_ids_are_unique_and_ordered_by_the_millisecond():
    ids = [new_event_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    stamps = [i.int >> 80 for i in ids]
    assert stamps == sorted(stamps)
    # Within one millisecond the 74 random bits differ.
    assert len({i.int & ((1 << 74) - 1) for i in ids}) == len(ids)


def test_ids_made_in_bulk_have_the_same_layout_and_their_canonical_text():
    pairs = new_event_ids(5_000)
    ids = [ident for ident, _ in pairs]
    assert len(set(ids)) == len(ids)
    for ident, text in pairs:
        assert isinstance(ident, uuid.UUID) and str(ident) == text
        assert uuid.UUID(text) == ident and hash(uuid.UUID(text)) == hash(ident)
        assert ident.version == 7 and ident.variant == uuid.RFC_4122
        assert abs((ident.int >> 80) - time.time_ns() // 1_000_000) < 5_000
    assert len({i.int & ((1 << 74) - 1) for i in ids}) == len(ids)
    later = new_event_ids(1)[0][0]
    assert later.int >> 80 >= ids[-1].int >> 80
    assert new_event_ids(0) == []
