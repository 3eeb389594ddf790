"""Text folding shared by header matching and cell cleaning."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Every Unicode space a spreadsheet may carry: no-break (U+00A0), narrow no-break
# (U+202F, the French thousands separator), thin (U+2009), figure (U+2007)...
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f\u200b\ufeff]+")
_PARENTHESES = re.compile(r"\([^)]*\)")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collapse_spaces(text: str) -> str:
    """Trim and collapse every kind of space into one ordinary space."""
    return _SPACES.sub(" ", text).strip()


def remove_spaces(text: str) -> str:
    return _SPACES.sub("", text)


@lru_cache(maxsize=8192)  # names and headers repeat on every row of a relevé
def fold_words(text: str) -> str:
    """Lower case, no accents, punctuation turned into single spaces."""
    if text.isascii():
        return _NOT_ALNUM.sub(" ", text.lower()).strip()
    folded = strip_accents(text.lower().replace("œ", "oe").replace("æ", "ae"))
    return _NOT_ALNUM.sub(" ", folded).strip()


def header_key(text: str) -> str:
    """Key used to compare headers: parenthesised notes, case, accents, spaces
    and punctuation are ignored (``Né(e) le`` and ``NE LE`` give ``nele``)."""
    return fold_words(_PARENTHESES.sub(" ", text)).replace(" ", "")
