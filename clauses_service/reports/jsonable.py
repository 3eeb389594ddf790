"""Turn a report dict into JSON-ready data (Decimal -> "1234.56", date -> ISO)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any


def to_jsonable(obj: Any) -> Any:
    """Return a copy of ``obj`` where Decimals are strings and dates ISO strings.

    Hours stay exact: a Decimal is written with its own digits (``"1234.56"``),
    never through a float. Tuples and sets become lists, mapping keys strings.
    """
    if isinstance(obj, Decimal):
        return format(obj, "f")
    if isinstance(obj, datetime.datetime):
        return obj.isoformat()
    if isinstance(obj, datetime.date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(key): to_jsonable(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [to_jsonable(value) for value in obj]
    return obj
