"""Event ids: UUID version 7 (RFC 9562), time-ordered and globally unique.

A random UUID4 lands anywhere in the unique index on ``event_id``: on a large log every
append dirties pages all over that index (measured: SQLite appends 3x slower, most of it
in the WAL checkpoints). A version-7 id starts with the Unix time in milliseconds, so new
ids go to the right edge of the index; its 74 random bits keep ids of several
territories, processes and machines from ever clashing.
"""

from __future__ import annotations

import os
import time
import uuid

_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62


def new_event_id() -> uuid.UUID:
    """A fresh version-7 UUID: 48 bits of milliseconds, version, variant, random bits."""
    millis = time.time_ns() // 1_000_000
    random_bits = int.from_bytes(os.urandom(10), "big")  # 80 bits, 74 of them kept
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | random_bits
    value = value & ~(0xF << 76) & ~(0x3 << 62) | _VERSION | _VARIANT
    return uuid.UUID(int=value)


# For ``new_event_ids``: the variant nibble (binary 10xx) made from a random hex digit.
_VARIANT_DIGIT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def new_event_ids(count: int) -> list[tuple[uuid.UUID, str]]:
    """``count`` fresh version-7 ids, each with its canonical text (what ``str`` gives).

    The same layout as ``new_event_id`` (48 bits of milliseconds, version 7, variant
    10, 74 random bits), made for a whole append at once: one clock reading and one
    ``os.urandom`` call, and the text built from hex digits rather than from the int.
    """
    millis = f"{time.time_ns() // 1_000_000 & 0xFFFF_FFFF_FFFF:012x}"
    head = f"{millis[:8]}-{millis[8:]}-7"
    digits = os.urandom(10 * count).hex()  # 20 random hex digits per id, 19 used
    variant = _VARIANT_DIGIT
    new, set_slot = object.__new__, object.__setattr__
    out = []
    for i in range(0, 20 * count, 20):
        text = (
            f"{head}{digits[i : i + 3]}-{variant[digits[i + 3]]}{digits[i + 4 : i + 7]}"
            f"-{digits[i + 7 : i + 19]}"
        )
        # What uuid.UUID(text) ends with, without re-parsing a text we just wrote.
        ident = new(uuid.UUID)
        set_slot(ident, "int", int(text.replace("-", ""), 16))
        set_slot(ident, "is_safe", _SAFE_UNKNOWN)
        out.append((ident, text))
    return out


def event_id_from_text(text: str) -> uuid.UUID:
    """``uuid.UUID(text)`` for an id read back from the log, same result and errors.

    The usual text (32 hex digits and dashes) is parsed the way ``uuid.UUID`` parses
    it, without its other spellings' handling; anything else goes to ``uuid.UUID``.
    """
    digits = text.replace("-", "")
    if len(digits) == 32:
        try:
            value = int(digits, 16)
        except ValueError:
            return uuid.UUID(text)  # braces, "urn:uuid:"... or its ValueError
        ident = object.__new__(uuid.UUID)
        object.__setattr__(ident, "int", value)
        object.__setattr__(ident, "is_safe", _SAFE_UNKNOWN)
        return ident
    return uuid.UUID(text)
