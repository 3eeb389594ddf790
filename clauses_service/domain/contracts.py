"""Clause contracts: the folded state of a contract stream and the decisions on it.

A contract stream holds the contract (start, extensions, end), its monthly hour lines
(recorded, corrected, withdrawn) and the exits observed after it. Decisions are pure:
the handler loads what they need (the person, the market, the person's hours on their
other contracts) and passes it in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from uuid import UUID

from clauses_service.domain.errors import AlreadyExists, NotFound, RuleViolation
from clauses_service.domain.markets import Market
from clauses_service.domain.people import Person, add_months
from events.catalog.contracts import (
    ContractEnded,
    ContractEndReason,
    ContractExtended,
    ContractStarted,
    ContractType,
    ExitOutcome,
    ExitRecorded,
    ExitStage,
    HoursCorrected,
    HoursRecorded,
    HoursWithdrawn,
    Modality,
)
from events.catalog.markets import CountingRules
from events.catalog.people import CandidateValidated
from events.catalog.sectors import Sector

HUNDREDTH = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_WEEKLY_HOURS = Decimal(48)
SIX_MONTHS_TOLERANCE = 5  # months after the end: the "six months" follow-up may start then
MAX_TEXT = 500

_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


# ---- French formatting ----------------------------------------------------------------
def fr_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def fr_month(day: date) -> str:
    return f"{_MONTHS_FR[day.month - 1]} {day.year}"


def fr_hours(value: Decimal) -> str:
    """Decimal("1234.5") -> "1 234,50 h"."""
    text = f"{value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP):,.2f}"
    return text.replace(",", " ").replace(".", ",") + " h"


def first_of_month(day: date) -> date:
    return day if day.day == 1 else day.replace(day=1)


@lru_cache(maxsize=1024)  # a file's rows name a few dozen months
def last_of_month(day: date) -> date:
    return add_months(first_of_month(day), 1) - timedelta(days=1)


# ---- state ----------------------------------------------------------------------------
@dataclass(frozen=True)
class HourLine:
    """The current values of one month of a contract."""

    month: date
    hours: Decimal
    training_hours: Decimal
    counted_hours: Decimal
    warnings: tuple[str, ...] = ()
    withdrawn: bool = False


@dataclass(frozen=True)
class Contract:
    contract_id: UUID | None = None
    person_id: UUID | None = None
    employer_company_id: UUID | None = None
    employer_siret: str = ""
    user_company_id: UUID | None = None
    user_siret: str | None = None
    market_id: UUID | None = None
    lot_id: UUID | None = None
    contract_type: ContractType | None = None
    modality: Modality | None = None
    start_date: date | None = None
    planned_end: date | None = None
    weekly_hours: Decimal | None = None
    eligibility_override: str | None = None
    end_date: date | None = None
    end_reason: ContractEndReason | None = None
    end_reason_text: str | None = None
    lines: Mapping[date, HourLine] = field(default_factory=dict)
    exits: tuple[ExitRecorded, ...] = ()
    version: int = 0

    @property
    def exists(self) -> bool:
        return self.contract_id is not None

    @property
    def ended(self) -> bool:
        return self.end_date is not None

    @property
    def period_end(self) -> date | None:
        """The last day hours may be recorded for: the end date, else the planned end."""
        return self.end_date if self.end_date is not None else self.planned_end

    def line(self, month: date) -> HourLine | None:
        return self.lines.get(first_of_month(month))

    def active_line(self, month: date) -> HourLine | None:
        line = self.line(month)
        return None if line is None or line.withdrawn else line

    def hours_in(self, month: date) -> Decimal:
        """Hours worked (training included) in ``month``; 0 when none or withdrawn."""
        line = self.active_line(month)
        return line.hours if line else ZERO

    @property
    def active_lines(self) -> list[HourLine]:
        return sorted((x for x in self.lines.values() if not x.withdrawn), key=lambda x: x.month)

    @property
    def counted_total(self) -> Decimal:
        return sum((x.counted_hours for x in self.active_lines), ZERO)

    @property
    def last_month_with_hours(self) -> date | None:
        lines = self.active_lines
        return lines[-1].month if lines else None

    def exit_at(self, stage: ExitStage) -> ExitRecorded | None:
        return next((e for e in self.exits if e.stage == stage), None)


def evolve(state: Contract, event) -> Contract:
    # One ``replace`` per event (the version moves with the change): a whole-file import
    # evolves tens of thousands of states.
    version = state.version + 1
    match event:
        case ContractStarted():
            return replace(
                state,
                contract_id=event.contract_id,
                person_id=event.person_id,
                employer_company_id=event.employer_company_id,
                employer_siret=event.employer_siret,
                user_company_id=event.user_company_id,
                user_siret=event.user_siret,
                market_id=event.market_id,
                lot_id=event.lot_id,
                contract_type=event.contract_type,
                modality=event.modality,
                start_date=event.start_date,
                planned_end=event.planned_end,
                weekly_hours=event.weekly_hours,
                eligibility_override=event.eligibility_override,
                version=version,
            )
        case ContractExtended():
            return replace(state, planned_end=event.planned_end, version=version)
        case ContractEnded():
            return replace(
                state,
                end_date=event.end_date,
                end_reason=event.reason,
                end_reason_text=event.reason_text,
                version=version,
            )
        case HoursRecorded() | HoursCorrected():
            line = HourLine(
                month=event.month,
                hours=event.hours,
                training_hours=event.training_hours,
                counted_hours=event.counted_hours,
                warnings=tuple(event.warnings),
            )
            return _with_line(state, event.month, line, version)
        case HoursWithdrawn():
            line = state.lines.get(event.month)
            if line is not None:
                withdrawn = replace(line, withdrawn=True)
                lines = {**state.lines, event.month: withdrawn}
                return replace(state, lines=lines, version=version)
        case ExitRecorded():
            return replace(state, exits=(*state.exits, event), version=version)
    return replace(state, version=version)


def _with_line(state: Contract, month: date, line: HourLine, version: int) -> Contract:
    """``replace(state, lines=..., version=...)`` for the event a contract gets most
    (every month's hours), without ``replace``'s walk over the twenty fields: a copy of
    the frozen state's attributes with these two changed. Contract has no
    ``__post_init__`` and no ``init=False`` field, so the result is the same."""
    new = object.__new__(Contract)
    vars(new).update(vars(state), lines={**state.lines, month: line}, version=version)
    return new


def fold(events: Iterable) -> Contract:
    state = Contract()
    for event in events:
        state = evolve(state, event)
    return state


# A whole-file import folds only what it appended onto the state it already has.
fold.evolve = evolve


# ---- input checks ---------------------------------------------------------------------
def _choice(cls, value, field_name: str, what: str):
    try:
        return cls(value)
    except ValueError:
        offered = ", ".join(m.value for m in cls.offered())
        raise RuleViolation(
            f"{what} : « {value} » n'est pas une valeur connue. Valeurs possibles : {offered}.",
            field=field_name,
        ) from None


def _text(value: str | None, field_name: str, message: str) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise RuleViolation(message, field=field_name)
    if len(cleaned) > MAX_TEXT:
        raise RuleViolation(
            f"Ce texte ne doit pas dépasser {MAX_TEXT} caractères.", field=field_name
        )
    return cleaned


def _optional_text(value: str | None, field_name: str) -> str | None:
    cleaned = " ".join((value or "").split())
    if len(cleaned) > MAX_TEXT:
        raise RuleViolation(
            f"Ce texte ne doit pas dépasser {MAX_TEXT} caractères.", field=field_name
        )
    return cleaned or None


def _amount(value, field_name: str, label: str) -> Decimal:
    """A number of hours, quantised half up to the hundredth; never negative."""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        number = None
    if number is None or not number.is_finite() or isinstance(value, bool):
        raise RuleViolation(f"{label} : « {value} » n'est pas un nombre.", field=field_name)
    number = number.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if number < 0:
        raise RuleViolation(f"{label} ne peuvent pas être négatives.", field=field_name)
    return _shared(number)


_AMOUNTS: dict[Decimal, Decimal] = {}
_MAX_AMOUNTS = 20_000


def _shared(number: Decimal) -> Decimal:
    """One object per amount (Decimals are immutable): a file of 100,000 rows of 35,00 h
    keeps one ``Decimal("35.00")``, not 100,000. Signed zeros are left as they are, so
    that ``-0.00`` never stands for ``0.00`` or the reverse."""
    if number.is_signed() or len(_AMOUNTS) >= _MAX_AMOUNTS:
        return number
    return _AMOUNTS.setdefault(number, number)


def _hour_amounts(hours, training_hours) -> tuple[Decimal, Decimal]:
    hours = _amount(hours, "hours", "Les heures travaillées")
    training = _amount(
        ZERO if training_hours is None else training_hours,
        "training_hours",
        "Les heures de formation",
    )
    if training > hours:
        raise RuleViolation(
            f"Les heures de formation ({fr_hours(training)}) sont comprises dans les heures "
            f"travaillées ({fr_hours(hours)}) : elles ne peuvent pas les dépasser.",
            field="training_hours",
        )
    return hours, training


def _require_contract(state: Contract) -> None:
    if not state.exists:
        raise NotFound("Contrat introuvable.", field="contract_id")


# ---- eligibility ----------------------------------------------------------------------
def _sector_names(sectors: Iterable[Sector]) -> str:
    return ", ".join(Sector(s).label for s in sorted(set(sectors), key=lambda s: s.value))


def validity_end(validation: CandidateValidated, validity_months: int) -> date:
    """The last day ``validation`` makes the person eligible under a market's rule."""
    return min(validation.valid_until, add_months(validation.validated_on, validity_months))


def eligibility_problem(person: Person, sector: Sector, day: date, validity_months: int):
    """None when ``person`` is eligible for ``sector`` on ``day``, else what is missing (French)."""
    if person.eligibility_on(day, sector, validity_months) is not None:
        return None
    fix = "ou enregistrez le contrat avec un motif de dérogation (facilitateur)."
    label = Sector(sector).label
    if not person.validations:
        return (
            "Cette personne n'a jamais été validée (aucune validation d'éligibilité) : "
            f"validez sa candidature pour le secteur {label} avant le début du contrat, {fix}"
        )
    in_sector = [v for v in person.validations if sector in v.sectors]
    if not in_sector:
        others = _sector_names(s for v in person.validations for s in v.sectors)
        return (
            f"Cette personne n'est validée que pour : {others} ; ce marché relève du secteur "
            f"{label}. Validez-la pour ce secteur {fix}"
        )
    before = sorted((v for v in in_sector if v.validated_on <= day), key=lambda v: v.validated_on)
    after = sorted((v for v in in_sector if v.validated_on > day), key=lambda v: v.validated_on)
    if not before:
        return (
            f"Cette personne a été validée pour le secteur {label} le "
            f"{fr_date(after[0].validated_on)}, après le début du contrat ({fr_date(day)}) : "
            f"la validation doit précéder le contrat. Corrigez la date de début {fix}"
        )
    latest = before[-1]
    message = (
        f"L'éligibilité de cette personne a expiré : sa validation du "
        f"{fr_date(latest.validated_on)} pour le secteur {label} valait jusqu'au "
        f"{fr_date(validity_end(latest, validity_months))} (règle du marché : "
        f"{validity_months} mois de validité ; fin indiquée à la validation : "
        f"{fr_date(latest.valid_until)}), avant le début du contrat ({fr_date(day)}). "
        f"Renouvelez la validation {fix}"
    )
    if after:
        message += (
            f" Une autre validation date du {fr_date(after[0].validated_on)}, "
            "après le début du contrat."
        )
    return message


# ---- the contract ---------------------------------------------------------------------
def _check_person(person: Person) -> None:
    if not person.exists:
        raise NotFound("Personne introuvable.", field="person_id")
    if person.merged_into is not None:
        raise RuleViolation(
            "Cette fiche a été fusionnée avec la fiche de la personne "
            f"{person.merged_into} : enregistrez le contrat sur cette fiche.",
            field="person_id",
        )
    if person.erased:
        raise RuleViolation(
            "Les données de cette personne ont été effacées (RGPD) : aucun nouveau contrat "
            "ne peut lui être rattaché.",
            field="person_id",
        )


def _check_market(market: Market, lot_id: UUID) -> None:
    if not market.exists:
        raise NotFound("Marché introuvable.", field="market_id")
    if market.lot(lot_id) is None:
        raise NotFound(f"Ce lot n'existe pas dans le marché {market.reference}.", field="lot_id")


def _check_companies(
    modality: Modality,
    employer_siret: str,
    employer_company_id: UUID | None,
    user_siret: str | None,
    user_company_id: UUID | None,
) -> None:
    if employer_company_id is None:
        raise NotFound(
            f"Aucune entreprise enregistrée avec le SIRET employeur « {employer_siret} » : "
            "enregistrez-la d'abord ou corrigez le SIRET.",
            field="employer_siret",
        )
    if modality is Modality.MISE_A_DISPOSITION and not user_siret:
        raise RuleViolation(
            "Pour une mise à disposition, indiquez le SIRET de l'entreprise utilisatrice.",
            field="user_siret",
        )
    if user_siret and user_company_id is None:
        raise NotFound(
            f"Aucune entreprise enregistrée avec le SIRET utilisateur « {user_siret} » : "
            "enregistrez-la d'abord ou corrigez le SIRET.",
            field="user_siret",
        )


def _check_dates(market: Market, start_date: date, planned_end: date | None) -> None:
    if not (market.start_date <= start_date <= market.end_date):
        raise RuleViolation(
            f"Le contrat débute le {fr_date(start_date)}, hors des dates du marché "
            f"{market.reference} (du {fr_date(market.start_date)} au "
            f"{fr_date(market.end_date)}).",
            field="start_date",
        )
    if planned_end is not None and planned_end < start_date:
        raise RuleViolation(
            f"La fin prévue ({fr_date(planned_end)}) précède le début du contrat "
            f"({fr_date(start_date)}).",
            field="planned_end",
        )


def _weekly_hours(value) -> Decimal | None:
    if value is None:
        return None
    hours = _amount(value, "weekly_hours", "Les heures hebdomadaires")
    if not ZERO < hours <= MAX_WEEKLY_HOURS:
        raise RuleViolation(
            f"La durée hebdomadaire doit être comprise entre 0 (exclu) et "
            f"{MAX_WEEKLY_HOURS} heures ; reçu {fr_hours(hours)}.",
            field="weekly_hours",
        )
    return hours


def start(
    state: Contract,
    *,
    contract_id: UUID,
    person: Person,
    market: Market,
    lot_id: UUID,
    employer_siret: str,
    employer_company_id: UUID | None,
    user_siret: str | None,
    user_company_id: UUID | None,
    contract_type,
    modality,
    start_date: date,
    planned_end: date | None,
    weekly_hours,
    eligibility_override: str | None,
) -> list:
    """Decide ``ContractStarted``. SIRETs come normalised, with the company they resolve to
    (None: no company has it); ``person`` is the person as loaded with their merges."""
    if state.exists:
        raise AlreadyExists("Ce contrat est déjà enregistré.", field="contract_id")
    contract_type = _choice(ContractType, contract_type, "contract_type", "Type de contrat")
    modality = _choice(Modality, modality, "modality", "Modalité")
    _check_person(person)
    _check_market(market, lot_id)
    _check_companies(modality, employer_siret, employer_company_id, user_siret, user_company_id)
    _check_dates(market, start_date, planned_end)
    weekly = _weekly_hours(weekly_hours)
    override = None
    if eligibility_override is not None:
        override = _text(
            eligibility_override,
            "eligibility_override",
            "Le motif de dérogation ne peut pas être vide : expliquez pourquoi le contrat "
            "est retenu sans éligibilité valide.",
        )
    problem = eligibility_problem(person, market.kind, start_date, market.rules.eligibility_months)
    if problem is not None and override is None:
        raise RuleViolation(problem, field="person_id")
    return [
        ContractStarted(
            contract_id=contract_id,
            person_id=person.person_id,
            employer_company_id=employer_company_id,
            employer_siret=employer_siret,
            user_company_id=user_company_id if user_siret else None,
            user_siret=user_siret or None,
            market_id=market.market_id,
            lot_id=lot_id,
            contract_type=contract_type,
            modality=modality,
            start_date=start_date,
            planned_end=planned_end,
            weekly_hours=weekly,
            # Kept only when it was needed: reports list the contracts that derogated.
            eligibility_override=override if problem is not None else None,
        )
    ]


def _require_open(state: Contract) -> None:
    _require_contract(state)
    if state.ended:
        raise RuleViolation(
            f"Ce contrat est terminé depuis le {fr_date(state.end_date)}.", field="contract_id"
        )


def extend(state: Contract, planned_end: date, reason: str) -> list:
    _require_open(state)
    reason = _text(reason, "reason", "Indiquez le motif de la prolongation.")
    if state.planned_end is None:
        raise RuleViolation(
            "Ce contrat n'a pas de fin prévue : il n'y a rien à prolonger.", field="planned_end"
        )
    if planned_end <= state.planned_end:
        raise RuleViolation(
            f"La nouvelle fin prévue ({fr_date(planned_end)}) doit être postérieure à la fin "
            f"prévue actuelle ({fr_date(state.planned_end)}).",
            field="planned_end",
        )
    return [ContractExtended(state.contract_id, planned_end, reason)]


def end(
    state: Contract, end_date: date, reason: ContractEndReason, reason_text: str | None
) -> list:
    _require_open(state)
    reason = _choice(ContractEndReason, reason, "reason", "Motif de fin")
    if reason is ContractEndReason.AUTRE:
        text = _text(reason_text, "reason_text", "Précisez le motif de fin (motif « Autre »).")
    else:
        text = _optional_text(reason_text, "reason_text")
    if end_date < state.start_date:
        raise RuleViolation(
            f"La date de fin ({fr_date(end_date)}) précède le début du contrat "
            f"({fr_date(state.start_date)}).",
            field="end_date",
        )
    last = state.last_month_with_hours
    if last is not None and end_date < last:
        raise RuleViolation(
            f"Des heures sont enregistrées jusqu'en {fr_month(last)} : la fin du contrat ne "
            f"peut pas être antérieure au {fr_date(last)}. Retirez d'abord ces heures si "
            "elles sont erronées.",
            field="end_date",
        )
    return [ContractEnded(state.contract_id, end_date, reason, text)]


# ---- hours ----------------------------------------------------------------------------
def _check_in_period(state: Contract, month: date) -> None:
    """The month must share at least one day with the contract's period."""
    if last_of_month(month) < state.start_date:
        raise RuleViolation(
            f"Le mois de {fr_month(month)} précède le début du contrat "
            f"({fr_date(state.start_date)}).",
            field="month",
        )
    if state.end_date is not None and month > state.end_date:
        raise RuleViolation(
            f"Le mois de {fr_month(month)} est postérieur à la fin du contrat "
            f"({fr_date(state.end_date)}).",
            field="month",
        )
    if state.end_date is None and state.planned_end is not None and month > state.planned_end:
        raise RuleViolation(
            f"Le mois de {fr_month(month)} est postérieur à la fin prévue du contrat "
            f"({fr_date(state.planned_end)}) : si la personne y travaille encore, prolongez "
            "d'abord le contrat.",
            field="month",
        )


def counted_hours(
    state: Contract, rules: CountingRules, month: date, hours: Decimal, training: Decimal
) -> tuple[Decimal, list[str]]:
    """What counts toward the clause, and why some hours do not (French warnings).

    CDI: only the first ``cdi_counted_months`` months from the start date count; a month
    that begins inside that window counts in full.
    """
    counted = hours if rules.training_hours_count else hours - training
    if state.contract_type is ContractType.CDI:
        window_end = add_months(state.start_date, rules.cdi_counted_months)
        if month >= window_end:
            return ZERO, [
                f"CDI : seuls les {rules.cdi_counted_months} premiers mois comptent pour la "
                f"clause (jusqu'au {fr_date(window_end)} exclu) ; les heures de "
                f"{fr_month(month)} sont enregistrées mais non comptabilisées."
            ]
    return counted, []


def _monthly_total_check(
    rules: CountingRules, month: date, hours: Decimal, others: Decimal
) -> list[str]:
    """The person's total for the month, across all their contracts, against the thresholds."""
    total = hours + others
    scope = "tous contrats confondus" if others else "sur ce contrat"
    if total > rules.refusal_hours:
        raise RuleViolation(
            f"Avec cette ligne, la personne totaliserait {fr_hours(total)} en "
            f"{fr_month(month)} ({scope}), au-delà du maximum de "
            f"{fr_hours(rules.refusal_hours)} par mois : vérifiez la déclaration (double "
            "déclaration entreprise / ETTI ?).",
            field="hours",
        )
    if total > rules.warning_hours:
        return [
            f"La personne totalise {fr_hours(total)} en {fr_month(month)} ({scope}), "
            f"au-delà de {fr_hours(rules.warning_hours)} (temps plein) : heures "
            "supplémentaires à vérifier."
        ]
    return []


def _decide_values(
    state: Contract, rules: CountingRules, month: date, hours, training_hours, others
) -> tuple[Decimal, Decimal, Decimal, list[str]]:
    hours, training = _hour_amounts(hours, training_hours)
    _check_in_period(state, month)
    warnings = _monthly_total_check(rules, month, hours, others)
    counted, cdi_warnings = counted_hours(state, rules, month, hours, training)
    return hours, training, counted, cdi_warnings + warnings


def record_hours(
    state: Contract,
    rules: CountingRules,
    month: date,
    hours,
    training_hours,
    others_total: Decimal = ZERO,
) -> tuple[list, list[str]]:
    """Decide ``HoursRecorded``; ``others_total``: the person's hours that month on their
    other contracts. Returns (events, warnings)."""
    _require_contract(state)
    month = first_of_month(month)
    line = state.line(month)
    if line is not None and not line.withdrawn:
        raise RuleViolation(
            f"Les heures de {fr_month(month)} sont déjà enregistrées pour ce contrat "
            f"({fr_hours(line.hours)}) : utilisez une correction pour les modifier.",
            field="month",
        )
    hours, training, counted, warnings = _decide_values(
        state, rules, month, hours, training_hours, others_total
    )
    event = HoursRecorded(state.contract_id, month, hours, training, counted, tuple(warnings))
    return [event], warnings


def _recorded_line(state: Contract, month: date) -> HourLine:
    line = state.line(month)
    if line is None:
        raise RuleViolation(
            f"Aucune heure n'est enregistrée pour {fr_month(month)} sur ce contrat : "
            "enregistrez-les d'abord.",
            field="month",
        )
    if line.withdrawn:
        raise RuleViolation(
            f"Les heures de {fr_month(month)} ont été retirées : enregistrez-les à nouveau.",
            field="month",
        )
    return line


def correct_hours(
    state: Contract,
    rules: CountingRules,
    month: date,
    hours,
    training_hours,
    reason: str,
    others_total: Decimal = ZERO,
) -> tuple[list, list[str]]:
    """Decide ``HoursCorrected`` (nothing when the values are unchanged)."""
    _require_contract(state)
    month = first_of_month(month)
    line = _recorded_line(state, month)
    reason = _text(reason, "reason", "Indiquez le motif de la correction.")
    hours, training, counted, warnings = _decide_values(
        state, rules, month, hours, training_hours, others_total
    )
    if (hours, training) == (line.hours, line.training_hours):
        return [], []
    event = HoursCorrected(
        state.contract_id, month, hours, training, counted, reason, tuple(warnings)
    )
    return [event], warnings


def withdraw_hours(state: Contract, month: date, reason: str) -> list:
    _require_contract(state)
    month = first_of_month(month)
    _recorded_line(state, month)
    reason = _text(reason, "reason", "Indiquez le motif du retrait.")
    return [HoursWithdrawn(state.contract_id, month, reason)]


# ---- exits ----------------------------------------------------------------------------
def record_exit(
    state: Contract,
    stage: ExitStage,
    outcome: ExitOutcome,
    observed_on: date,
    detail: str | None,
    today: date,
) -> list:
    _require_contract(state)
    stage = _choice(ExitStage, stage, "stage", "Étape de suivi")
    outcome = _choice(ExitOutcome, outcome, "outcome", "Situation")
    if state.exit_at(stage) is not None:
        raise AlreadyExists(
            f"La sortie « {stage.label} » est déjà enregistrée pour ce contrat.", field="stage"
        )
    if stage is ExitStage.SIX_MONTHS:
        if not state.ended:
            raise RuleViolation(
                "Le suivi à six mois suppose un contrat terminé : enregistrez d'abord sa fin.",
                field="stage",
            )
        earliest = add_months(state.end_date, SIX_MONTHS_TOLERANCE)
        if observed_on < earliest:
            raise RuleViolation(
                f"Le suivi à six mois se constate au plus tôt le {fr_date(earliest)} (fin du "
                f"contrat le {fr_date(state.end_date)}, tolérance d'un mois).",
                field="observed_on",
            )
    elif state.period_end is None:
        raise RuleViolation(
            "Ce contrat n'a ni date de fin ni fin prévue : enregistrez d'abord sa fin.",
            field="stage",
        )
    if observed_on < state.start_date:
        raise RuleViolation(
            f"La date d'observation ({fr_date(observed_on)}) précède le début du contrat "
            f"({fr_date(state.start_date)}).",
            field="observed_on",
        )
    if observed_on > today:
        raise RuleViolation(
            f"La date d'observation ({fr_date(observed_on)}) est dans le futur.",
            field="observed_on",
        )
    detail = _optional_text(detail, "detail")
    return [ExitRecorded(state.contract_id, state.person_id, stage, outcome, observed_on, detail)]
