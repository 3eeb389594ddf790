"""A demo territory (Dijon métropole flavour), recorded through the same commands as real
data: every step is a command run by ``clauses_service.messagebus.execute``.

Deterministic and idempotent: the plan (``plan.build_plan``) comes from a seeded random
generator and uuid5 ids, and each command carries a stable idempotency key, so that a run
interrupted half-way resumes where it stopped and a complete demo is recognised at once
(its last step, the buyers' report contacts, is there) and left as it is.

    from clauses_service import demo
    demo.load(store)            # events appended (0 when already there)
    demo.load_accounts(store)   # demo accounts created
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from clauses_service.demo.accounts import ACCOUNTS, DEMO_PASSWORD, load_accounts
from clauses_service.demo.data import BUYERS, MARKETS
from clauses_service.demo.ids import DEMO_NAMESPACE, buyer_id
from clauses_service.demo.plan import Calendar, Plan, build_plan, summary_line
from clauses_service.domain.people import add_months

ACTOR = "demo"

__all__ = [
    "ACCOUNTS",
    "ACTOR",
    "BUYERS",
    "DEMO_NAMESPACE",
    "DEMO_PASSWORD",
    "Calendar",
    "Plan",
    "build_plan",
    "calendar_for",
    "is_complete",
    "load",
    "load_accounts",
    "run_plan",
]


def _today() -> date:
    from clauses_service.handlers.base import PARIS

    return datetime.now(UTC).astimezone(PARIS).date()


def calendar_for(store, today: date | None = None) -> Calendar:
    """The demo year: where an earlier run put it (read from its first market), else the
    twelve months before the current one."""
    from clauses_service.demo.territory import market_id
    from projections import queries

    first = MARKETS[0]
    with store.reading() as conn:
        market = queries.get_market(conn, market_id(first.key))
    if market is not None:
        return Calendar.starting(add_months(market["start_date"], -first.start))
    return Calendar.ending_before(today or _today())


def is_complete(store) -> bool:
    """True when the last step of the demo (every buyer's report contacts) is recorded."""
    from projections import queries

    with store.reading() as conn:
        for spec in BUYERS:
            buyer = queries.get_buyer(conn, buyer_id(spec.name))
            if buyer is None or not buyer["contacts"]:
                return False
    return True


def _read_summary(store) -> str:
    from projections import queries

    with store.reading() as conn:
        buyers = len(queries.list_buyers(conn))
        markets = queries.list_markets(conn, limit=1)[1]
        companies = queries.list_companies(conn, limit=1)[1]
        people = queries.search_people(conn, limit=1)[1]
        contracts = queries.count_contracts(conn)
    return (
        f"Territoire de démonstration déjà en place : {buyers} donneurs d'ordre, "
        f"{markets} marchés, {companies} entreprises, {people} personnes, "
        f"{contracts} contrats ; rien à ajouter."
    )


def run_plan(store, plan: Plan) -> None:
    """Execute every step (a step already done replays its first result and adds nothing)."""
    from clauses_service.commands.buyers import RegisterBuyer
    from clauses_service.messagebus import execute
    from projections import queries

    with store.reading() as conn:
        known_buyers = {b["buyer_id"] for b in queries.list_buyers(conn)}
    for step in plan.steps:
        command = step.command
        if isinstance(command, RegisterBuyer) and str(command.buyer_id) in known_buyers:
            continue  # registered by the first demo, whose events carried no key
        execute(store, command, ACTOR, idempotency_key=step.key)


def load(store, today: date | None = None, echo: Callable[[str], None] | None = None) -> int:
    """Record the demo territory; return how many events were appended.

    ``echo`` receives one French summary line (``click.echo`` by default).
    """
    if echo is None:
        import click

        echo = click.echo
    if is_complete(store):
        echo(_read_summary(store))
        return 0
    before = store.head_position()
    plan = build_plan(calendar_for(store, today))
    run_plan(store, plan)
    echo(summary_line(plan.summary()))
    return store.head_position() - before
