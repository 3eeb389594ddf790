"""Issued monthly reports kept as issued, beside the log's proof of them.

``MonthlyReportIssued`` records the log position a report was computed at and the
SHA-256 of its canonical JSON: that is the proof. Recomputing the report from a replay
of the log up to that position reproduces it, but takes about 20 s on a national-size
territory, and cannot once personal data were erased since. So the issuing transaction
also keeps the report itself in ``issued_report_contents`` (durable, outside the log):
typed JSON that decodes to the very dict that was issued (Decimal, date), and is
trusted only when it still hashes to the recorded value.

A monthly report holds figures, buyers', markets' and companies' names, never a
person's identity, so keeping it does not defeat an erasure.
"""

from __future__ import annotations

import datetime
import json
import logging
import zlib
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from events.schema import issued_report_contents

log = logging.getLogger(__name__)
_DECIMAL, _DATE = "$decimal", "$date"


def _typed(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return {_DECIMAL: format(obj, "f")}
    if isinstance(obj, datetime.datetime):
        raise TypeError("a monthly report holds dates, not instants")
    if isinstance(obj, datetime.date):
        return {_DATE: obj.isoformat()}
    if isinstance(obj, dict):
        if any(not isinstance(key, str) or key.startswith("$") for key in obj):
            raise TypeError(f"unexpected report keys: {list(obj)[:3]}")
        return {key: _typed(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_typed(value) for value in obj]
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    raise TypeError(f"unexpected value in a report: {type(obj).__name__}")


def _untyped(obj: dict) -> Any:
    if len(obj) == 1:
        if _DECIMAL in obj:
            return Decimal(obj[_DECIMAL])
        if _DATE in obj:
            return datetime.date.fromisoformat(obj[_DATE])
    return obj


def encode(report: dict) -> bytes:
    """The report as compressed typed JSON."""
    text = json.dumps(_typed(report), ensure_ascii=False, separators=(",", ":"))
    return zlib.compress(text.encode(), 6)


def decode(blob: bytes) -> dict:
    return json.loads(zlib.decompress(blob).decode(), object_hook=_untyped)


def keep(conn, report_id: str, content_sha256: str, report: dict) -> None:
    """Keep ``report`` for ``report_id`` (on the caller's transaction); kept once."""
    exists = select(issued_report_contents.c.report_id).where(
        issued_report_contents.c.report_id == str(report_id)
    )
    if conn.execute(exists).first() is not None:
        return
    conn.execute(
        insert(issued_report_contents).values(
            report_id=str(report_id),
            content_sha256=content_sha256,
            content=encode(report),
            kept_at=datetime.datetime.now(datetime.UTC),
        )
    )


def keep_apart(store, report_id: str, content_sha256: str, report: dict) -> None:
    """``keep`` in a transaction of its own (a report reproduced by replay, issued before
    reports were kept); a concurrent keeper winning the race is fine."""
    engine = getattr(store, "engine", None)
    if engine is None:
        return
    try:
        with engine.begin() as conn:
            keep(conn, report_id, content_sha256, report)
    except IntegrityError:
        pass


def kept(store, report_id: str, content_sha256: str) -> dict | None:
    """The kept report when it still hashes to ``content_sha256``, else None (logged)."""
    from clauses_service.reports.issued import content_sha256 as digest_of

    reading = getattr(store, "reading", None)
    if reading is None:  # the in-memory store keeps nothing outside its log
        return None
    query = select(issued_report_contents.c.content).where(
        issued_report_contents.c.report_id == str(report_id)
    )
    with reading() as conn:
        blob = conn.execute(query).scalar()
    if blob is None:
        return None
    try:
        report = decode(blob)
    except (ValueError, zlib.error):
        log.error("kept report %s is unreadable; recomputing it", report_id)
        return None
    if digest_of(report) != content_sha256:
        log.error("kept report %s does not hash to its issued value; recomputing it", report_id)
        return None
    return report
