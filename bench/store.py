"""Event store throughput on SQLite and PostgreSQL, against bare driver floors.

Run from the repository root::

    python bench/store.py [--events N] [--backend sqlite|postgresql|both]
                          [--pg-url URL] [--profile append|replay]

Phases, per backend, in one run:

1. append        N events through ``SqlEventStore.transaction()`` / ``tx.append``, in
                 batches of 1,000 (one transaction per batch, 10 streams x 100 events);
2. append floor  the same rows (same columns, same JSON texts) through a bare DBAPI
                 ``cursor.executemany`` (sqlite3 / psycopg), one transaction per batch
                 of 1,000, into a plain table of the same shape (same indexes and
                 unique constraints, no triggers, no RETURNING);
3. replay floor  a bare DBAPI select of the events, pages of 1,000 by position, payload
                 and metadata decoded from JSON (by ``json.loads`` on SQLite, by psycopg
                 on PostgreSQL, as a plain select gives them);
4. replay        ``ProjectionRunner(store, [projection], page_size=1000).rebuild()``:
                 decode every event and apply it (sum Decimal hours per stream in a
                 dict, then upsert the page's aggregates).

The floors are bare DBAPI, not SQLAlchemy Core: an ``executemany`` through
``conn.execute(insert(table), rows)`` and a Core ``select`` cost more than the store
itself now does, so they were no floor. Nothing but the driver and the database runs
in these floors.

Only the store / database work is timed: building the event objects and the floor's
rows happens outside the clock. Durability is each backend's usual bench setting:
SQLite in WAL with synchronous=NORMAL (as ``events.engine`` configures it); the
throwaway PostgreSQL cluster runs with fsync=off and synchronous_commit=off.

Targets (PASS/FAIL is printed; the exit code is 0 regardless, this is a measurement):

* batched append >= 50,000 events/s on SQLite, >= 20,000 events/s on PostgreSQL;
* replay (decode + apply) >= 60,000 events/s on both;
* append and replay each no worse than 3x slower than their bare floor.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import resource  # noqa: E402
import sqlite3  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator, Sequence  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, date, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from uuid import UUID  # noqa: E402

import sqlalchemy  # noqa: E402
from sqlalchemy import (  # noqa: E402
    BigInteger,
    Column,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402

from clauses_service import db as migrations  # noqa: E402
from events.engine import make_engine  # noqa: E402
from events.ids import new_event_id  # noqa: E402
from events.recorded import RecordedEvent  # noqa: E402
from events.registry import EventRegistry  # noqa: E402
from events.schema import events as events_table  # noqa: E402
from events.sql_store import SqlEventStore  # noqa: E402
from projections.amounts import to_cents  # noqa: E402
from projections.base import Projection, read_metadata  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402

BATCH_SIZE = 1_000
STREAMS_PER_BATCH = 10
EVENTS_PER_STREAM = BATCH_SIZE // STREAMS_PER_BATCH
STREAM_POOL = 1_000  # streams are revisited: appends check non-zero versions too
PAGE_SIZE = 1_000
STREAM_TYPE = "bench_contract"
TX_METADATA = {"actor": "bench", "source": "bench/store.py"}

APPEND_TARGET = {"sqlite": 50_000, "postgresql": 20_000}
REPLAY_TARGET = 60_000
MAX_FLOOR_RATIO = 3.0


# ---- the event type and the projection ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class HoursRecorded:
    contract_id: UUID
    month: date
    hours: Decimal


REGISTRY = EventRegistry()
REGISTRY.register(HoursRecorded, "BenchHoursRecorded", effective_field="month")

stream_hours = Table(
    "bench_stream_hours",
    read_metadata,
    Column("stream_id", String(128), primary_key=True),
    Column("hours_cents", BigInteger, nullable=False),
    Column("events", Integer, nullable=False),
    Column("last_position", BigInteger, nullable=False),
)


def _upsert_statement(dialect_insert):
    statement = dialect_insert(stream_hours)
    return statement.on_conflict_do_update(
        index_elements=[stream_hours.c.stream_id],
        set_={
            "hours_cents": stream_hours.c.hours_cents + statement.excluded.hours_cents,
            "events": stream_hours.c.events + statement.excluded.events,
            "last_position": statement.excluded.last_position,
        },
    )


UPSERTS = {"sqlite": _upsert_statement(sqlite_insert), "postgresql": _upsert_statement(pg_insert)}


def apply_hours(conn, events: Sequence[RecordedEvent]) -> None:
    """Sum the page's hours per stream, then upsert one row per stream touched."""
    totals: dict[str, list] = {}
    for recorded in events:
        total = totals.get(recorded.stream_id)
        if total is None:
            total = totals[recorded.stream_id] = [Decimal(0), 0, 0]
        total[0] += recorded.event.hours
        total[1] += 1
        total[2] = recorded.position
    rows = [
        {"stream_id": sid, "hours_cents": to_cents(hours), "events": n, "last_position": last}
        for sid, (hours, n, last) in totals.items()
    ]
    if rows:
        conn.execute(UPSERTS[conn.dialect.name], rows)


PROJECTION = Projection(
    name="bench_stream_hours",
    version=1,
    handles=frozenset({"BenchHoursRecorded"}),
    tables=(stream_hours,),
    apply=apply_hours,
)


# ---- the floor table: same shape as ``events``, no triggers ------------------------------
floor_metadata = MetaData()
floor_events = Table(
    "bench_floor_events",
    floor_metadata,
    *(column._copy() for column in events_table.columns),
    UniqueConstraint("stream_id", "stream_version", name="uq_bench_floor_stream_version"),
    Index("ix_bench_floor_type_position", "event_type", "position"),
    Index("ix_bench_floor_recorded_at", "recorded_at"),
)


# ---- the workload -------------------------------------------------------------------------
class Workload:
    """Deterministic batches of events: 10 streams x 100 events, streams reused."""

    def __init__(self, total: int):
        if total <= 0 or total % BATCH_SIZE:
            raise SystemExit(f"--events must be a positive multiple of {BATCH_SIZE}")
        self.total = total
        self.streams = [uuid.UUID(int=i + 1) for i in range(STREAM_POOL)]
        self.expected_cents = 0

    def batches(self) -> Iterator[list[tuple[UUID, list[HoursRecorded]]]]:
        n = 0
        for batch in range(self.total // BATCH_SIZE):
            out = []
            for s in range(STREAMS_PER_BATCH):
                contract = self.streams[(batch * STREAMS_PER_BATCH + s) % STREAM_POOL]
                events = []
                for _ in range(EVENTS_PER_STREAM):
                    hours = Decimal(n % 5_000 + 1).scaleb(-2)  # 0.01 .. 50.00
                    month = date(2020 + (n // 12) % 10, n % 12 + 1, 1)
                    events.append(HoursRecorded(contract, month, hours))
                    n += 1
                out.append((contract, events))
            yield out

    def expected_total_cents(self) -> int:
        cycles, rest = divmod(self.total, 5_000)
        return cycles * (5_000 * 5_001 // 2) + rest * (rest + 1) // 2


def floor_rows(batch, versions: dict[str, int], recorded_at: datetime) -> list[dict]:
    """The rows the store would write for ``batch`` (same columns and JSON payloads)."""
    rows = []
    for contract, events in batch:
        stream_id = str(contract)
        current = versions.get(stream_id, 0)
        for offset, event in enumerate(events, start=1):
            spec, payload = REGISTRY.encode(event)
            rows.append(
                {
                    "event_id": str(new_event_id()),  # time-ordered, as the store's are
                    "stream_type": STREAM_TYPE,
                    "stream_id": stream_id,
                    "stream_version": current + offset,
                    "event_type": spec.name,
                    "schema_version": spec.version,
                    "payload": payload,
                    "metadata": dict(TX_METADATA),
                    "recorded_at": recorded_at,
                    "effective_date": event.month,
                }
            )
        versions[stream_id] = current + len(events)
    return rows


# ---- measurement --------------------------------------------------------------------------
@dataclass
class Result:
    backend: str
    events: int
    seconds: dict[str, float] = field(default_factory=dict)
    profiles: dict[str, str] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    notes: list[str] = field(default_factory=list)

    def rate(self, phase: str) -> float:
        return self.events / self.seconds[phase]


class Clock:
    """Adds up the time spent inside ``with clock:`` blocks, optionally under cProfile."""

    def __init__(self, profiler: cProfile.Profile | None = None):
        self.seconds = 0.0
        self.profiler = profiler

    def __enter__(self):
        if self.profiler:
            self.profiler.enable()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._start
        if self.profiler:
            self.profiler.disable()
        return False


def _profile_text(profiler: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(15)
    out.write("\n")
    stats.sort_stats("cumulative").print_stats(25)
    return out.getvalue()


def measure_append(store: SqlEventStore, workload: Workload, clock: Clock) -> None:
    versions: dict[str, int] = {}
    for batch in workload.batches():
        appends = [(str(contract), events) for contract, events in batch]
        with clock, store.transaction(TX_METADATA) as tx:
            for stream_id, events in appends:
                tx.append(STREAM_TYPE, stream_id, versions.get(stream_id, 0), events)
        for stream_id, events in appends:
            versions[stream_id] = versions.get(stream_id, 0) + len(events)


def _bare_statements(engine: Engine) -> tuple[str, str, Callable]:
    """The floor's INSERT and page SELECT in the driver's paramstyle, and a row adapter.

    The adapter turns a ``floor_rows`` dict into the tuple the driver takes: JSON as the
    text the store writes; on SQLite, times and days as the text SQLAlchemy stores.
    """
    names = [column.name for column in floor_events.columns if column.name != "position"]
    postgresql = engine.dialect.name == "postgresql"
    mark = "%s" if postgresql else "?"
    insert_sql = (
        f"INSERT INTO {floor_events.name} ({', '.join(names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    select_sql = (
        f"SELECT {', '.join(column.name for column in events_table.columns)} FROM events "
        f"WHERE position > {mark} ORDER BY position LIMIT {mark}"
    )
    if postgresql:
        processors = {}
    else:
        dialect = engine.dialect
        processors = {
            name: floor_events.c[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in ("recorded_at", "effective_date")
        }
    processors["payload"] = processors["metadata"] = json.dumps

    def adapt(row: dict) -> tuple:
        return tuple(
            processors[name](row[name]) if name in processors else row[name] for name in names
        )

    return insert_sql, select_sql, adapt


def measure_append_floor(engine: Engine, workload: Workload, clock: Clock) -> None:
    insert_sql, _, adapt = _bare_statements(engine)
    postgresql = engine.dialect.name == "postgresql"
    versions: dict[str, int] = {}
    raw = engine.raw_connection()
    try:
        for batch in workload.batches():
            rows = [adapt(row) for row in floor_rows(batch, versions, datetime.now(UTC))]
            with clock:
                cursor = raw.cursor()
                if not postgresql:
                    cursor.execute("BEGIN")  # events.engine leaves BEGIN to us on SQLite
                cursor.executemany(insert_sql, rows)
                raw.commit()
                cursor.close()
    finally:
        raw.close()


def measure_replay_floor(engine: Engine, clock: Clock) -> int:
    _, select_sql, _ = _bare_statements(engine)
    postgresql = engine.dialect.name == "postgresql"
    seen = 0
    raw = engine.raw_connection()
    try:
        with clock:
            cursor = raw.cursor()
            if not postgresql:
                cursor.execute("BEGIN")  # one snapshot, as the store's reads have
            after = 0
            while True:
                cursor.execute(select_sql, (after, PAGE_SIZE))
                rows = cursor.fetchall()
                if not rows:
                    break
                for row in rows:
                    payload, metadata = row[7], row[8]
                    if isinstance(payload, str):  # SQLite: text; psycopg decoded it already
                        payload, metadata = json.loads(payload), json.loads(metadata)
                    if payload and metadata is not None:
                        seen += 1
                after = rows[-1][0]
            raw.rollback()
            cursor.close()
    finally:
        raw.close()
    return seen


def measure_replay(store: SqlEventStore, clock: Clock) -> int:
    runner = ProjectionRunner(store, [PROJECTION], page_size=PAGE_SIZE)
    runner.ensure_tables()
    with clock:
        done = runner.rebuild()
    return done[PROJECTION.name]


def run_backend(backend: str, url: str, workload: Workload, profile: str | None) -> Result:
    engine = make_engine(url)
    try:
        migrations.upgrade(engine)
        floor_metadata.create_all(engine)
        store = SqlEventStore(engine, registry=REGISTRY)
        result = Result(backend, workload.total)

        # Same engine and data for a phase and its floor; the replay floor runs first.
        phases: list[tuple[str, Callable[[Clock], object]]] = [
            ("append", lambda c: measure_append(store, workload, c)),
            ("append floor", lambda c: measure_append_floor(engine, workload, c)),
            ("replay floor", lambda c: measure_replay_floor(engine, c)),
            ("replay", lambda c: measure_replay(store, c)),
        ]
        for phase, run in phases:
            clock = Clock(cProfile.Profile() if phase == profile else None)
            outcome = run(clock)
            result.seconds[phase] = clock.seconds
            if clock.profiler:
                result.profiles[phase] = _profile_text(clock.profiler)
            if phase.startswith("replay") and outcome != workload.total:
                result.notes.append(f"{phase}: saw {outcome} events, expected {workload.total}")

        check_database(engine, workload, result)
        result.peak_rss_mb = peak_rss_mb()
        return result
    finally:
        engine.dispose()


def check_database(engine: Engine, workload: Workload, result: Result) -> None:
    with engine.connect() as conn:
        logged = conn.execute(select(func.count()).select_from(events_table)).scalar_one()
        floor = conn.execute(select(func.count()).select_from(floor_events)).scalar_one()
        cents, counted, streams = conn.execute(
            select(
                func.sum(stream_hours.c.hours_cents),
                func.sum(stream_hours.c.events),
                func.count(),
            )
        ).one()
    expected = workload.expected_total_cents()
    if logged != workload.total or floor != workload.total:
        result.notes.append(f"row counts: events={logged} floor={floor}")
    if int(cents or 0) != expected or int(counted or 0) != workload.total:
        result.notes.append(f"projection: {cents} cents / {counted} events, expected {expected}")
    result.notes.append(f"checked: {logged} events, projection has {streams} streams")


def peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


# ---- backends -----------------------------------------------------------------------------
@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="clauses-bench-") as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextmanager
def postgresql_url(admin_url: str | None) -> Iterator[str]:
    """A fresh ``bench_*`` database, on ``admin_url``'s server or on a throwaway cluster."""
    cluster = None
    if admin_url is None:
        from tests.support.pgcluster import ThrowawayCluster

        cluster = ThrowawayCluster()
        admin_url = cluster.start()
    try:
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        name = f"bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        try:
            yield admin.url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            admin.dispose()
    finally:
        if cluster is not None:
            cluster.stop()


def server_version(url: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("SHOW server_version").scalar_one()
    finally:
        engine.dispose()


# ---- report -------------------------------------------------------------------------------
def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[Result]) -> list[str]:
    """Print the table; return the failures."""
    failures = []
    header = (
        f"{'backend':<11} {'phase':<13} {'seconds':>8} {'events/s':>10} "
        f"{'x floor':>8} {'target':>16}  result"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        for phase, floor, target in (
            ("append", "append floor", APPEND_TARGET[r.backend]),
            ("append floor", None, None),
            ("replay", "replay floor", REPLAY_TARGET),
            ("replay floor", None, None),
        ):
            rate = r.rate(phase)
            ratio = f"{r.rate(floor) / rate:7.2f}x" if floor else ""
            target_text, verdict = "", "(floor)"
            if floor:
                slowdown = r.rate(floor) / rate
                checks = [
                    (rate >= target, f"{phase} {rate:,.0f} ev/s < {target:,} ev/s"),
                    (
                        slowdown <= MAX_FLOOR_RATIO,
                        f"{phase} {slowdown:.2f}x slower than its floor > {MAX_FLOOR_RATIO}x",
                    ),
                ]
                target_text = f">={target:,} <={MAX_FLOOR_RATIO:g}x"
                bad = [message for ok, message in checks if not ok]
                verdict = _verdict(not bad)
                if bad:
                    verdict += "  <-- " + "; ".join(bad)
                failures.extend(f"{r.backend}: {message}" for message in bad)
            print(
                f"{r.backend:<11} {phase:<13} {r.seconds[phase]:8.2f} {rate:10,.0f} "
                f"{ratio:>8} {target_text:>16}  {verdict}"
            )
        print(f"{r.backend:<11} peak RSS so far: {r.peak_rss_mb:,.0f} MiB")
        for note in r.notes:
            print(f"{r.backend:<11} {note}")
        print()
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=200_000, help="default 200000")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg-url",
        help="server to use (a fresh bench_* database is created and dropped there); "
        "default: a throwaway cluster",
    )
    parser.add_argument(
        "--profile",
        choices=["append", "replay"],
        help="run that library phase under cProfile and print its top functions "
        "(its timing is then inflated)",
    )
    args = parser.parse_args(argv)

    workload = Workload(args.events)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(__doc__.split("\n", 1)[0])
    print(
        f"python {platform.python_version()}, SQLAlchemy {sqlalchemy.__version__}, "
        f"SQLite {sqlite3.sqlite_version}; {args.events:,} events, batches of {BATCH_SIZE:,} "
        f"({STREAMS_PER_BATCH} streams x {EVENTS_PER_STREAM}), pages of {PAGE_SIZE:,}"
    )
    results = []
    for backend in backends:
        source = sqlite_url() if backend == "sqlite" else postgresql_url(args.pg_url)
        with source as url:
            if backend == "postgresql":
                where = args.pg_url or "a throwaway cluster, fsync=off"
                print(f"PostgreSQL {server_version(url)} ({where})")
            started = time.perf_counter()
            results.append(run_backend(backend, url, workload, args.profile))
            print(f"{backend}: done in {time.perf_counter() - started:.1f} s", flush=True)
    print()
    if args.profile:
        print(f"NOTE: '{args.profile}' ran under cProfile; its rate is inflated.\n")
    failures = report(results)
    print(f"peak RSS: {peak_rss_mb():,.0f} MiB")
    if failures:
        print(f"\nFAIL: {len(failures)} target(s) missed")
        for failure in failures:
            print(f"  FAIL {failure}")
    else:
        print("\nPASS: all targets met")
    for r in results:
        for phase, profile_text in r.profiles.items():
            print(f"\n==== cProfile: {r.backend} {phase} ====")
            print(profile_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
