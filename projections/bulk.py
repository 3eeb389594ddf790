"""Many rows into a read table in one DBAPI ``executemany`` (a COPY on PostgreSQL).

``conn.execute(insert(table), rows)`` processes every parameter of every row through
SQLAlchemy's compiled-statement machinery (about 40 µs a row on this kind of machine):
a whole-file import writes 10,000 hour lines and 10,000 history rows, and that
bookkeeping, not the database, was most of the hours projection's time. Here the
statement is compiled once per (table, columns, dialect), each column's bind processor
(JSON, dates, booleans as the dialect stores them) is looked up once, and the rows go
to the driver's cursor as tuples, on the same connection and transaction.

The values written are the ones SQLAlchemy would write: same bind processors, the
same INSERT on SQLite, a COPY of the same columns on PostgreSQL. Use it for plain
INSERTs and key DELETEs of read tables, never for the event log.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import closing
from functools import lru_cache
from operator import itemgetter

from sqlalchemy import JSON, Table, and_, bindparam, delete, insert


def insert_rows(conn, table: Table, rows: Sequence[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table``; on PostgreSQL as one
    COPY (an ``executemany`` there is one round trip per row)."""
    if not rows:
        return
    sql, order, processors = _insert_for(table, tuple(rows[0]), conn.dialect)
    pick = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
    values = _processed(processors, list(map(pick, rows)))
    with closing(conn.connection.dbapi_connection.cursor()) as cursor:
        if conn.dialect.name == "postgresql":
            with cursor.copy(_copy_for(table, order, conn.dialect)) as copy:
                for row in values:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, values)


def delete_keys(conn, table: Table, key_names: Sequence[str], keys: Sequence[tuple]) -> None:
    """DELETE the rows whose ``key_names`` columns equal each tuple of ``keys``."""
    if not keys:
        return
    names = tuple(key_names)
    sql, order, processors = _delete_for(table, names, conn.dialect)
    where = [names.index(key[2:]) for key in order]  # "k_<column>" -> index in a key
    values = _processed(processors, [tuple(key[i] for i in where) for key in keys])
    with closing(conn.connection.dbapi_connection.cursor()) as cursor:
        cursor.executemany(sql, values)


def _processed(processors, rows: list[tuple]) -> list[tuple]:
    """The rows with each column through its bind processor, column by column."""
    if all(process is None for process in processors):
        return rows
    columns = list(zip(*rows, strict=True))
    for index, process in enumerate(processors):
        if process is not None:
            columns[index] = [None if value is None else process(value) for value in columns[index]]
    return list(zip(*columns, strict=True))


_PYFORMAT = re.compile(r"%\((\w+)\)s")


def _positional(compiled) -> tuple[str, tuple[str, ...]]:
    """(SQL with positional parameters, parameter names in their order)."""
    if compiled.positional:  # qmark (SQLite)
        return compiled.string, tuple(compiled.positiontup)
    # pyformat (psycopg): %(name)s -> %s, names in the order they appear
    order = tuple(_PYFORMAT.findall(compiled.string))
    return _PYFORMAT.sub("%s", compiled.string), order


def _processors(table: Table, columns: Sequence[str], dialect) -> tuple:
    processors = []
    for name in columns:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and isinstance(table.c[name].type, JSON):
            process = _empty_once(process)
        processors.append(process)
    return tuple(processors)


def _empty_once(process):
    """A JSON bind processor that serialises ``[]`` and ``{}`` once: most rows of a
    whole-file import have no warnings, no errors and no cells to keep."""
    empty_list, empty_dict = process([]), process({})

    def run(value):
        if not value:
            kind = type(value)
            if kind is list:
                return empty_list
            if kind is dict:
                return empty_dict
        return process(value)

    return run


@lru_cache(maxsize=128)
def _insert_for(table: Table, names: tuple[str, ...], dialect) -> tuple[str, tuple, tuple]:
    statement = insert(table).values({name: bindparam(name) for name in names})
    sql, order = _positional(statement.compile(dialect=dialect))
    return sql, order, _processors(table, order, dialect)


@lru_cache(maxsize=128)
def _copy_for(table: Table, order: tuple[str, ...], dialect) -> str:
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in order)
    return f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"


@lru_cache(maxsize=128)
def _delete_for(table: Table, names: tuple[str, ...], dialect) -> tuple[str, tuple, tuple]:
    condition = and_(*(table.c[name] == bindparam(f"k_{name}") for name in names))
    sql, order = _positional(delete(table).where(condition).compile(dialect=dialect))
    return sql, order, _processors(table, [key[2:] for key in order], dialect)
