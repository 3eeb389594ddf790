"""Reports on a territory of national shape: the largest buyer's monthly report and the
annual PLIE bilan, from the projections; their renderings timed separately.

Run from the repository root::

    python bench/reports.py [--people 2000] [--markets 500] [--keep FILE.db]
    CLAUSES_BENCH_PG_URL=postgresql+psycopg://... python bench/reports.py   # SQLite and PG

The territory (generated outside the clock, into a fresh SQLite file, and into the
PostgreSQL database named by ``CLAUSES_BENCH_PG_URL`` when given; that database is
emptied first, so give a throwaway one):

* 60 buyers (the first one, a métropole, holds a fifth of the markets), 500 markets
  (BTP 60 %, services 35 %, PI 5 %) with 1–3 lots each, 190 companies (150 firms,
  20 ETTI, 20 EI);
* 2,000 people (a third in a QPV, a third linked to the PLIE, some entering mid-way),
  each oriented and validated; about 5,000 back-to-back contracts over 2020–2024;
* about 100,000 monthly hour lines (every month of every contract, 20–151,67 h),
  a few exits.

Everything but the hours goes through the command handlers (the domain decisions),
many commands per store transaction, inline projections applied at each commit; hour
lines are appended as ``HoursRecorded`` events in batches (what the import appends
once its decisions are taken), counted hours equal to the hours.

After generation the SQLite write-ahead log is checkpointed and statistics analysed
(PostgreSQL: VACUUM ANALYZE), as a service at rest has them. Then, each timed after a
warm-up run, several times (median and best printed), on one read connection:

1. monthly  ``build_monthly_report`` for the largest buyer, December 2024 — target ≤ 200 ms;
2. bilan    ``build_plie_bilan`` for 2024 — target ≤ 1 s;
3. national ``build_national_export`` for 2024 (no target; shown);
4. renderings: monthly XLSX and PDF, bilan XLSX and HTML, national CSV and XLSX (no
   target; anything slower than 2 s is run once).

Options: ``--keep FILE.db`` keeps the SQLite file, ``--reuse`` measures it again without
generating, ``--no-sqlite`` measures PostgreSQL only, ``--no-pdf`` skips the PDF. The
machine's load average is printed next to the figures: on a shared machine they vary
with it.

PASS/FAIL is printed; the exit code is 0 regardless (this is a measurement).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402

import events.catalog  # noqa: E402, F401
from clauses_service import db as migrations  # noqa: E402
from clauses_service.commands.buyers import RegisterBuyer  # noqa: E402
from clauses_service.commands.companies import RegisterCompany  # noqa: E402
from clauses_service.commands.contracts import EndContract, RecordExit, StartContract  # noqa: E402
from clauses_service.commands.markets import AddLot, RegisterMarket  # noqa: E402
from clauses_service.commands.people import (  # noqa: E402
    OrientCandidate,
    RegisterPerson,
    StartPlieLink,
    ValidateCandidate,
)
from clauses_service.handlers import HANDLERS  # noqa: E402
from clauses_service.handlers.base import Context  # noqa: E402
from clauses_service.identity import vault_for  # noqa: E402
from events.catalog.buyers import BuyerKind  # noqa: E402
from events.catalog.companies import CompanyKind  # noqa: E402
from events.catalog.contracts import (  # noqa: E402
    ContractEndReason,
    ContractType,
    ExitOutcome,
    ExitStage,
    HoursRecorded,
    Modality,
)
from events.catalog.markets import LegalBasis  # noqa: E402
from events.catalog.people import EligibilityCriterion, PrescriberKind, Sex  # noqa: E402
from events.catalog.sectors import Sector  # noqa: E402
from events.engine import make_engine  # noqa: E402
from events.sql_store import SqlEventStore  # noqa: E402
from projections.registry import PROJECTIONS  # noqa: E402
from projections.runner import ProjectionRunner  # noqa: E402

NOW = datetime(2025, 1, 20, 9, 0, tzinfo=UTC)
FIRST, LAST = date(2020, 1, 1), date(2024, 12, 31)
REPORT_MONTH, REPORT_YEAR = date(2024, 12, 1), 2024
COMMANDS_PER_TX = 500
HOUR_EVENTS_PER_TX = 5_000
MONTHLY_TARGET_S, BILAN_TARGET_S = 0.200, 1.0
QPVS = (
    "Dijon – Grésilles",
    "Dijon – Fontaine-d'Ouche",
    "Chenôve – Le Mail",
    "Longvic – Bief du Moulin",
    "Talant – Le Belvédère",
    "Quetigny – Centre",
)
ACTOR = "bench"


def luhn_siret(seed: int) -> str:
    body = f"{seed:013d}"[-13:]
    for check in "0123456789":
        total = 0
        for index, digit in enumerate(int(c) for c in reversed(body + check)):
            if index % 2:
                digit = digit * 2 - 9 if digit > 4 else digit * 2
            total += digit
        if total % 10 == 0:
            return body + check
    raise AssertionError("unreachable")


def month_add(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# ---- generation --------------------------------------------------------------------------
class Generator:
    """Builds the territory on ``store``: commands in batches, then the hour events."""

    def __init__(self, store: SqlEventStore, people: int, markets: int, seed: int = 7):
        self.store, self.rng = store, random.Random(seed)
        self.n_people, self.n_markets = people, markets
        self.pending: list = []
        self.commands = 0

    def command(self, cmd) -> None:
        self.pending.append(cmd)
        if len(self.pending) >= COMMANDS_PER_TX:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with self.store.transaction({"actor": ACTOR, "source": "bench/reports.py"}) as tx:
            ctx = Context(tx, ACTOR, NOW, {"vault": vault_for(self.store)})
            for cmd in self.pending:
                HANDLERS[type(cmd)](cmd, ctx)
        self.commands += len(self.pending)
        self.pending = []

    # the territory, step by step
    def buyers(self) -> list[uuid.UUID]:
        ids = [uuid.uuid4() for _ in range(60)]
        for index, buyer_id in enumerate(ids):
            kind = BuyerKind.COLLECTIVITE if index % 3 else BuyerKind.BAILLEUR_SOCIAL
            name = "Métropole de référence" if index == 0 else f"Donneur d'ordre {index:02d}"
            self.command(RegisterBuyer(buyer_id=buyer_id, name=name, kind=kind))
        return ids

    def companies(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {"firm": [], "etti": [], "ei": []}
        for index in range(190):
            kind, key = (
                (CompanyKind.ENTREPRISE, "firm")
                if index < 150
                else (CompanyKind.ETTI, "etti")
                if index < 170
                else (CompanyKind.EI, "ei")
            )
            siret = luhn_siret(7_328_293_200_000 + index * 10)  # SIREN 732829320 (valid key)
            self.command(
                RegisterCompany(
                    company_id=uuid.uuid4(), siret=siret, name=f"Entreprise {index:03d}", kind=kind
                )
            )
            out[key].append(siret)
        return out

    def markets(self, buyers, sirets) -> list[dict]:
        rng, found = self.rng, []
        for index in range(self.n_markets):
            buyer = buyers[0] if index % 5 == 0 else rng.choice(buyers[1:])
            kind = rng.choices(
                [Sector.BTP, Sector.SERVICES, Sector.PRESTATIONS_INTELLECTUELLES], [60, 35, 5]
            )[0]
            start = FIRST + timedelta(days=rng.randrange(0, 365))
            end = date(2025 + rng.randrange(0, 2), 12, 31)
            market_id = uuid.uuid4()
            self.command(
                RegisterMarket(
                    market_id=market_id,
                    buyer_id=buyer,
                    reference=f"BENCH-{index:04d}",
                    title=f"Marché {index:04d}",
                    kind=kind,
                    legal_basis=LegalBasis.L2112_2,
                    start_date=start,
                    end_date=end,
                )
            )
            for number in range(1, rng.randint(1, 3) + 1):
                lot_id = uuid.uuid4()
                awarded = rng.choice(sirets["firm"])
                amount = Decimal(rng.randrange(50_000, 6_000_000))
                self.command(
                    AddLot(
                        market_id=market_id,
                        lot_id=lot_id,
                        number=str(number),
                        title=f"Lot {number}",
                        awarded_siret=awarded,
                        amount_excl_vat=amount,
                        labour_share=Decimal("0.5"),
                        insertion_rate=Decimal("0.05"),
                        hourly_cost=Decimal("30"),
                    )
                )
                found.append(
                    {"market_id": market_id, "lot_id": lot_id, "start": start, "awarded": awarded}
                )
        return found

    def people(self) -> list[dict]:
        rng, found = self.rng, []
        kinds = [k for k in PrescriberKind if k is not PrescriberKind.AUTRE]
        for index in range(self.n_people):
            person_id = uuid.uuid4()
            qpv = rng.choice(QPVS) if index % 3 == 0 else None
            self.command(
                RegisterPerson(
                    person_id=person_id,
                    last_name=f"Nom{index:05d}",
                    first_name=f"Prénom{index % 97}",
                    birth_date=date(1960 + index % 45, 1 + index % 12, 1 + index % 28),
                    sex=Sex.FEMME if index % 2 else Sex.HOMME,
                    qpv=qpv,
                    rsa=index % 5 == 0,
                    rqth=index % 11 == 0,
                )
            )
            oriented = FIRST + timedelta(days=rng.randrange(0, 540))
            sectors = (rng.choice([Sector.BTP, Sector.SERVICES]),)
            self.command(
                OrientCandidate(
                    person_id=person_id,
                    orientation_id=uuid.uuid4(),
                    prescriber_name="Prescripteur",
                    prescriber_kind=rng.choice(kinds),
                    oriented_on=oriented,
                    sectors=sectors,
                )
            )
            validated = oriented + timedelta(days=10)
            self.command(
                ValidateCandidate(
                    person_id=person_id,
                    validation_id=uuid.uuid4(),
                    sectors=(Sector.BTP, Sector.SERVICES, Sector.PRESTATIONS_INTELLECTUELLES),
                    criteria=(EligibilityCriterion.DELD,),
                    validated_on=validated,
                    valid_until=validated + timedelta(days=3 * 365),
                )
            )
            if index % 3 == 1:
                entry = validated + timedelta(days=rng.randrange(-200, 400))
                self.command(
                    StartPlieLink(
                        person_id=person_id,
                        link_id=uuid.uuid4(),
                        entry_date=min(entry, date(2024, 12, 1)),
                        referent="Référente PLIE",
                    )
                )
            found.append({"person_id": person_id, "from": validated + timedelta(days=5)})
        return found

    def contracts(self, people, lots, sirets) -> list[dict]:
        rng, found = self.rng, []
        for person in people:
            start = month_add(person["from"], 1)
            for _ in range(4):  # back-to-back contracts until the end of 2024
                if start > date(2024, 12, 1):
                    break
                lot = rng.choice(
                    [lot for lot in rng.sample(lots, 20) if lot["start"] <= start] or [None]
                )
                if lot is None:
                    break
                months = rng.randint(12, 36)
                end = min(month_add(start, months) - timedelta(days=1), LAST)
                ctype = rng.choices(
                    [ContractType.CTTI, ContractType.CDDI, ContractType.CDD, ContractType.CPRO,
                     ContractType.CDI],
                    [35, 30, 15, 10, 10],
                )[0]  # fmt: skip
                modality, employer, user = self._employer(ctype, lot, sirets)
                contract_id = uuid.uuid4()
                self.command(
                    StartContract(
                        contract_id=contract_id,
                        person_id=person["person_id"],
                        employer_siret=employer,
                        market_id=lot["market_id"],
                        lot_id=lot["lot_id"],
                        contract_type=ctype,
                        modality=modality,
                        start_date=start,
                        planned_end=end,
                        user_siret=user,
                        eligibility_override="Banc d'essai",
                    )
                )
                found.append({"contract_id": contract_id, "start": start, "end": end})
                start = month_add(end, 1 + rng.randrange(0, 3))
        return found

    def _employer(self, ctype, lot, sirets):
        if ctype is ContractType.CTTI:
            return Modality.MISE_A_DISPOSITION, self.rng.choice(sirets["etti"]), lot["awarded"]
        if ctype is ContractType.CDDI:
            return Modality.SOUS_TRAITANCE, self.rng.choice(sirets["ei"]), None
        return Modality.EMBAUCHE_DIRECTE, lot["awarded"], None

    def hours(self, contracts) -> int:
        """Every month of every contract as HoursRecorded events, batched per transaction."""
        rng, batch, lines = self.rng, [], 0
        for contract in contracts:
            events_ = []
            month = contract["start"].replace(day=1)
            while month <= contract["end"]:
                value = Decimal(rng.randrange(2000, 15167)) / 100
                events_.append(
                    HoursRecorded(contract["contract_id"], month, value, Decimal("0"), value)
                )
                month = month_add(month, 1)
            batch.append((contract["contract_id"], events_))
            lines += len(events_)
            if sum(len(e) for _, e in batch) >= HOUR_EVENTS_PER_TX:
                self._append_hours(batch)
                batch = []
        self._append_hours(batch)
        return lines

    def _append_hours(self, batch) -> None:
        if not batch:
            return
        with self.store.transaction({"actor": ACTOR, "source": "bench/reports.py"}) as tx:
            for contract_id, events_ in batch:
                tx.append("contract", str(contract_id), 1, events_)  # after ContractStarted

    def exits(self, contracts) -> None:
        for contract in contracts[::4]:
            if contract["end"] >= date(2024, 12, 1):
                continue
            self.command(
                EndContract(
                    contract_id=contract["contract_id"],
                    end_date=contract["end"],
                    reason=ContractEndReason.TERME,
                )
            )
            self.command(
                RecordExit(
                    contract_id=contract["contract_id"],
                    stage=ExitStage.AT_END,
                    outcome=self.rng.choice(list(ExitOutcome)),
                    observed_on=contract["end"] + timedelta(days=3),
                )
            )

    def run(self) -> dict:
        started = time.perf_counter()
        buyers = self.buyers()
        sirets = self.companies()
        lots = self.markets(buyers, sirets)
        people = self.people()
        self.flush()
        contracts = self.contracts(people, lots, sirets)
        self.flush()
        lines = self.hours(contracts)
        self.exits(contracts)
        self.flush()
        return {
            "lots": len(lots),
            "contracts": len(contracts),
            "hour_lines": lines,
            "commands": self.commands,
            "seconds": time.perf_counter() - started,
        }


# ---- measurement -------------------------------------------------------------------------
def timed(action: Callable[[], object], repeat: int) -> tuple[float, float, object]:
    """(median, best) seconds of ``repeat`` runs after one warm-up run, and the result.
    An action slower than 2 s is run once only (a PDF of a hundred markets)."""
    started = time.perf_counter()
    result = action()
    first = time.perf_counter() - started
    if first > 2.0:
        return first, first, result
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), min(runs), result


def verdict(seconds: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"(cible ≤ {target * 1000:.0f} ms) {'PASS' if seconds <= target else 'FAIL'}"


def line(label: str, timing: tuple, target: float | None = None, extra: str = "") -> None:
    """One figure: median (best) in ms, the verdict on the median, details."""
    median, best = timing
    figures = f"{median * 1000:9.1f} ms (min {best * 1000:7.1f})"
    print(f"  {label:<32} {figures}  {verdict(median, target)} {extra}".rstrip())


def measure(store: SqlEventStore, buyer_id: str, repeat: int, no_pdf: bool = False) -> None:
    from clauses_service.reports import render_annual
    from clauses_service.reports.bilan import build_plie_bilan
    from clauses_service.reports.monthly import build_monthly_report
    from clauses_service.reports.national import build_national_export
    from clauses_service.reports.render_monthly import monthly_pdf, monthly_xlsx

    with store.reading() as conn:
        *seconds, monthly = timed(
            lambda: build_monthly_report(conn, buyer_id, REPORT_MONTH), repeat
        )
        lots = sum(len(m["lots"]) for m in monthly["markets"])
        line("rapport mensuel (plus gros DO)", seconds, MONTHLY_TARGET_S,
             f"· {len(monthly['markets'])} marchés, {lots} lots")  # fmt: skip
        *seconds, bilan = timed(lambda: build_plie_bilan(conn, REPORT_YEAR), repeat)
        people = bilan["participants"]["total"]
        line("bilan PLIE 2024", seconds, BILAN_TARGET_S,
             f"· {bilan['hours']['total']} h PLIE, {people} participants")  # fmt: skip
        *seconds, national = timed(lambda: build_national_export(conn, REPORT_YEAR), repeat)
        line("export national 2024", seconds, None,
             f"· {national['totals']['hours']} h, {national['totals']['fte']} ETP")  # fmt: skip
    print("  rendus :")
    for label, action in (
        ("mensuel XLSX", lambda: monthly_xlsx(monthly)),
        ("mensuel PDF", None if no_pdf else lambda: monthly_pdf(monthly)),
        ("bilan XLSX", lambda: render_annual.bilan_xlsx(bilan)),
        ("bilan HTML", lambda: render_annual.bilan_html(bilan)),
        ("national CSV", lambda: render_annual.national_csv(national)),
        ("national XLSX", lambda: render_annual.national_xlsx(national)),
    ):
        if action is None:
            continue
        *seconds, content = timed(action, max(1, repeat // 2))
        size = len(content) if isinstance(content, bytes | str) else 0
        line(label, seconds, None, f"· {size / 1024:.0f} Kio")


def prepare(url: str) -> SqlEventStore:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrations.upgrade(engine)
    store = SqlEventStore(engine)
    runner = ProjectionRunner(store, PROJECTIONS)
    runner.ensure_tables()
    runner.attach()
    return store


def settle(store: SqlEventStore) -> None:
    """The database as a service at rest has it: SQLite's write-ahead log checkpointed
    (a fresh 100,000-line load leaves it full), PostgreSQL's statistics up to date."""
    from sqlalchemy import text

    with store.engine.connect() as conn:
        if store.is_postgresql:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("ANALYZE")


def largest_buyer(store: SqlEventStore) -> str:
    """The buyer with the most markets (its monthly report is the heaviest)."""
    from sqlalchemy import func, select

    from projections.markets import markets

    query = (
        select(markets.c.buyer_id)
        .group_by(markets.c.buyer_id)
        .order_by(func.count().desc(), markets.c.buyer_id)
        .limit(1)
    )
    with store.reading() as conn:
        return conn.execute(query).scalar_one()


def bench(name: str, url: str, args, reuse: bool = False) -> None:
    print(f"\n== {name} ==")
    if reuse:
        store = SqlEventStore(make_engine(url))
        print("  territoire : réutilisé tel quel")
    else:
        store = prepare(url)
        shape = Generator(store, args.people, args.markets).run()
        print(
            f"  territoire : {args.markets} marchés, {shape['lots']} lots, {args.people} "
            f"personnes, {shape['contracts']} contrats, {shape['hour_lines']} lignes d'heures, "
            f"{shape['commands']} commandes — généré en {shape['seconds']:.1f} s"
        )
        settle(store)
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")
    measure(store, largest_buyer(store), args.repeat, args.no_pdf)
    print(f"  charge de la machine (load average 1 min) : {os.getloadavg()[0]:.1f}")
    store.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--markets", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, default=None, help="garder le fichier SQLite ici")
    parser.add_argument(
        "--reuse", action="store_true", help="mesurer sur le fichier --keep déjà généré"
    )
    parser.add_argument(
        "--no-sqlite", action="store_true", help="PostgreSQL seulement (CLAUSES_BENCH_PG_URL)"
    )
    parser.add_argument("--no-pdf", action="store_true", help="sans le rendu PDF (le plus long)")
    args = parser.parse_args()
    print(f"Python {platform.python_version()} · {platform.machine()} · {os.cpu_count()} cœurs")
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory() as work:
            path = args.keep or Path(work) / "bench.db"
            reuse = bool(args.reuse and args.keep and path.exists())
            if path.exists() and not reuse:
                path.unlink()
            bench("SQLite", f"sqlite:///{path}", args, reuse)
    pg_url = os.environ.get("CLAUSES_BENCH_PG_URL")
    if pg_url:
        bench("PostgreSQL", pg_url, args)


if __name__ == "__main__":
    main()
