"""The demo as a list of commands (a plan), built without touching the database.

``build_plan(calendar)`` is pure and deterministic: a seeded ``random.Random`` and uuid5
ids make the same calendar give the very same commands, each with a stable key (its
idempotency key when it is run).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from clauses_service.domain.people import add_months

SEED = 20260101


@dataclass(frozen=True)
class Calendar:
    """The demo year: twelve months, ``first`` to ``last`` (first days), ending with the last
    complete month before ``today``. ``last_day`` is the last business date the demo uses."""

    first: date
    last: date

    @classmethod
    def ending_before(cls, today: date) -> Calendar:
        last = add_months(today.replace(day=1), -1)
        return cls(add_months(last, -11), last)

    @classmethod
    def starting(cls, first: date) -> Calendar:
        first = first.replace(day=1)
        return cls(first, add_months(first, 11))

    @property
    def last_day(self) -> date:
        return add_months(self.last, 1) - timedelta(days=1)

    def month(self, offset: int) -> date:
        """The first day of the month ``offset`` months after ``first``."""
        return add_months(self.first, offset)


@dataclass(frozen=True)
class Step:
    key: str  # stable: the command's idempotency key
    command: Any


@dataclass
class Planner:
    """Collects the steps; ``rng`` is the one source of randomness, used in a fixed order."""

    calendar: Calendar
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    steps: list[Step] = field(default_factory=list)

    def add(self, key: str, command: Any) -> None:
        self.steps.append(Step(key, command))

    def day_between(self, start: date, end: date) -> date:
        """A day drawn in [start, end] (``start`` when the range is empty)."""
        span = (end - start).days
        return start if span <= 0 else start + timedelta(days=self.rng.randint(0, span))


@dataclass(frozen=True)
class Plan:
    calendar: Calendar
    steps: list[Step]

    def summary(self) -> dict[str, Any]:
        """What the demo holds, as counted from its commands."""
        from clauses_service.commands import buyers, companies, contracts, markets, people

        kinds = Counter(type(s.command) for s in self.steps)
        hours = sum(
            (s.command.hours for s in self.steps if isinstance(s.command, contracts.RecordHours)),
            Decimal("0"),
        )
        return {
            "buyers": kinds[buyers.RegisterBuyer],
            "markets": kinds[markets.RegisterMarket],
            "lots": kinds[markets.AddLot],
            "amendments": kinds[markets.AmendLot],
            "companies": kinds[companies.RegisterCompany],
            "people": kinds[people.RegisterPerson],
            "orientations": kinds[people.OrientCandidate],
            "validations": kinds[people.ValidateCandidate],
            "refusals": kinds[people.RefuseCandidate],
            "plie_links": kinds[people.StartPlieLink],
            "contracts": kinds[contracts.StartContract],
            "hour_lines": kinds[contracts.RecordHours],
            "hours": hours,
            "exits": kinds[contracts.RecordExit],
        }


def french_number(value: Decimal) -> str:
    """12345.5 -> "12 345,50"."""
    return f"{value:,.2f}".replace(",", " ").replace(".", ",")


def summary_line(summary: dict[str, Any]) -> str:
    s = summary
    return (
        f"Territoire de démonstration : {s['buyers']} donneurs d'ordre, {s['markets']} marchés "
        f"({s['lots']} lots, {s['amendments']} avenants), {s['companies']} entreprises, "
        f"{s['people']} personnes ({s['orientations']} orientations, {s['validations']} "
        f"validations, {s['refusals']} refus, {s['plie_links']} accompagnements PLIE), "
        f"{s['contracts']} contrats, {s['hour_lines']} relevés mensuels "
        f"({french_number(s['hours'])} h), {s['exits']} sorties."
    )


def build_plan(calendar: Calendar) -> Plan:
    """Every command of the demo, in an order the handlers accept."""
    from clauses_service.demo import candidates, contracts, people, staffing, territory

    planner = Planner(calendar)
    lots = territory.plan_structure(planner)
    profiles = people.profiles(planner)
    staffed = staffing.staff(planner, lots, profiles)
    candidates.plan_people(planner, profiles, staffed.late_validation)
    contracts.plan_contracts(planner, staffed)
    territory.plan_contacts(planner)  # last: its presence says the demo is complete
    return Plan(calendar, planner.steps)
