"""People's names: cleaning for display and normalisation for matching.

``clean_name`` keeps a name as typed, only trimmed with runs of spaces collapsed.
``normalise_name`` is for comparison only (never shown): "DUPONT-MARTIN Élodie" and
"dupont martin elodie" give the same text, so that a spreadsheet row, a form and a
duplicate check find the same person.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from functools import lru_cache

# Letter-like marks that people type as apostrophes.
_EXTRA_SEPARATORS = {"ʼ", "ʻ", "ˈ"}
_MAX_PASSES = 5


def clean_name(name: str | None) -> str:
    """Trim and collapse runs of whitespace ("  Jean   Pierre " -> "Jean Pierre")."""
    return " ".join((name or "").split())


def _kept(char: str) -> str:
    """What a character becomes: itself, a space (a separator), or nothing."""
    category = unicodedata.category(char)
    if unicodedata.combining(char) or category == "Cf":
        return ""  # accents, and invisible marks such as soft hyphens or zero-width spaces
    if category[0] in "PSCZ" or char in _EXTRA_SEPARATORS:
        return " "  # hyphens, apostrophes, dots, other punctuation and symbols, controls
    return char


def _one_pass(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(_kept(c) for c in decomposed).split())


# Pure and called for every row of a timesheet, where the same names come back.
@lru_cache(maxsize=65_536)
def normalise_name(name: str | None) -> str:
    """Accents stripped, case folded, hyphens/apostrophes/dots as spaces, spaces collapsed.

    Idempotent: ``normalise_name(normalise_name(s)) == normalise_name(s)``. Case folding
    and compatibility decomposition can each undo the other on rare characters, so the
    steps are repeated until the text no longer changes.
    """
    text = name or ""
    for _ in range(_MAX_PASSES):
        next_text = _one_pass(text)
        if next_text == text:
            break
        text = next_text
    return text


def match_key(last_name: str, first_name: str, birth_date: date) -> str:
    """The key two records of the same person share: normalised names and birth date."""
    return f"{normalise_name(last_name)}|{normalise_name(first_name)}|{birth_date.isoformat()}"
