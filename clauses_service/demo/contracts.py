"""The demo's contracts as commands: start, a year of monthly hours, renewals, ends, exits.

Monthly hours follow the weekly hours (35 h a week: 151.67 h a month), prorated on the
working days of the first and last months, less a few days of absence now and then;
CPRO and apprenticeship months include training hours. A couple of months go beyond
full time (warnings); no person ever goes beyond the refusal threshold.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from clauses_service.commands.contracts import (
    CorrectHours,
    EndContract,
    ExtendContract,
    RecordExit,
    RecordHours,
    StartContract,
    WithdrawHours,
)
from clauses_service.demo import names
from clauses_service.demo.ids import demo_id
from clauses_service.demo.plan import Planner
from clauses_service.demo.staffing import CT, MOD, Need, Staffing, monthly_hours
from clauses_service.demo.territory import company_siret
from clauses_service.domain.people import add_months
from events.catalog.contracts import ContractEndReason, ExitOutcome, ExitStage

CENT = Decimal("0.01")
MONTH_CAP = Decimal("196")  # a person's total for a month stays below the refusal threshold
OVERTIME = [Decimal("12.50"), Decimal("17.33")]  # two months beyond full time (warnings)
OUT = ExitOutcome
OUTCOMES = {
    CT.CTTI: [
        (OUT.INTERIM, 3),
        (OUT.CONTRAT_INSERTION, 2),
        (OUT.CDD_6_MOIS_PLUS, 2),
        (OUT.CDI, 1),
        (OUT.RECHERCHE_EMPLOI, 2),
        (OUT.FORMATION_QUALIFIANTE, 1),
    ],
    CT.CDDI: [
        (OUT.CONTRAT_INSERTION, 2),
        (OUT.CDD_6_MOIS_PLUS, 2),
        (OUT.FORMATION_QUALIFIANTE, 2),
        (OUT.RECHERCHE_EMPLOI, 3),
        (OUT.CDD_MOINS_6_MOIS, 1.5),
        (OUT.CDI, 1),
    ],
    CT.CPRO: [(OUT.CDI, 4), (OUT.CDD_6_MOIS_PLUS, 2), (OUT.RECHERCHE_EMPLOI, 1)],
    CT.APPRENTISSAGE: [(OUT.CDI, 3), (OUT.CPRO_APPRENTISSAGE, 1), (OUT.RECHERCHE_EMPLOI, 1)],
    CT.CDD: [
        (OUT.CDI, 2),
        (OUT.CDD_6_MOIS_PLUS, 2),
        (OUT.CDD_MOINS_6_MOIS, 2),
        (OUT.RECHERCHE_EMPLOI, 2),
        (OUT.CREATION_ENTREPRISE, 0.5),
    ],
    CT.CONTRAT_USAGE_AI: [
        (OUT.CONTRAT_INSERTION, 2),
        (OUT.CDD_MOINS_6_MOIS, 2),
        (OUT.RECHERCHE_EMPLOI, 2),
    ],
    CT.CDI: [(OUT.CDI, 1), (OUT.RECHERCHE_EMPLOI, 1)],
}
AFTER_BREAK = [
    (OUT.RECHERCHE_EMPLOI, 3),
    (OUT.SANS_NOUVELLES, 2),
    (OUT.CDD_MOINS_6_MOIS, 1),
    (OUT.AUTRE, 1),
]
SIX_MONTHS_LATER = [
    (OUT.CDI, 2),
    (OUT.CDD_6_MOIS_PLUS, 2),
    (OUT.CDD_MOINS_6_MOIS, 1),
    (OUT.FORMATION_QUALIFIANTE, 1),
    (OUT.RECHERCHE_EMPLOI, 2),
    (OUT.SANS_NOUVELLES, 1),
]


def _weighted(rng, pairs):
    items, weights = zip(*pairs, strict=True)
    return rng.choices(items, weights=weights)[0]


def _weekdays(first: date, last: date) -> int:
    """Monday to Friday days in [first, last]."""
    weeks, extra = divmod((last - first).days + 1, 7)
    return weeks * 5 + sum((first.weekday() + i) % 7 < 5 for i in range(extra))


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


class _Hours:
    """Month totals per person, so that nobody crosses the refusal threshold."""

    def __init__(self):
        self.totals: dict[tuple, Decimal] = defaultdict(Decimal)

    def room(self, person_id, month: date) -> Decimal:
        return MONTH_CAP - self.totals[(person_id, month)]

    def add(self, person_id, month: date, hours: Decimal) -> None:
        self.totals[(person_id, month)] += hours


def _month_lines(
    planner: Planner, need: Need, tracker: _Hours
) -> list[tuple[date, Decimal, Decimal]]:
    """(month, hours, training hours) of the contract within the demo year."""
    rng, cal = planner.rng, planner.calendar
    last = min(need.busy_end, cal.last_day, need.lot.end)  # hours on this market only
    full = monthly_hours(need.weekly)
    lines, month = [], need.start.replace(day=1)
    while month <= last:
        month_end = _month_end(month)
        worked = _weekdays(max(month, need.start), min(month_end, last))
        hours = full * worked / _weekdays(month, month_end)
        if rng.random() < 0.12:
            hours -= 7 * rng.randint(1, 2)  # a day or two of absence
        hours = min(hours, tracker.room(need.person.person_id, month)).quantize(CENT)
        if hours > 0:
            lines.append((month, hours, _training(rng, need, hours)))
            tracker.add(need.person.person_id, month, hours)
        month = add_months(month, 1)
    return lines


def _training(rng, need: Need, hours: Decimal) -> Decimal:
    kind = need.recipe.training
    if kind == "cpro":
        return (hours * Decimal("0.2")).quantize(CENT)
    if kind == "apprenti":
        return min(Decimal(35), hours)
    if kind == "iae" and rng.random() < 0.1:
        return min(Decimal(14), hours)  # SST or CACES training
    return Decimal(0)


def _start(planner: Planner, need: Need, contract_id) -> None:
    user = None
    if need.recipe.modality is MOD.MISE_A_DISPOSITION:
        user = company_siret(need.lot.awardee.key)
    planner.add(
        f"contract:{need.key}:start",
        StartContract(
            contract_id=contract_id,
            person_id=need.person.person_id,
            employer_siret=company_siret(need.employer_key),
            market_id=need.lot.market_id,
            lot_id=need.lot.lot_id,
            contract_type=need.recipe.contract_type,
            modality=need.recipe.modality,
            start_date=need.start,
            planned_end=need.planned_end,
            weekly_hours=Decimal(need.weekly),
            user_siret=user,
            eligibility_override=need.override,
        ),
    )


def _exits(planner: Planner, need: Need, contract_id) -> None:
    rng, cal = planner.rng, planner.calendar
    if need.hired_after:
        outcome = OUT.CDI
    elif rng.random() < 0.85:
        if need.end_reason is ContractEndReason.TERME:
            outcome = _weighted(rng, OUTCOMES[need.recipe.contract_type])
        else:
            outcome = _weighted(rng, AFTER_BREAK)
    else:
        return
    detail = names.EXIT_DETAILS.get(outcome.value) if outcome.positive else None
    if outcome is OUT.AUTRE:
        detail = "Déménagement, sans nouvelles depuis"
    planner.add(
        f"contract:{need.key}:exit-end",
        RecordExit(
            contract_id=contract_id,
            stage=ExitStage.AT_END,
            outcome=outcome,
            observed_on=need.end,
            detail=detail,
        ),
    )
    later = add_months(need.end, 6)
    if later <= cal.last_day and not need.hired_after and rng.random() < 0.8:
        follow = OUT.CDI if outcome is OUT.CDI else _weighted(rng, SIX_MONTHS_LATER)
        planner.add(
            f"contract:{need.key}:exit-6m",
            RecordExit(
                contract_id=contract_id,
                stage=ExitStage.SIX_MONTHS,
                outcome=follow,
                observed_on=later,
            ),
        )


def plan_contracts(planner: Planner, staffing: Staffing) -> None:
    tracker, overtime = _Hours(), list(OVERTIME)
    corrections = {5: "absence", 20: "training", 33: "withdraw"}
    for index, need in enumerate(staffing.needs):
        contract_id = demo_id("contract", need.key)
        _start(planner, need, contract_id)
        lines = _month_lines(planner, need, tracker)
        extended = False
        for number, (month, hours, training) in enumerate(lines):
            full_month = hours == monthly_hours(need.weekly) and need.weekly == 35
            room = tracker.room(need.person.person_id, month)
            ctti = need.recipe.contract_type is CT.CTTI
            if overtime and number == 2 and full_month and ctti and room >= overtime[0]:
                extra = overtime.pop(0)
                tracker.add(need.person.person_id, month, extra)
                hours += extra
            if need.extended_to and not extended and month > need.planned_end:
                _extend(planner, need, contract_id)
                extended = True
            planner.add(
                f"contract:{need.key}:hours:{month:%Y-%m}",
                RecordHours(
                    contract_id=contract_id, month=month, hours=hours, training_hours=training
                ),
            )
        if need.extended_to and not extended:
            _extend(planner, need, contract_id)
        _fix(planner, need, contract_id, lines, corrections.get(index))
        if need.end is not None:
            planner.add(
                f"contract:{need.key}:end",
                EndContract(
                    contract_id=contract_id,
                    end_date=need.end,
                    reason=need.end_reason,
                    reason_text=need.end_text,
                ),
            )
            _exits(planner, need, contract_id)


def _extend(planner: Planner, need: Need, contract_id) -> None:
    planner.add(
        f"contract:{need.key}:extend",
        ExtendContract(
            contract_id=contract_id,
            planned_end=need.extended_to,
            reason="Renouvellement du CDDI pour consolider le parcours",
        ),
    )


def _fix(planner: Planner, need: Need, contract_id, lines, kind: str | None) -> None:
    """A correction or a withdrawal, as happens after a check of the payslips."""
    if kind is None or len(lines) < 2:
        return
    month, hours, training = lines[1]
    if kind == "withdraw":
        planner.add(
            f"contract:{need.key}:withdraw:{month:%Y-%m}",
            WithdrawHours(
                contract_id=contract_id,
                month=month,
                reason="Heures effectuées sur un autre chantier, hors clause",
            ),
        )
        return
    if kind == "absence":
        hours, reason = max(hours - 7, Decimal(1)), "Une journée d'absence non déduite"
        training = min(training, hours)
    else:
        training = min(training + 7, hours)
        reason = "Journée de formation en centre oubliée dans la déclaration"
    planner.add(
        f"contract:{need.key}:correct:{month:%Y-%m}",
        CorrectHours(
            contract_id=contract_id,
            month=month,
            hours=hours,
            training_hours=training,
            reason=reason,
        ),
    )
