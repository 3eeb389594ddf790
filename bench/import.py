"""Monthly-hours import, end to end, against bare parsing of the same file.

Run from the repository root::

    python bench/import.py [--rows 10000,100000] [--lots 5] [--months 12] [--repeat 3]
    python bench/import.py --postgresql   # CLAUSES_BENCH_PG_URL's server, else a throwaway one

For each size: a territory on a fresh SQLite file (one market with ``--lots`` lots,
``rows / (lots x months)`` validated people, built through commands, outside the
clock), a generated XLSX timesheet (one row per person x lot x month, every row
valid, 30 h; the person's contract starts on the first row naming it), then, each
in its own child process so that peak memory is its own:

1. bare parse   ``for row in read_rows(file): pass`` (guard, calamine, header, cleaning);
2. end to end   ``run_import``: parse, match, decide with the contract handlers,
                append, inline projections, commit (one transaction).

Both run ``--repeat`` times, in turns, the import each time on a fresh copy of the
territory; the figures are the best run (and the median), peak memory the highest.

Then, outside the clock of both, the *write floor*: every row the import wrote (events,
read tables, checkpoints) inserted again into a fresh copy of the territory by bare
sqlite3 ``executemany`` in one transaction. Parse + write floor is what any import of
the file into this schema costs at least; the ratio of end to end to it is the price of
the decisions, encoding and bookkeeping.

Targets (issue 4, point 8; printed PASS/FAIL, exit code 0 regardless):
10,000 rows end to end in at most 1 s; end to end at most 2.5x the bare parse;
peak memory for 100,000 rows at most 300 MB.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import date  # noqa: E402

SIRET = "73282932000074"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ---- child processes -----------------------------------------------------------------------
def child_parse(path: str) -> dict:
    from importers import read_rows

    started = time.perf_counter()
    reader = read_rows(Path(path))
    count = sum(1 for _ in reader)
    return {"seconds": time.perf_counter() - started, "rows": count, "peak_mb": _peak_mb()}


def child_import(path: str, url: str) -> dict:
    import events.catalog  # noqa: F401
    from clauses_service import messagebus  # noqa: F401  (loaded, as in a running server)
    from events.engine import make_engine
    from events.sql_store import SqlEventStore
    from importers.pipeline import run_import
    from projections.registry import PROJECTIONS
    from projections.runner import ProjectionRunner

    store = SqlEventStore(make_engine(url))
    ProjectionRunner(store, PROJECTIONS).attach()
    started = time.perf_counter()
    result = run_import(store, Path(path), Path(path).name, "bench")
    return {
        "seconds": time.perf_counter() - started,
        "rows": result["counts"]["rows"],
        "counts": result["counts"],
        "peak_mb": _peak_mb(),
    }


def write_floor(result_db: Path, territory_db: Path, work: Path) -> dict:
    """The database's part alone: the rows the import wrote (every new or changed row of
    every table: events, read tables, checkpoints), found by comparing the imported
    database with the territory, inserted again into a fresh copy of the territory by
    bare sqlite3 ``executemany``, one transaction, same indexes, timed. No parsing, no
    decision, no encoding: what any import of this file into this schema costs at least
    besides the parse."""
    import sqlite3

    fresh = work / "floor.db"
    _copy_db(territory_db, fresh)
    source = sqlite3.connect(result_db)
    source.execute("ATTACH DATABASE ? AS base", (str(territory_db),))
    tables = [
        name
        for (name,) in source.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    batches, total = [], 0
    for table in tables:
        rows = source.execute(
            f'SELECT * FROM main."{table}" EXCEPT SELECT * FROM base."{table}"'
        ).fetchall()
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            verb = "INSERT" if table == "events" else "INSERT OR REPLACE"
            batches.append((table, f'{verb} INTO "{table}" VALUES ({marks})', rows))
            total += len(rows)
    source.close()
    target = sqlite3.connect(fresh, isolation_level=None)
    target.execute("PRAGMA journal_mode=WAL")
    target.execute("PRAGMA synchronous=NORMAL")
    started = time.perf_counter()
    target.execute("BEGIN IMMEDIATE")
    per_table = {}
    for table, sql, rows in batches:
        mark = time.perf_counter()
        target.executemany(sql, rows)
        per_table[table] = (len(rows), time.perf_counter() - mark)
    target.execute("COMMIT")
    seconds = time.perf_counter() - started
    target.close()
    return {"seconds": seconds, "rows": total, "tables": len(batches), "per_table": per_table}


def _copy_db(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    for suffix in ("-wal", "-shm"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")


def _run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"child failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- setup (outside the clock) ---------------------------------------------------------------
def build_territory(url: str, people: int, lots: int) -> list[tuple[str, str]]:
    import events.catalog  # noqa: F401
    from clauses_service import db
    from events.catalog.sectors import Sector
    from events.engine import make_engine
    from events.sql_store import SqlEventStore
    from projections.registry import PROJECTIONS
    from projections.runner import ProjectionRunner
    from tests.support.territory import Territory

    engine = make_engine(url)
    db.upgrade(engine)
    store = SqlEventStore(engine)
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    t = Territory(store)
    buyer = t.buyer("Dijon Métropole")
    company = t.company("Bâtiment Dijon SAS", siret=SIRET)
    market = t.market(buyer, "BENCH-01", Sector.BTP, date(2023, 1, 1), date(2026, 12, 31))
    for number in range(1, lots + 1):
        t.lot(market, company, str(number))
    names = []
    for index in range(people):
        last, born = f"Salarié{index:06d}", date(1970 + index % 30, 1 + index % 12, 1)
        t.validate(t.person(last, "Camille", born), (Sector.BTP,), date(2022, 12, 1))
        names.append((last, born))
    engine.dispose()
    return names


def write_timesheet(path: Path, names, lots: int, months: int) -> int:
    from openpyxl import Workbook

    from importers.headers import COLUMNS
    from importers.template import TEMPLATE_COLUMNS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Heures")
    sheet.append(["Relevé mensuel des heures d'insertion"])
    sheet.append([])
    sheet.append([COLUMNS[name].label for name in TEMPLATE_COLUMNS])  # the template's header
    count = 0
    for last, born in names:
        for lot in range(1, lots + 1):
            for month in range(months):
                sheet.append(
                    [
                        SIRET,
                        "BENCH-01",
                        str(lot),
                        last,
                        "Camille",
                        born,
                        "CDDI",
                        date(2024, 1, 2),
                        date(2025, 12, 31),
                        f"{1 + month % 12:02d}/{2024 + month // 12}",
                        30,
                        0,
                        None,
                    ]
                )
                count += 1
    workbook.save(path)
    return count


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


class SqliteCopies:
    """The territory in a SQLite file; each run on a copy of it."""

    def __init__(self, work: Path, size: int) -> None:
        self.work, self.size = work, size
        self.template = work / f"territory-{size}.db"
        self.territory_url = f"sqlite:///{self.template}"

    def fresh(self) -> str:
        self.copy = self.work / f"run-{self.size}.db"
        _copy_db(self.template, self.copy)
        return f"sqlite:///{self.copy}"

    def floor(self) -> dict | None:
        return write_floor(self.copy, self.template, self.work)


class PostgresCopies:
    """The territory in a PostgreSQL database; each run on ``CREATE DATABASE ... TEMPLATE``
    of it (the server URL's user must be allowed to create databases)."""

    def __init__(self, server_url: str, size: int) -> None:
        from sqlalchemy.engine import make_url

        self.server = make_url(server_url)
        self.template, self.run = f"bench_import_{size}", f"bench_import_{size}_run"
        self._sql(f"DROP DATABASE IF EXISTS {self.run}", f"DROP DATABASE IF EXISTS {self.template}")
        self._sql(f"CREATE DATABASE {self.template}")
        self.territory_url = self._url(self.template)

    def _url(self, name: str) -> str:
        return self.server.set(database=name).render_as_string(hide_password=False)

    def _sql(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self._url(self.server.database or "postgres"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def fresh(self) -> str:
        self._sql(
            f"DROP DATABASE IF EXISTS {self.run}",
            f"CREATE DATABASE {self.run} TEMPLATE {self.template}",
        )
        return self._url(self.run)

    def floor(self) -> dict | None:
        return None  # measured on SQLite only


def bench(size: int, lots: int, months: int, work: Path, repeat: int, pg_url=None) -> dict:
    people = max(1, size // (lots * months))
    databases = PostgresCopies(pg_url, size) if pg_url else SqliteCopies(work, size)
    started = time.perf_counter()
    names = build_territory(databases.territory_url, people, lots)
    path = work / f"releve-{size}.xlsx"
    rows = write_timesheet(path, names, lots, months)
    setup = time.perf_counter() - started
    # Parse and import in turns, each on a fresh copy of the territory: this machine's
    # speed drifts from minute to minute, and both sides of the ratio see the same drift.
    parses, imports = [], []
    for _ in range(repeat):
        parses.append(_run_child("parse", str(path)))
        imports.append(_run_child("import", str(path), databases.fresh()))
    floor = databases.floor()
    return {
        "requested": size,
        "size": rows,
        "people": people,
        "file_mb": path.stat().st_size / (1024 * 1024),
        "setup_s": setup,
        "parse": _summary(parses),
        "import": _summary(imports),
        "floor": floor,
    }


def _summary(runs: list[dict]) -> dict:
    """Best and median seconds of the runs, their highest peak, the last run's counts."""
    seconds = sorted(run["seconds"] for run in runs)
    return {
        "seconds": seconds[0],
        "median": seconds[len(seconds) // 2],
        "runs": len(runs),
        "peak_mb": max(run["peak_mb"] for run in runs),
        "counts": runs[-1].get("counts"),
    }


# What no import of hours can skip: the events themselves and the current hour lines.
CORE_TABLES = ("events", "rm_hours")


def _n(number: float) -> str:
    """A count the French way: thin groups of three digits."""
    return f"{number:,.0f}".replace(",", " ")


def report(result: dict) -> None:
    parse, full = result["parse"], result["import"]
    ratio = full["seconds"] / parse["seconds"] if parse["seconds"] else float("inf")
    median_ratio = full["median"] / parse["median"] if parse["median"] else float("inf")
    size = result["size"]
    print(
        f"\n{_n(size)} rows ({_n(result['people'])} people, XLSX {result['file_mb']:.1f} MB; "
        f"setup {result['setup_s']:.0f} s, not timed; best and median of {full['runs']} "
        "runs each)"
    )
    for label, run in (("bare parse", parse), ("end to end", full)):
        print(
            f"  {label:12} {run['seconds']:8.2f} s (median {run['median']:6.2f})  "
            f"{_n(size / run['seconds']):>9} rows/s  peak {run['peak_mb']:6.0f} MB"
        )
    print(f"  counts       {full['counts']}")
    floor = result["floor"]
    if floor is None:
        print(
            f"  ratio end to end / bare parse: {ratio:.1f}x best, {median_ratio:.1f}x median"
            "  (write floor: SQLite only)"
        )
        return
    print(
        f"  write floor  {floor['seconds']:8.2f} s  the {_n(floor['rows'])} rows the import "
        f"wrote ({floor['tables']} tables), bare sqlite3 executemany"
    )
    for table, (count, spent) in sorted(floor["per_table"].items(), key=lambda x: -x[1][1]):
        print(f"    {table:24} {_n(count):>9} rows  {spent:6.2f} s  (in the transaction)")
    core = sum(floor["per_table"].get(t, (0, 0.0))[1] for t in CORE_TABLES)
    print(
        f"  parse + the log's and the hours lines' rows alone ({', '.join(CORE_TABLES)}): "
        f"{parse['seconds'] + core:.2f} s = {(parse['seconds'] + core) / parse['seconds']:.1f}x "
        "the bare parse"
    )
    least = parse["seconds"] + floor["seconds"]
    print(
        f"  parse + write floor: {least:.2f} s = {least / parse['seconds']:.1f}x the bare parse "
        f"(no decision at all); end to end is {full['seconds'] / least:.1f}x that"
    )
    print(
        f"  ratio end to end / bare parse: {ratio:.1f}x best, {median_ratio:.1f}x median  "
        f"(target <= 2.5x: {verdict(ratio <= 2.5)})"
    )
    if result["requested"] == 10_000:
        print(f"  10 000 rows end to end <= 1 s: {verdict(full['seconds'] <= 1.0)}")
    if result["requested"] == 100_000:
        print(f"  peak memory end to end <= 300 MB: {verdict(full['peak_mb'] <= 300)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000")
    parser.add_argument("--lots", type=int, default=5)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side (best, median)")
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="on PostgreSQL: the server of CLAUSES_BENCH_PG_URL, else a throwaway cluster",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        out = child_parse(*rest) if kind == "parse" else child_import(*rest)
        print(json.dumps(out))
        return
    engine = "PostgreSQL" if args.postgresql else "SQLite"
    print(f"Import benchmark — Python {sys.version.split()[0]}, {os.cpu_count()} CPU, {engine}")
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp, _server(args) as pg_url:
        for size in (int(x) for x in args.rows.split(",")):
            report(bench(size, args.lots, args.months, Path(tmp), max(1, args.repeat), pg_url))


@contextlib.contextmanager
def _server(args):
    """The PostgreSQL server URL to use (None on SQLite)."""
    if not args.postgresql:
        yield None
    elif os.environ.get("CLAUSES_BENCH_PG_URL"):
        yield os.environ["CLAUSES_BENCH_PG_URL"]
    else:
        from tests.support.pgcluster import ThrowawayCluster

        cluster = ThrowawayCluster()
        cluster.start()
        try:
            yield cluster.url("postgres")
        finally:
            cluster.stop()


if __name__ == "__main__":
    main()
